import EmbeddingCodec
import Foundation
import Glibc
import LatentCore

/// The benchmark proper, outside main.swift so that nothing in the timed loops is
/// main-actor isolated (top-level code is).
enum Bench {
    struct Row: Codable {
        var file: String, codec: String, blockLabel: String, rowsPerBlock: Int, blocks: Int
        var rawBytes: Int, encodedBytes: Int, ratio: Double
        /// Median wall-clock throughput, and median thread-CPU-time throughput (robust to
        /// other processes competing for the machine's cores).
        var encodeMBps: Double, decodeMBps: Double, encodeCPUMBps: Double, decodeCPUMBps: Double
    }

    struct Report: Codable { var reps: Int; var results: [Row]; var componentsMBps: [String: Double] }

    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs `body` `reps` times; returns the median (wall, CPU) seconds.
    static func time(_ reps: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        var wall: [Double] = [], cpu: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<reps {
            let c0 = cpuSeconds()
            let d = clock.measure(body)
            cpu.append(cpuSeconds() - c0)
            wall.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        return (wall.sorted()[reps / 2], cpu.sorted()[reps / 2])
    }

    static let blockSizes: [(String, Int)] = [("256KiB", 256 << 10), ("1MiB", 1 << 20), ("2MiB", 2 << 20), ("4MiB", 4 << 20), ("whole", 0)]

    static func run(paths: [String], reps: Int) -> Report {
        var results: [Row] = []
        for path in paths {
            let m: Matrix<Float>
            do { m = try NPY.readMatrix(path: path).matrix } catch {
                print("skip \(error)")
                continue
            }
            let name = URL(fileURLWithPath: path).lastPathComponent
            let rawBytes = m.elements.count * 4
            print("\n\(name): \(m.rows) x \(m.columns) float32, \(rawBytes) bytes")
            print("codec            block   rows/blk  ratio   encode MB/s (cpu)    decode MB/s (cpu)")
            for (label, size) in blockSizes {
                let rowsPerBlock = size == 0 ? m.rows : max(1, size / (m.columns * 4))
                if size != 0 && rowsPerBlock >= m.rows { continue }  // "whole" covers it
                let ranges = stride(from: 0, to: m.rows, by: rowsPerBlock).map { $0..<min(m.rows, $0 + rowsPerBlock) }
                for codec in BlockCodec.allCases {
                    let row = measure(m, name: name, codec: codec, label: label, ranges: ranges, reps: reps)
                    results.append(row)
                    print(codec.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0),
                          label.padding(toLength: 7, withPad: " ", startingAt: 0),
                          String(format: "%8d  %.4f  %6.0f (%6.0f)      %6.0f (%6.0f)", rowsPerBlock, row.ratio,
                                 row.encodeMBps, row.encodeCPUMBps, row.decodeMBps, row.decodeCPUMBps))
                }
            }
        }
        let components = measureComponents(reps: reps)
        print("\ncomponents MB/s (wall):", components.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value))" }.joined(separator: ", "))
        return Report(reps: reps, results: results, componentsMBps: components)
    }

    static func measure(_ m: Matrix<Float>, name: String, codec: BlockCodec, label: String,
                        ranges: [Range<Int>], reps: Int) -> Row {
        var blobs: [[UInt8]] = []
        let columns = m.columns
        let encode = m.elements.withUnsafeBufferPointer { all in
            time(reps) {
                blobs = ranges.map { r in
                    let slice = UnsafeBufferPointer(rebasing: all[(r.lowerBound * columns)..<(r.upperBound * columns)])
                    return EmbeddingBlock.encode(slice, rows: r.count, columns: columns, codec: codec)
                }
            }
        }
        var decoded = [Float](repeating: 0, count: m.elements.count)
        let decode = decoded.withUnsafeMutableBufferPointer { all in
            time(reps) {
                for (r, blob) in zip(ranges, blobs) {
                    let slice = UnsafeMutableBufferPointer(rebasing: all[(r.lowerBound * columns)..<(r.upperBound * columns)])
                    do { try EmbeddingBlock.decode(blob, into: slice) } catch { fatalError("\(error)") }
                }
            }
        }
        // Lossless on bits: compare bit patterns (NaN != NaN as floats).
        precondition(decoded.map(\.bitPattern) == m.elements.map(\.bitPattern), "round trip mismatch")
        let raw = Double(m.elements.count * 4), encoded = blobs.reduce(0) { $0 + $1.count }
        return Row(file: name, codec: codec.rawValue, blockLabel: label, rowsPerBlock: ranges.first?.count ?? 0,
                   blocks: ranges.count, rawBytes: Int(raw), encodedBytes: encoded, ratio: raw / Double(encoded),
                   encodeMBps: raw / 1e6 / encode.wall, decodeMBps: raw / 1e6 / decode.wall,
                   encodeCPUMBps: raw / 1e6 / encode.cpu, decodeCPUMBps: raw / 1e6 / decode.cpu)
    }

    /// Checksum and filter throughput on 64 MiB of pseudo-random bytes.
    static func measureComponents(reps: Int) -> [String: Double] {
        var state: UInt64 = 1
        let probe = [UInt8](unsafeUninitializedCapacity: 64 << 20) { buffer, count in
            for i in buffer.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                buffer[i] = UInt8(truncatingIfNeeded: state >> 56)
            }
            count = buffer.count
        }
        var out = [UInt8](repeating: 0, count: probe.count)
        var result: [String: Double] = [:]
        probe.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                var sink: UInt64 = 0
                let mb = Double(src.count) / 1e6
                result["xxh64"] = mb / time(reps) { sink &+= xxh64(src) }.wall
                result["shuffle"] = mb / time(reps) { Shuffle.shuffleBytes(src, elementSize: 4, into: dst) }.wall
                result["unshuffle"] = mb / time(reps) { Shuffle.unshuffleBytes(src, elementSize: 4, into: dst) }.wall
                result["bitshuffle"] = mb / time(reps) { Shuffle.shuffleBits(src, elementSize: 4, into: dst) }.wall
                result["unbitshuffle"] = mb / time(reps) { Shuffle.unshuffleBits(src, elementSize: 4, into: dst) }.wall
                result["memcpy"] = mb / time(reps) { dst.copyMemory(from: src) }.wall
                if sink == 42 { print("") }
            }
        }
        return result
    }
}
