import FuzzDriver
import LatentDB

/// libFuzzer entry point: any bytes as a translator file (`translator import`). Parsing must
/// throw a LatentError or return a translator whose shape agrees with its metadata.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    if let parsed = try? LatentStore.parseTranslatorFile(bytes, path: "<fuzz>") {
        precondition(parsed.metadata.sourceDim == parsed.translator.sourceDimension
                     && parsed.metadata.targetDim == parsed.translator.targetDimension, "metadata disagrees with the parameters")
    }
    return 0
}
