import Foundation
import Glibc

/// Starts the disk on the WAL's dirty pages while a long write transaction is still appending
/// to it, so that SQLite's fsync at commit waits for the tail only instead of all of it (the
/// idea of RocksDB's `wal_bytes_per_sync`). Durability is unchanged: SQLite still syncs exactly
/// when it did; this only asks the kernel to begin writeback earlier. The WAL is opened
/// separately, read-only: SQLite takes no POSIX locks on it (its locks are in `-shm` and the
/// database file), so closing this descriptor releases none of SQLite's.
final class WriteBehind: @unchecked Sendable {
    private let path: String
    private let state = NSCondition()
    private var stopping = false
    private var stopped = false

    /// How often writeback is started: about 10 MB of WAL at a few hundred MB/s.
    static let interval: TimeInterval = 0.03

    init(walPath: String) {
        path = walPath
        let thread = Thread { [self] in run() }
        thread.name = "latentdb-write-behind"
        thread.start()
    }

    /// Stops the thread and waits for it.
    func finish() {
        state.lock()
        stopping = true
        state.broadcast()
        while !stopped { state.wait() }
        state.unlock()
    }

    /// glibc's `sync_file_range`, which Swift's Glibc module hides (it is a `_GNU_SOURCE` call).
    private static let syncFileRange: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
    }()

    private func run() {
        var fd: Int32 = -1
        state.lock()
        while !stopping {
            state.unlock()
            if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
            // The corresponding Linux call is `sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE)`:
            // start writeback of every dirty page of the file, wait for none.
            if fd >= 0, let start = Self.syncFileRange { _ = start(fd, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */) }
            state.lock()
            if !stopping { _ = state.wait(until: Date(timeIntervalSinceNow: Self.interval)) }
        }
        if fd >= 0 { close(fd) }
        stopped = true
        state.broadcast()
        state.unlock()
    }
}
