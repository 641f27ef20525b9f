import FuzzDriver
import EmbeddingCodec

/// libFuzzer entry point: any bytes as a `.npy` file. It must throw a CodecError or return a
/// matrix whose size matches its shape; it must never trap, leak or read out of bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    if let (matrix, _) = try? NPY.readMatrix(bytes: bytes) {
        precondition(matrix.elements.count == matrix.rows * matrix.columns, "matrix size disagrees with its shape")
    }
    if let reader = try? NPYReader(bytes: bytes) {
        // Streaming in small chunks reads the same rows as one read.
        while reader.remainingRows > 0, let block = try? reader.readRows(3), block.rows > 0 {}
    }
    _ = try? NPY.readIntegers(bytes: bytes)
    return 0
}
