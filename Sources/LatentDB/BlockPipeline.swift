import Dispatch
import Foundation

/// Per-block work spread over the cores with the block order kept. The calling thread fills a
/// slot and submits it, a worker runs `work` on it, and the calling thread gets the slots back
/// in submission order through `consume`. At most `slots.count` blocks are in flight, so memory
/// stays at the slots' buffers however long the stream.
///
/// A slot belongs to the calling thread except between its submission and its `consume`, when
/// it belongs to one worker; the lock that hands it back orders the two. Slots own their
/// buffers, so a job still running after an error never touches freed memory.
final class BlockPipeline<Slot: AnyObject & Sendable> {
    private let slots: [Slot]
    private let done: Completions
    private let work: @Sendable (Slot) -> Void
    private let consume: (Slot) throws -> Void
    private var oldest = 0
    private var inFlight = 0
    private var consumeFailed = false

    /// Enough slots to keep every core decoding or encoding while the calling thread does the
    /// I/O, and few enough that the buffers stay a few blocks.
    static var defaultWidth: Int { min(8, ProcessInfo.processInfo.activeProcessorCount + 2) }

    init(slots: [Slot], work: @escaping @Sendable (Slot) -> Void, consume: @escaping (Slot) throws -> Void) {
        precondition(!slots.isEmpty, "a pipeline needs at least one slot")
        self.slots = slots
        done = Completions(count: slots.count)
        self.work = work
        self.consume = consume
    }

    /// Runs `source`, which calls ``submit(_:)`` once per block, then consumes the blocks still
    /// in flight. An error of `source` (a read that fails) surfaces after the blocks submitted
    /// before it have been consumed, so errors come in block order, as they would one block at a time.
    func run(_ source: () throws -> Void) throws {
        defer { cancel() }
        do {
            try source()
        } catch {
            if !consumeFailed { try finish() }
            throw error
        }
        try finish()
    }

    /// Fills a free slot (consuming the oldest block first when none is free) and starts its job.
    func submit(_ fill: (Slot) throws -> Void) throws {
        if inFlight == slots.count { try consumeOldest() }
        let index = (oldest + inFlight) % slots.count
        let slot = slots[index], work = self.work, done = self.done
        try fill(slot)
        inFlight += 1
        DispatchQueue.global().async {
            work(slot)
            done.signal(index)
        }
    }

    /// Consumes every block still in flight, in order.
    private func finish() throws {
        while inFlight > 0 { try consumeOldest() }
    }

    /// Waits for the jobs still running without consuming them: the error path, so that no
    /// work outlives the call that started it.
    private func cancel() {
        while inFlight > 0 {
            done.wait(oldest)
            oldest = (oldest + 1) % slots.count
            inFlight -= 1
        }
    }

    private func consumeOldest() throws {
        done.wait(oldest)
        let slot = slots[oldest]
        oldest = (oldest + 1) % slots.count
        inFlight -= 1
        do { try consume(slot) } catch {
            consumeFailed = true
            throw error
        }
    }
}

/// One flag per slot, set by the worker that finished it and cleared by the thread that waits.
/// A condition variable rather than `DispatchSemaphore`: on Linux the semaphore's wait spun on
/// `sched_yield` (9 % of export's samples), taking the core from the very workers it waited for.
private final class Completions: @unchecked Sendable {
    private let condition = NSCondition()
    private var finished: [Bool]

    init(count: Int) { finished = Array(repeating: false, count: count) }

    func signal(_ index: Int) {
        condition.lock()
        finished[index] = true
        condition.signal()
        condition.unlock()
    }

    func wait(_ index: Int) {
        condition.lock()
        while !finished[index] { condition.wait() }
        finished[index] = false
        condition.unlock()
    }
}
