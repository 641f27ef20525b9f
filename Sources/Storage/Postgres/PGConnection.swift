import CLibPQ
import Foundation
import LatentCore

/// One libpq connection, synchronous like the rest of the storage layer.
///
/// Everything reaches the server as a parameter (`PQexecParams`): no value is ever spliced
/// into SQL text. Results come back in binary format (integers big-endian, text and `bytea`
/// as their raw bytes), so a block is the same bytes in both backends with no hex decoding.
final class PGConnection {
    private let conn: OpaquePointer
    /// The URI as the user gave it (never with a password: ``open(uri:)`` refuses those).
    let location: String

    private init(conn: OpaquePointer, location: String) {
        self.conn = conn
        self.location = location
    }

    deinit { PQfinish(conn) }

    /// Connects to `uri` (libpq's syntax: `postgresql://user@host:port/db?host=/socket/dir`).
    /// The password comes from where libpq takes it (`PGPASSWORD`, `~/.pgpass`); a URI that
    /// holds one is refused, so that no password is ever printed, logged or stored.
    /// The corresponding libpq functions are `PQconninfoParse` and `PQconnectdb`.
    static func open(uri: String) throws(StorageError) -> PGConnection {
        var parseError: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(uri, &parseError) else {
            let detail = parseError.map { String(cString: $0) } ?? "unparseable"
            if let parseError { PQfreemem(parseError) }
            throw StorageError(.invalid, .postgresURI(detail: firstLine(detail)))
        }
        var option = options
        var hasPassword = false
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val, value.pointee != 0 { hasPassword = true }
            option += 1
        }
        PQconninfoFree(options)
        guard !hasPassword else { throw StorageError(.invalid, .postgresPasswordInURI) }

        guard let conn = PQconnectdb(uri) else { throw StorageError(.io, .postgresConnect(location: uri, detail: "out of memory")) }
        guard PQstatus(conn) == CONNECTION_OK else {
            let detail = firstLine(String(cString: PQerrorMessage(conn)))
            let user = PQuser(conn).map { String(cString: $0) } ?? ""
            let database = PQdb(conn).map { String(cString: $0) } ?? ""
            let needsPassword = PQconnectionNeedsPassword(conn) == 1
            let usedPassword = PQconnectionUsedPassword(conn) == 1
            PQfinish(conn)
            // libpq reports connection failures as text only (no SQLSTATE before a session exists).
            if needsPassword || detail.contains("password authentication failed") {
                throw StorageError(.io, .postgresAuthentication(location: uri, user: user, passwordGiven: usedPassword))
            }
            if detail.contains("database \"\(database)\" does not exist") {
                throw StorageError(.io, .postgresUnknownDatabase(location: uri, database: database))
            }
            throw StorageError(.io, .postgresConnect(location: uri, detail: detail))
        }
        // Server notices (e.g. "relation already exists, skipping") are not the user's business.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        return PGConnection(conn: conn, location: uri)
    }

    /// libpq's messages span lines ("FATAL: …\nDETAIL: …"): one line for the user.
    static func firstLine(_ text: String) -> String {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// A parameter value, bound by libpq (`PQexecParams`), never spliced into SQL.
    enum Value {
        case int(Int)
        /// Sent as text: Swift's shortest round-trip form, which PostgreSQL's float8 input reads back exactly.
        case double(Double)
        case text(String?)
        case bytes(Data)
    }

    /// Runs one statement with `parameters` ($1, $2, …) and returns its rows in binary format.
    /// The corresponding libpq function is `PQexecParams`.
    @discardableResult
    func query(_ sql: String, _ parameters: [Value] = []) throws(StorageError) -> PGResult {
        try settle()
        let result = Self.withParameters(parameters) { count, values, lengths, formats in
            PQexecParams(conn, sql, count, nil, values, lengths, formats, 1)
        }
        return try check(result, sql: sql)
    }

    /// Sends one query without waiting for its rows, so that the server works on it while the
    /// caller handles the previous result; ``receive(_:)`` with the ticket returns them. One
    /// query is in flight at a time: any other statement (or query sent) meanwhile first reads
    /// its result and keeps it for its ticket, so scans may nest and interleave with writes.
    /// `sql` is prepared once per session, so a statement sent per block is neither parsed nor
    /// planned again. The corresponding libpq functions are `PQprepare` and `PQsendQueryPrepared`.
    func send(_ sql: String, _ parameters: [Value] = []) throws(StorageError) -> Int {
        try settle()
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            name = "latentdb_\(prepared.count + 1)"
            _ = try check(PQprepare(conn, name, sql, Int32(parameters.count), nil), sql: sql)
            prepared[sql] = name
        }
        let sent = Self.withParameters(parameters) { count, values, lengths, formats in
            PQsendQueryPrepared(conn, name, count, values, lengths, formats, 1)
        }
        guard sent == 1 else { throw failure(nil) }
        lastTicket += 1
        inFlight = .query(sql, ticket: lastTicket)
        return lastTicket
    }

    /// Statements prepared in this session (they outlive transactions, even rolled-back ones).
    private var prepared: [String: String] = [:]
    private var lastTicket = 0
    /// Results of sent queries read before their ``receive(_:)``, by ticket.
    private var early: [Int: Result<PGResult, StorageError>] = [:]

    /// The rows of the query ``send(_:_:)`` sent. The corresponding libpq function is `PQgetResult`.
    func receive(_ ticket: Int) throws(StorageError) -> PGResult {
        if let result = early.removeValue(forKey: ticket) { return try result.get() }
        guard case let .query(sql, pending) = inFlight, pending == ticket else {
            preconditionFailure("receive(\(ticket)) of a query not sent or already received")
        }
        inFlight = .none
        return try check(nextResult(), sql: sql)
    }

    /// Drops the result of a query sent and not received (its caller failed).
    func discard(_ ticket: Int) {
        early[ticket] = nil
        if case let .query(_, pending) = inFlight, pending == ticket {
            inFlight = .none
            while let result = PQgetResult(conn) { PQclear(result) }
        }
    }

    /// The result of the query in progress, draining the protocol's trailing NULL: libpq allows
    /// the next query only after it.
    private func nextResult() -> OpaquePointer? {
        let first = PQgetResult(conn)
        while let extra = PQgetResult(conn) { PQclear(extra) }
        return first
    }

    /// Text parameters travel as UTF-8 C strings, bytea as binary; the copies live for the call.
    private static func withParameters<R>(
        _ parameters: [Value],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
    ) -> R {
        let values: [UnsafeMutableRawBufferPointer?] = parameters.map { value in
            let bytes: Data?
            switch value {
            case let .int(v): bytes = Data(String(v).utf8) + Data([0])
            case let .double(v): bytes = Data(String(v).utf8) + Data([0])
            case let .text(v): bytes = v.map { Data($0.utf8) + Data([0]) }
            case let .bytes(v): bytes = v
            }
            guard let bytes else { return nil }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            bytes.copyBytes(to: buffer)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        defer { for value in values { value?.deallocate() } }
        let pointers: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0.baseAddress!.assumingMemoryBound(to: CChar.self)) } }
        let formats: [Int32] = parameters.map { if case .bytes = $0 { 1 } else { 0 } }
        let lengths: [Int32] = values.map { Int32($0?.count ?? 0) }
        return body(Int32(parameters.count), pointers, lengths, formats)
    }

    /// Runs SQL text without parameters (migrations, transaction control).
    func execute(_ sql: String) throws(StorageError) {
        try settle()
        _ = try check(PQexec(conn, sql), sql: sql)
    }

    private func check(_ result: OpaquePointer?, sql: String) throws(StorageError) -> PGResult {
        guard let result else { throw failure(nil) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN:
            return PGResult(result)
        default:
            let error = failure(result)
            PQclear(result)
            throw error
        }
    }

    // MARK: Streaming

    /// What is under way on the connection between two calls.
    private enum InFlight {
        case none
        /// A `COPY … FROM STDIN` that rows are streamed into (its SQL).
        case copyIn(String)
        /// A query sent by ``send(_:_:)`` whose result has not been read.
        case query(String, ticket: Int)
    }
    private var inFlight = InFlight.none

    /// The `COPY` that ``putCopyData(_:)`` streams into, if one is open.
    var openCopy: String? {
        if case let .copyIn(sql) = inFlight { return sql }
        return nil
    }

    /// Makes the connection ready for the next statement: an open COPY is ended (its errors
    /// surface here, inside the transaction, before any COMMIT), a query sent ahead is read.
    private func settle() throws(StorageError) {
        switch inFlight {
        case .none:
            return
        case let .query(sql, ticket):
            inFlight = .none
            let result = nextResult()
            early[ticket] = Result { () throws(StorageError) -> PGResult in try check(result, sql: sql) }
        case .copyIn:
            inFlight = .none
            try closeCopy(abandoning: false)
        }
    }

    /// Ends the open COPY now, so that its errors (a duplicate key) surface at the caller.
    func endCopy() throws(StorageError) {
        guard openCopy != nil else { return }
        try settle()
    }

    /// Starts `COPY … FROM STDIN (FORMAT binary)` and sends the format's header; rows follow
    /// with ``putCopyData(_:)`` (``PGCopyBuffer``), and ``endCopy()`` or the next statement on
    /// the connection sends the trailer and ends the COPY.
    func beginCopy(_ sql: String) throws(StorageError) {
        _ = try query(sql)
        inFlight = .copyIn(sql)
        try putCopyData(PGCopyBuffer.header)
    }

    /// Streams bytes of the open COPY (any split: rows need not align with calls). Blocks while
    /// the server is behind, so the caller never holds more than libpq's buffer.
    /// The corresponding libpq function is `PQputCopyData`.
    func putCopyData(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        precondition(openCopy != nil, "putCopyData without an open COPY")
        var offset = 0
        let chunk = 1 << 20
        while offset < bytes.count {
            let count = min(chunk, bytes.count - offset)
            guard PQputCopyData(conn, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(count)) == 1 else {
                inFlight = .none
                let error = failure(nil)
                try? closeCopy(abandoning: true)
                throw error
            }
            offset += count
        }
    }

    func putCopyData(_ data: Data) throws(StorageError) {
        let failed: StorageError? = data.withUnsafeBytes { raw in
            do throws(StorageError) { try putCopyData(raw) } catch { return error }
            return nil
        }
        if let failed { throw failed }
    }

    /// Sends the rows `buffer` holds and empties it.
    func putCopyData(_ buffer: inout PGCopyBuffer) throws(StorageError) {
        let failed: StorageError? = buffer.bytes.withUnsafeBytes { raw in
            do throws(StorageError) { try putCopyData(raw) } catch { return error }
            return nil
        }
        if let failed { throw failed }
        buffer.removeAll()
    }

    /// Ends the open COPY (already marked closed); `abandoning` makes the server discard it
    /// (the transaction then rolls back), else the trailer goes first.
    /// The corresponding libpq functions are `PQputCopyEnd` and `PQgetResult`.
    private func closeCopy(abandoning: Bool) throws(StorageError) {
        let trailed = abandoning || PGCopyBuffer.trailer.withUnsafeBytes { raw in
            PQputCopyData(conn, raw.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(raw.count)) == 1
        }
        let ended = trailed && PQputCopyEnd(conn, abandoning ? "abandoned by the client" : nil) == 1
        var firstError: StorageError?
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, firstError == nil { firstError = failure(result) }
            PQclear(result)
        }
        if let firstError { throw firstError }
        guard ended else { throw failure(nil) }
    }

    /// Drops whatever is under way (the transaction failed and is about to roll back): an open
    /// COPY is abandoned, queries sent ahead are read and dropped.
    func abandon() {
        switch inFlight {
        case .copyIn:
            inFlight = .none
            try? closeCopy(abandoning: true)
        case let .query(_, ticket):
            discard(ticket)
        case .none:
            break
        }
        early.removeAll()
    }

    /// Bytes of this session's last error, as a catalogued failure.
    private func failure(_ result: OpaquePointer?) -> StorageError {
        if PQstatus(conn) != CONNECTION_OK {
            return StorageError(.io, .postgresConnectionLost(location: location, detail: Self.firstLine(String(cString: PQerrorMessage(conn)))))
        }
        let message = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
            ?? Self.firstLine(String(cString: PQerrorMessage(conn)))
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        // SQLSTATE classes (PostgreSQL manual, appendix A).
        switch state {
        case _ where state.hasPrefix("23"):
            return StorageError(.invalid, .storeConstraint(path: location, detail: message))
        case "40001", "40P01", "55P03", "57014":
            return StorageError(.busy, .storeBusy(path: location, detail: message))
        case "53100":
            return StorageError(.full, .storeFull(path: location))
        case "XX001", "XX002":
            return StorageError(.corrupt, .storeCorrupt(path: location, detail: message))
        // No SQLSTATE: libpq failed on its side, before the server answered. Mid-COPY that is how a
        // lost server shows while the status still reads OK ("server closed the connection").
        case "", _ where state.hasPrefix("08") || state.hasPrefix("57P"):
            return StorageError(.io, .postgresConnectionLost(location: location, detail: message))
        default:
            return StorageError(.io, .storeIO(path: location, detail: message))
        }
    }
}

/// The rows of one statement, in binary format; columns are found by name.
final class PGResult {
    private let result: OpaquePointer
    let count: Int

    init(_ result: OpaquePointer) {
        self.result = result
        count = Int(PQntuples(result))
    }

    deinit { PQclear(result) }

    /// Rows changed by an INSERT, UPDATE or DELETE. The corresponding libpq function is `PQcmdTuples`.
    var changes: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    private func column(_ name: String) -> Int32 {
        let index = PQfnumber(result, name)
        precondition(index >= 0, "no column \(name) in the result")
        return index
    }

    func isNull(_ row: Int, _ name: String) -> Bool {
        PQgetisnull(result, Int32(row), column(name)) == 1
    }

    /// The raw bytes of a value (empty for NULL), valid while this result lives.
    func bytes(_ row: Int, _ name: String) -> UnsafeRawBufferPointer {
        let c = column(name)
        let length = Int(PQgetlength(result, Int32(row), c))
        guard length > 0, let value = PQgetvalue(result, Int32(row), c) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: value, count: length)
    }

    /// An integer column (int2, int4 or int8: big-endian in binary format).
    func int(_ row: Int, _ name: String) -> Int {
        let raw = bytes(row, name)
        var value: Int64 = 0
        for byte in raw { value = value << 8 | Int64(byte) }
        // Sign-extend the narrower types.
        let bits = raw.count * 8
        if bits > 0 && bits < 64 { value = (value << (64 - bits)) >> (64 - bits) }
        return Int(value)
    }

    func int64(_ row: Int, _ name: String) -> Int64 { Int64(int(row, name)) }

    /// A float8 column: its IEEE 754 bits, big-endian in binary format.
    func double(_ row: Int, _ name: String) -> Double {
        let raw = bytes(row, name)
        precondition(raw.count == 8, "column \(name) is not float8 (\(raw.count) bytes)")
        var bits: UInt64 = 0
        for byte in raw { bits = bits << 8 | UInt64(byte) }
        return Double(bitPattern: bits)
    }

    func text(_ row: Int, _ name: String) -> String {
        String(decoding: bytes(row, name), as: UTF8.self)
    }

    func optionalText(_ row: Int, _ name: String) -> String? {
        isNull(row, name) ? nil : text(row, name)
    }

    func data(_ row: Int, _ name: String) -> [UInt8] {
        [UInt8](bytes(row, name))
    }
}

/// Rows of `COPY … FROM STDIN (FORMAT binary)`: each row's fields as big-endian length + bytes
/// (PostgreSQL manual, "COPY", binary format). The connection sends the header and trailer.
struct PGCopyBuffer {
    private(set) var bytes: [UInt8] = []

    /// The signature "PGCOPY\n\377\r\n\0", no flags, no header extension.
    static let header = Data([0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])
    /// A field count of -1.
    static let trailer: [UInt8] = [0xFF, 0xFF]

    /// Rows are sent once this many bytes are buffered, so that the server inserts while the
    /// rest are built.
    static let flushBytes = 1 << 20

    var isFull: Bool { bytes.count >= Self.flushBytes }

    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    private mutating func append<I: FixedWidthInteger>(_ value: I) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func beginRow(fields: Int) { append(Int16(fields)) }

    mutating func int(_ value: Int) {
        append(Int32(8))
        append(Int64(value))
    }

    /// A bytea field's length; its bytes follow separately (``PGConnection/putCopyData(_:)``),
    /// so that a block is never copied into the row.
    mutating func byteaLength(_ count: Int) { append(Int32(count)) }

    mutating func text(_ value: String?) {
        guard let value else { return append(Int32(-1)) }
        let utf8 = value.utf8
        append(Int32(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}
