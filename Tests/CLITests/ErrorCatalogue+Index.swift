import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// Flips a payload byte of every stored block of every inverted list (in the store file and its
/// WAL): each list block is the `LDBK` block right after its `LDRN` row numbers in the record.
/// On PostgreSQL the same byte of each `ivf_block.data`, through psql.
func corruptIndexBlocks(_ cli: CLIHarness) throws {
    if cli.backend == .postgres {
        let database = try #require(URLComponents(string: cli.store)?.path.dropFirst()).description
        let offset = BlockHeader.size + 2
        try PostgresTestServer.psql("UPDATE ivf_block SET data = set_byte(data, \(offset), get_byte(data, \(offset)) # 64)", database: database)
        return
    }
    for file in [cli.store, cli.store + "-wal"] where FileManager.default.fileExists(atPath: file) {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        var from = bytes.startIndex
        while let numbers = bytes.range(of: Data(RowNumberBlock.magic), in: from..<bytes.endIndex) {
            guard let block = bytes.range(of: Data(BlockHeader.magic), in: numbers.upperBound..<bytes.endIndex) else { break }
            bytes[block.lowerBound + BlockHeader.size + 2] ^= 0x40
            from = block.upperBound
        }
        try bytes.write(to: URL(fileURLWithPath: file))
    }
}

extension ErrorCase {
    /// Indexes (issue 12): E0230–E0239, E0330–E0349, E0420–E0439, E0720–E0739.
    static let index: [ErrorCase] = [
        cli(.indexOption, ["--lists 0", "expected 1 or more"]) { _ in ["index", "create", "a/d", "--lists", "0"] },
        cli(.exactWithNProbe, ["--exact scans every row", "drop --nprobe"]) { _ in
            ["knn", "--from", "a/d", "--to", "a/d", "--key", "0", "--exact", "--nprobe", "2"]
        },
        cli(.cslsWithNProbe, ["--csls", "scans exactly", "drop --nprobe"]) { _ in
            ["knn", "--from", "a/d", "--to", "a/d", "--key", "0", "--csls", "--nprobe", "2"]
        },
        cli(.indexBlockCorrupt, ["index of a/d, list", "block 0 is corrupt", "checksum mismatch", "latentdb check"]) { cli in
            try cli.ok(["index", "create", "a/d", "--lists", "4"])
            try corruptIndexBlocks(cli)
            return ["knn", "--from", "a/d", "--to", "a/d", "--input", try cli.writeNPY(seededMatrix(rows: 1, columns: 4, seed: 9), "q.npy"), "-k", "2"]
        },
        // Only a store edited outside LatentDB holds a row in two lists; `check` reports it (IndexCommandTests).
        built(.indexInconsistent, ["index of a/d is inconsistent", "row 3 is in two lists"]) {
            .indexInconsistent(space: "a/d", detail: "row 3 is in two lists")
        },
        api(.rowNumberBlock, ["row numbers' checksum mismatch"]) { _ in
            var blob = RowNumberBlock.encode([1, 5, 9])
            blob[blob.count - 1] ^= 0x01
            _ = try RowNumberBlock.decode(blob)
        },
        cli(.unknownIndex, ["a/d has no index", "the store has no indexes"]) { _ in ["index", "info", "a/d"] },
        cli(.emptySpaceIndex, ["z/z has no rows", "nothing to index"]) { cli in
            try cli.ok(["register", "z/z", "--embeddings", try cli.writeNPY(Matrix(rows: 0, columns: 4), "empty.npy")])
            return ["index", "create", "z/z"]
        },
        cli(.noCurrentIndex, ["--nprobe searches a/d's index", "it has no index", "latentdb index create a/d"]) { _ in
            ["knn", "--from", "a/d", "--to", "a/d", "--key", "0", "--nprobe", "2"]
        },
        cli(.nprobeOutOfRange, ["nprobe = 5 is out of range", "4 lists"]) { cli in
            try cli.ok(["index", "create", "a/d", "--lists", "4"])
            return ["knn", "--from", "a/d", "--to", "a/d", "--key", "0", "--nprobe", "5"]
        },
        cli(.listCountOutOfRange, ["a/d: 41 lists need at least 41 training rows", "there are 40"]) { _ in
            ["index", "create", "a/d", "--lists", "41"]
        },
    ]
}
