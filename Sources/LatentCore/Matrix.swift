/// A dense row-major matrix: component `j` of row `i` is `elements[i * columns + j]`.
///
/// Every module passes embeddings around as `Matrix<Float>`; fitting uses `Matrix<Double>`.
public struct Matrix<Scalar: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major storage, `rows * columns` long. Callers write elements in place but never
    /// resize it (no `didSet` check here: one would copy the array on every element write).
    public var elements: [Scalar]

    @inlinable
    public init(rows: Int, columns: Int, elements: [Scalar]) {
        precondition(rows >= 0 && columns >= 0, "negative matrix shape \(rows)x\(columns)")
        precondition(elements.count == rows * columns,
                     "Matrix(\(rows)x\(columns)) given \(elements.count) elements")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    @inlinable
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        self.init(rows: rows, columns: columns, elements: Array(repeating: value, count: rows * columns))
    }

    /// Builds a matrix from nested rows; all rows must have the same length.
    @inlinable
    public init(_ nestedRows: [[Scalar]]) {
        let columns = nestedRows.first?.count ?? 0
        precondition(nestedRows.allSatisfy { $0.count == columns }, "ragged rows")
        self.init(rows: nestedRows.count, columns: columns, elements: nestedRows.flatMap { $0 })
    }

    @inlinable
    public var shape: Shape { Shape(rows: rows, columns: columns) }

    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            return elements[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            elements[row * columns + column] = newValue
        }
    }

    /// Row `i` as a fresh array.
    @inlinable
    public func row(_ i: Int) -> [Scalar] {
        precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
        return Array(elements[i * columns ..< (i + 1) * columns])
    }

    /// The rows at `indices`, in that order.
    @inlinable
    public func gatherRows<S: Sequence>(_ indices: S) -> Matrix where S.Element == Int {
        var out: [Scalar] = []
        var count = 0
        for i in indices {
            precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
            out.append(contentsOf: elements[i * columns ..< (i + 1) * columns])
            count += 1
        }
        return Matrix(rows: count, columns: columns, elements: out)
    }

    /// Appends the rows of `other`, which must have the same number of columns.
    public mutating func appendRows(_ other: Matrix) {
        precondition(other.columns == columns, "appending \(other.columns) columns to \(columns)")
        var storage = elements
        elements = []  // leaves `storage` uniquely referenced, so the append does not copy
        storage.append(contentsOf: other.elements)
        self = Matrix(rows: rows + other.rows, columns: columns, elements: storage)
    }

    /// Converts every element, e.g. `Matrix<Double>(converting: floats)` for fitting.
    @inlinable
    public init<Other>(converting other: Matrix<Other>) {
        self.init(rows: other.rows, columns: other.columns, elements: other.elements.map { Scalar($0) })
    }

    /// The first non-finite element in row-major order, if any: `(row, column)`.
    @inlinable
    public func firstNonFinite() -> (row: Int, column: Int)? {
        let found: Int?
        if Scalar.self == Float.self {
            found = elements.withUnsafeBytes { firstNonFiniteFloat(UnsafeRawBufferPointer($0)) }
        } else {
            found = elements.firstIndex(where: { !$0.isFinite })
        }
        guard let flat = found else { return nil }
        return (flat / max(columns, 1), flat % max(columns, 1))
    }
}

/// The index of the first NaN or ±Inf among the float32 values of `bytes`. Sixteen at a time on
/// the bit patterns (all exponent bits set): `firstIndex(where:)` tests one float per iteration,
/// and ingest checks every value it stores.
@usableFromInline
func firstNonFiniteFloat(_ bytes: UnsafeRawBufferPointer) -> Int? {
    typealias V = SIMD16<UInt32>
    let count = bytes.count / 4
    let exponent = V(repeating: 0x7F80_0000)
    var i = 0
    if let base = bytes.baseAddress {
        while i + 16 <= count {
            let v = base.loadUnaligned(fromByteOffset: 4 * i, as: V.self) & exponent
            if any(v .== exponent) { break }
            i += 16
        }
    }
    while i < count {
        if !Float(bitPattern: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)).isFinite { return i }
        i += 1
    }
    return nil
}

/// The shape of a matrix: rows × columns.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public var rows: Int
    public var columns: Int
    @inlinable
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }
    public var description: String { "\(rows) × \(columns)" }
}
