import Foundation
import LatentCore
import Storage

public struct CheckReport: Codable, Sendable {
    public var problems: [String]
    public var spacesChecked: Int
    public var blocksChecked: Int
    public var translatorsChecked: Int
    public var indexesChecked = 0
    public var indexBlocksChecked = 0
    public var ok: Bool { problems.isEmpty }
}

extension LatentStore {
    /// Verifies SQLite's integrity and foreign keys, every block's checksum and shape, and every
    /// cached translator's parameters, every index block and that each row is in exactly one list. Reports each problem with its space and block.
    public func check() throws -> CheckReport {
        var report = CheckReport(problems: [], spacesChecked: 0, blocksChecked: 0, translatorsChecked: 0)
        do {
            report.problems += try store.integrityProblems()
        } catch {
            report.problems.append(Diagnostic.integrityCheck(cause: LatentError.classify(error).message).message)
            return report
        }
        try read { tx in
            for space in try tx.spaces() {
                report.spacesChecked += 1
                var expectedRow = 0
                do {
                    try tx.forEachBlock(spaceID: space.id) { location, bytes in
                        report.blocksChecked += 1
                        if location.firstRow != expectedRow {
                            report.problems.append(Diagnostic.blockRowGap(space: space.name.description, block: location.index, firstRow: location.firstRow, expected: expectedRow, hint: false).message)
                        }
                        expectedRow = location.firstRow + location.rowCount
                        do {
                            _ = try Self.decode(bytes, location: location, space: space)
                        } catch {
                            report.problems.append(LatentError.classify(error).message)
                        }
                    }
                } catch {
                    report.problems.append("space \(space.name): \(LatentError.classify(error).message)")
                }
                if expectedRow != space.rowCount {
                    report.problems.append(Diagnostic.blockRowTotal(space: space.name.description, rows: expectedRow, expected: space.rowCount, hint: false).message)
                }
            }
            (report.indexesChecked, report.indexBlocksChecked) = try Self.checkIndexes(tx, problems: &report.problems)
            for record in try tx.translators() {
                report.translatorsChecked += 1
                do {
                    _ = try Self.decodeTranslator(record)
                } catch {
                    report.problems.append("translator \(record.fingerprint.prefix(12)): \(LatentError.classify(error).message)")
                }
            }
        }
        return report
    }
}
