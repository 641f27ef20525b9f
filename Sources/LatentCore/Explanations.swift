/// What each error code means, why it usually happens and what to do: the text of
/// `latentdb explain CODE`. The switch below is exhaustive on purpose: a new `ErrorCode` does
/// not compile until it has its explanation here.
public struct Explanation: Sendable, Hashable, Codable {
    /// What the failure is, in one or two sentences.
    public let meaning: String
    /// Its usual causes, most common first.
    public let causes: [String]
    /// What to do about it.
    public let fix: String

    public init(meaning: String, causes: [String], fix: String) {
        self.meaning = meaning
        self.causes = causes
        self.fix = fix
    }
}

// Texts shared by codes that truly have one cause.
private enum Shared {
    static let notWrittenByNumPy = "the file was not written by NumPy (np.save), or was written by another tool that only imitates the format"
    static let truncatedCopy = "the file was truncated: an interrupted download or copy, a full disk while it was written, a file still being written"
    static let resave = "Re-save the array with NumPy: np.save(path, np.ascontiguousarray(x, dtype=np.float32)), then register it again."
    static let corruptStore = "The store file was damaged on disk: a failing disk, a copy taken while a writer was running (copy the -wal file too), or a tool other than latentdb that wrote into it."
    static let checkAndRestore = "Run `latentdb check` to list every damaged block and translator; restore the store from a backup, or remove (`latentdb rm SPACE`) and register again the spaces it names."
    static let callerBug = "a bug in LatentDB or in a program that uses its library: the CLI never gets here from user input"
    static let report = "Please report it with the command you ran and the full message; there is nothing wrong with your data."
    static let zipDamaged = "the .npz was truncated or damaged after it was written (an interrupted download or copy)"
    static let rewriteNPZ = "Write the archive again with np.savez or np.savez_compressed (or save the one array with np.save) and retry."
}

extension ErrorCode {
    /// `latentdb explain` for this code.
    public var explanation: Explanation {
        switch self {
        // MARK: E01 input files
        case .fileAccess:
            return Explanation(
                meaning: "A file named on the command line could not be opened, examined, read, written or closed by the operating system.",
                causes: ["the path is wrong (a typo, a relative path from another directory)", "permissions: the file or its directory is not readable or writable by you",
                         "the disk is full or the file system is read-only (for writes)"],
                fix: "Check the path and its permissions (ls -l PATH); for an output file, check that its directory exists and has room.")
        case .unrecognisedEmbeddingFile:
            return Explanation(
                meaning: "An embeddings file (--embeddings or --input) is none of the formats LatentDB recognises by content: .npy, .npz, safetensors, .fvecs, .bvecs.",
                causes: ["a text file (CSV, JSON, one vector per line) or a pickle (torch.save, np.save with allow_pickle on an object)", "the wrong file was passed (keys or labels instead of embeddings)",
                         "a compressed file (.gz, .zip of an .npy)"],
                fix: "Convert the embeddings to a float32 matrix and save them with np.save('x.npy', x) (or safetensors); `latentdb-embed` writes .npy from text.")
        case .notNPY:
            return Explanation(
                meaning: "The file was read as .npy but does not start with NumPy's magic bytes \\x93NUMPY.",
                causes: [Shared.notWrittenByNumPy, "the file is empty or was overwritten by something else"],
                fix: Shared.resave)
        case .npyVersion:
            return Explanation(
                meaning: "The .npy header declares a format version other than 1.0, 2.0 or 3.0, the ones NumPy has defined.",
                causes: [Shared.notWrittenByNumPy, "the first bytes after the magic were damaged"],
                fix: Shared.resave)
        case .npyTruncatedHeader:
            return Explanation(
                meaning: "The .npy file ends before its header does.",
                causes: [Shared.truncatedCopy],
                fix: "Copy or write the file again completely, then retry.")
        case .npyMalformedHeader, .npyHeaderSyntax:
            return Explanation(
                meaning: "The .npy header (a Python dict literal with descr, fortran_order and shape) is not one NumPy writes or cannot be parsed.",
                causes: [Shared.notWrittenByNumPy, "the header bytes were damaged", "a shape that is negative or too large to address"],
                fix: Shared.resave)
        case .unsupportedDType:
            return Explanation(
                meaning: "The array's dtype is not one LatentDB reads: embeddings are little-endian float16, float32 or float64.",
                causes: ["the array holds integers, booleans, complex numbers or strings", "a dtype NumPy allows but embeddings never use (float128, datetimes)"],
                fix: "Convert before saving: np.save(path, x.astype(np.float32)).")
        case .structuredDType:
            return Explanation(
                meaning: "The array has a structured (record) dtype with named fields; an embedding matrix is one plain float type.",
                causes: ["the array came from a pandas DataFrame's to_records() or a structured np.array", "several columns of different types were saved together"],
                fix: "Save only the embedding columns as one float32 2-D array: np.save(path, np.stack(columns, axis=1).astype(np.float32)).")
        case .bigEndianDType:
            return Explanation(
                meaning: "The array is stored big-endian ('>f4'); LatentDB reads little-endian data only.",
                causes: ["the array was created on or for a big-endian system, or with an explicit '>f4' dtype", "it was read from a binary format (FITS, network order) without conversion"],
                fix: "Convert it: np.save(path, x.astype('<f4')).")
        case .notFloat:
            return Explanation(
                meaning: "The embeddings array (or safetensors tensor) is not of a floating-point type.",
                causes: ["token ids, labels or indices were saved in place of embeddings", "quantised embeddings (int8, uint8) that need their scale applied first"],
                fix: "Pass the float embeddings; dequantise integer ones to float32 before saving.")
        case .notTwoDimensional:
            return Explanation(
                meaning: "Embeddings must be a 2-D matrix (rows, columns); the array has another number of dimensions.",
                causes: ["one vector saved as a 1-D array (use x[None, :])", "a batch of token embeddings (batch, tokens, dim) not yet pooled", "a list of arrays saved as an object array"],
                fix: "Reshape or pool to (rows, dim): x.reshape(-1, dim) or x.mean(axis=1), then save again.")
        case .fortranOrder:
            return Explanation(
                meaning: "The array is stored in Fortran (column-major) order; LatentDB reads C (row-major) order, one embedding per contiguous row.",
                causes: ["the array was a transpose (x.T) or came from a column-major library (R, Julia, MATLAB) when saved"],
                fix: "Save a C-ordered copy: np.save(path, np.ascontiguousarray(x)).")
        case .npyDataSize:
            return Explanation(
                meaning: "The data after the .npy header is shorter or longer than its shape and dtype say it should be.",
                causes: [Shared.truncatedCopy, "bytes were appended to the file after it was written"],
                fix: "Write the file again with np.save and copy it completely.")
        case .changedWhileReading:
            return Explanation(
                meaning: "The file was shorter when its data was read than when it was opened a moment earlier.",
                causes: ["another process is still writing or truncating the file", "the file lives on a network file system that changed under the reader"],
                fix: "Wait for the writer to finish (or copy the file somewhere stable) and run the command again.")
        case .labelsNotInteger, .labelsShape, .labelOverflow:
            return Explanation(
                meaning: "A labels file given as .npy must be a 1-D array (or one column) of integers that fit in Int64.",
                causes: ["float or one-hot labels were saved", "a 2-D label matrix (several labels per item)", "unsigned 64-bit values above Int64's range"],
                fix: "Save class ids as np.save('labels.npy', y.astype(np.int64)), or give labels as text, one per line.")
        case .memberOfSingleMatrix:
            return Explanation(
                meaning: "--member (--array, --tensor) picks one matrix out of an .npz or safetensors file, but this file holds only one matrix.",
                causes: ["--member was left on the command line from an .npz invocation", "the file is an .npy, .fvecs or .bvecs"],
                fix: "Drop --member.")
        case .noSuchMember:
            return Explanation(
                meaning: "The .npz or safetensors file holds no array with the name given to --member.",
                causes: ["a typo in the name", "np.savez without keywords names the arrays arr_0, arr_1, …"],
                fix: "Use one of the names the message lists (numpy: list(np.load(path).keys())).")
        case .noMembers:
            return Explanation(
                meaning: "The .npz or safetensors file holds no arrays at all.",
                causes: ["np.savez was called with no arrays", "the wrong file was passed"],
                fix: "Save the embeddings into the file, or pass the file that holds them.")
        case .memberNeeded:
            return Explanation(
                meaning: "The .npz or safetensors file holds several arrays and LatentDB will not guess which one holds the embeddings.",
                causes: ["the archive also stores labels, ids or several models' embeddings"],
                fix: "Name the array with --member NAME (one of those the message lists).")
        case .corruptZip, .npzMemberTruncated, .zipChecksum, .inflate, .inflatedSize:
            return Explanation(
                meaning: "The .npz (a zip archive) is damaged: its directory, a member's header, its compressed data or its CRC-32 does not check out.",
                causes: [Shared.zipDamaged, "the file is a zip written by a tool that does not follow the format (or a zip of something else)"],
                fix: Shared.rewriteNPZ)
        case .zipMethod:
            return Explanation(
                meaning: "A member of the .npz uses a zip compression method other than stored (np.savez) or deflate (np.savez_compressed).",
                causes: ["the archive was recompressed with another zip tool (bzip2, lzma, zstd)"],
                fix: Shared.rewriteNPZ)
        case .zlibInit:
            return Explanation(
                meaning: "zlib could not set up decompression for an .npz member.",
                causes: ["the process ran out of memory"],
                fix: "Free memory (or use np.savez without compression) and retry.")
        case .safetensorsTruncated, .safetensorsHeaderLength, .safetensorsHeader:
            return Explanation(
                meaning: "The safetensors file's length prefix or JSON header is inconsistent: not JSON, missing fields, offsets out of order, overlapping or past the end of the data.",
                causes: [Shared.truncatedCopy, "the file was written by a tool that does not follow the safetensors format", "it is not a safetensors file at all"],
                fix: "Write it again with safetensors' save_file (or save an .npy instead) and retry.")
        case .vecsEmpty, .vecsTruncated, .vecsDimension, .vecsPartialRow, .vecsRagged:
            return Explanation(
                meaning: "The .fvecs or .bvecs file is not a whole number of rows, each an int32 dimension followed by that many values, all of the same dimension.",
                causes: [Shared.truncatedCopy, "the file is not .fvecs/.bvecs (an .ivecs, or raw floats without dimension prefixes)", "rows of different dimensions were concatenated"],
                fix: "Check the file's origin and regenerate it, or convert it to .npy.")
        case .writerOverflow, .writerIncomplete:
            return Explanation(
                meaning: "A streaming .npy writer was given more, or fewer, rows than its header declared.",
                causes: [Shared.callerBug],
                fix: Shared.report)
        case .fvecsColumns:
            return Explanation(
                meaning: "A matrix cannot be written as .fvecs: each row's dimension is an int32 of at least 1.",
                causes: ["the space has zero columns or more than 2³¹ − 1"],
                fix: "Export with --format npy or safetensors instead.")
        case .unwritableFormat:
            return Explanation(
                meaning: "export was asked for a format it cannot write.",
                causes: ["a typo in --format", "a read-only format (.npz, .bvecs) was asked for"],
                fix: "Use --format npy, safetensors or fvecs.")
        case .textFileUnreadable, .textFileNotUTF8:
            return Explanation(
                meaning: "A text file (keys, labels, splits, anchors) is missing, not a regular file, or not UTF-8.",
                causes: ["a wrong path", "a file saved as UTF-16 or Latin-1 (common from Excel on Windows)", "a binary file passed where text was expected"],
                fix: "Check the path; convert the file to UTF-8 (iconv -f UTF-16 -t UTF-8 in > out).")
        case .lineCount:
            return Explanation(
                meaning: "A keys, labels or split file has another number of entries than the embeddings have rows.",
                causes: ["a header line or a trailing blank line in the text file", "the files come from different exports (filtered rows, another order)"],
                fix: "Give exactly one line per embedding row, in row order; remove headers.")
        case .emptyKey, .duplicateKey:
            return Explanation(
                meaning: "Keys must be unique and non-empty: each names one item of the dataset.",
                causes: ["a blank line in the keys file", "duplicated items in the export (the same document twice)"],
                fix: "Deduplicate the items (and their embedding rows) or make the keys unique, e.g. by appending a row number.")
        case .keysMismatch:
            return Explanation(
                meaning: "The keys of a second model's file do not cover exactly the items of the dataset already registered: a dataset's items are shared by all its spaces.",
                causes: ["the second model embedded a different subset (filtered, deduplicated, a newer crawl)", "the keys file belongs to another dataset"],
                fix: "Embed the same items with the second model, or register it under another dataset name (MODEL/OTHER) and pair the two datasets with an anchor file.")
        case .annotationConflict:
            return Explanation(
                meaning: "A labels or split file disagrees with the labels or splits the dataset already has; they are shared by all its spaces.",
                causes: ["a different train/test split was generated for the second model", "labels were re-encoded (other class ids for the same classes)"],
                fix: "Register the second model without --labels/--split (it inherits the dataset's), or use the same files as for the first.")
        case .zeroColumns:
            return Explanation(
                meaning: "The embeddings have no columns.",
                causes: ["an empty array of shape (n, 0) was saved", "a pipeline dropped every feature"],
                fix: "Check how the array was produced; an embedding needs at least one dimension.")
        case .nonFiniteEmbedding, .nonFiniteQuery:
            return Explanation(
                meaning: "A value in the embeddings or queries is NaN or ±infinity. LatentDB refuses them: they would vanish silently from search results.",
                causes: ["the model produced NaN (fp16 overflow, an empty input normalised by a zero norm)", "a division by zero during normalisation", "uninitialised memory (np.empty) saved by mistake"],
                fix: "Find the row and column the message names (np.argwhere(~np.isfinite(x))), fix or drop that item, and save again.")
        case .queryFileDimension:
            return Explanation(
                meaning: "The query vectors have another number of columns than the source space (or the translator's input) has.",
                causes: ["the queries were embedded by another model than --from's", "--from names the wrong space", "a pooled or truncated embedding (Matryoshka) of another size"],
                fix: "Embed the queries with --from's model, or pass the --from space that matches them.")

        // MARK: E02 usage
        case .arguments:
            return Explanation(
                meaning: "The command line could not be parsed: an unknown option, a missing value, a value of the wrong type.",
                causes: ["a typo in an option", "an option of another subcommand", "a shell character (> < |) splitting a value: quote it"],
                fix: "Read `latentdb help SUBCOMMAND` (or SUBCOMMAND --help) and correct the command.")
        case .spaceNameSlashes, .nameEmpty, .nameTooLong, .nameCharacters:
            return Explanation(
                meaning: "A space is named MODEL/DATASET: exactly one '/', each part 1 to 128 characters of letters, digits and - _ . + @.",
                causes: ["a path (models/e5/fortunes) or a Hugging Face id with its own '/' (intfloat/e5-small)", "spaces or other punctuation in a name"],
                fix: "Choose short names: e5/fortunes; put the full model id in your own notes (or the keys).")
        case .unknownCodec:
            return Explanation(
                meaning: "--codec names a block codec this build does not know.",
                causes: ["a typo"],
                fix: "Use one of the codecs the message lists (bitshuffle-lz4, the default, shuffle-lz4 or lz4).")
        case .gateSyntax:
            return Explanation(
                meaning: "--gate takes METRIC:VALUE (or METRIC>=VALUE, quoted), with METRIC one of mrr, top1, top5, cosine.",
                causes: ["an unquoted mrr>=0.9: the shell reads > as a redirection, creates a file named =0.9 and passes only mrr", "an unknown metric or a missing number"],
                fix: "Write --gate mrr:0.9 (nothing for a shell to misread), or quote it: --gate 'mrr>=0.9'. Delete any stray file named '=0.9'.")
        case .needsFromAndTo:
            return Explanation(
                meaning: "Fitting a translator, building a chain, using a hub or a cached translator needs both a source and a target space.",
                causes: ["--from or --to was left out (translate allows that only with --translator)"],
                fix: "Give --from MODEL/DATASET and --to MODEL/DATASET.")
        case .keysNeedFrom:
            return Explanation(
                meaning: "Queries given as keys (--key, --keys) are items of a source space, so --from is needed to find them.",
                causes: ["translate with --translator and --key but no --from"],
                fix: "Add --from MODEL/DATASET, or give vectors with --input.")
        case .translateNeedsMap:
            return Explanation(
                meaning: "translate has nothing to apply: --from and --to are of one model, so no translation is needed.",
                causes: ["both spaces belong to the same model", "--anchors, --translator or --via was forgotten"],
                fix: "For another model's space, pass its --to; to force a map, give --anchors NAME or --translator ID.")
        case .hubTooFewSpaces, .hubRepeatsSpace:
            return Explanation(
                meaning: "A hub aligns at least two distinct spaces.",
                causes: ["--spaces lists one space, or the same space twice"],
                fix: "List two or more different spaces: --spaces e5/d,minilm/d,glove50/d.")
        case .negativeRefine:
            return Explanation(
                meaning: "--refine counts rounds of refinement; it cannot be negative.",
                causes: ["a typo"],
                fix: "Use --refine 0 (none, the default) or a small positive number such as 3.")
        case .ridgeLambdaOption:
            return Explanation(
                meaning: "--ridge-lambda is the ridge strength relative to trace(XᵀX)/d; it must be a positive finite number.",
                causes: ["zero, a negative value, nan or inf"],
                fix: "Use a small positive value such as 0.01 (the default), or --method linear for no regularisation.")
        case .conflictingOptions:
            return Explanation(
                meaning: "Two options were given that each choose the same thing in a different way.",
                causes: ["--anchors with --translator (fit one, or use a stored one)", "--via-hub with --anchors, --translator or --via", "--file with --count in anchors create", "--sweep-anchors with --anchors in eval"],
                fix: "Keep one of the two options, as the message says.")
        case .missingOption:
            return Explanation(
                meaning: "A required choice was not made: which queries, which translator, which anchors.",
                causes: ["none (or several) of --key, --keys, --input", "translate without --from/--to and without --translator", "anchors create without --count or --file", "--member without --input, --plot without --sweep-anchors"],
                fix: "Add the option the message names; `latentdb help SUBCOMMAND` lists them.")
        case .anchorCountOption, .sweepAnchorsOption:
            return Explanation(
                meaning: "An anchor count must be at least 2: a map cannot be fitted from fewer pairs.",
                causes: ["--count 0 or 1", "a typo in the --sweep-anchors list (an empty item, a letter)"],
                fix: "Give counts of 2 or more; a few hundred anchors is a good start.")
        case .unknownMethod, .unknownDecoder:
            return Explanation(
                meaning: "A method or decoder name in a comma-separated list is not one LatentDB knows.",
                causes: ["a typo", "a name from the paper or latentis that LatentDB spells differently (procrustes is ortho)"],
                fix: "Use the names the message lists: methods ortho, linear, lortho, affine, scaled-ortho, ridge, residual, auto; decoders knn, linear.")
        case .testFractionOption:
            return Explanation(
                meaning: "--test-fraction is the share of items held out when a dataset has no splits; it must lie strictly between 0 and 1.",
                causes: ["a percentage (20) instead of a fraction (0.2)", "0 or 1"],
                fix: "Use a value such as 0.2.")
        case .kOption:
            return Explanation(
                meaning: "-k, the number of neighbours, must be at least 1.",
                causes: ["-k 0 or a negative number"],
                fix: "Use -k 1 or more (the default is 10).")
        // MARK: E027x PostgreSQL locations and copy
        case .postgresPasswordInURI:
            return Explanation(
                meaning: "A PostgreSQL URI given to --db or LATENTDB_PATH holds a password (postgresql://user:secret@host/db). LatentDB refuses it rather than let it show in process lists, shell history and messages.",
                causes: ["the password was written into the URI, as many tools allow"],
                fix: "Remove the password from the URI and let libpq find it: export PGPASSWORD, or add a line host:port:database:user:password to ~/.pgpass (mode 0600).")
        case .postgresURI:
            return Explanation(
                meaning: "A --db or LATENTDB_PATH value starts with postgresql:// or postgres:// but libpq cannot parse it as a connection URI.",
                causes: ["a typo in the URI (an unknown ?option=, a stray character)", "an unescaped special character in a user or database name"],
                fix: "Write it in libpq's syntax: postgresql://USER@HOST:PORT/DATABASE, or postgresql:///DATABASE?host=/socket/dir for a Unix socket; percent-encode special characters.")
        case .copySameStore:
            return Explanation(
                meaning: "`latentdb copy` was given the same store as --from and --to.",
                causes: ["the two options were given the same path or URI"],
                fix: "Name two different stores: copy --from latent.db --to postgresql://HOST/DATABASE (or the other way round).")
        case .unknownErrorCode:
            return Explanation(
                meaning: "latentdb explain was given something that is not an error code of this build.",
                causes: ["a typo", "a code from a newer build of LatentDB"],
                fix: "Copy the code from the message (error[E0514]); `latentdb explain` alone lists every code.")

        // MARK: indexes (IVF)
        case .cslsWithNProbe:
            return Explanation(
                meaning: "CSLS needs every target row's hubness, so a CSLS query always scans the whole target exactly; --nprobe cannot apply.",
                causes: ["--csls and --nprobe given together"],
                fix: "Drop --nprobe (CSLS scans exactly), or drop --csls to use the index.")
        case .exactWithNProbe:
            return Explanation(
                meaning: "--exact scans every row; --nprobe chooses how many index lists to read. They exclude each other.",
                causes: ["both options given"],
                fix: "Give one of them.")
        case .indexOption:
            return Explanation(
                meaning: "--lists, --sample and --nprobe take a whole number of 1 or more.",
                causes: ["0 or a negative value"],
                fix: "Use a positive number, or leave the option out for the default that index info prints.")
        case .emptySpaceIndex:
            return Explanation(
                meaning: "An index of a space with no rows would have nothing in it.",
                causes: ["the space was registered from an empty matrix"],
                fix: "Register rows first.")
        case .listCountOutOfRange:
            return Explanation(
                meaning: "k-means needs at least one training row per list.",
                causes: ["--lists larger than the space's rows or than --sample"],
                fix: "Use fewer lists (the default is about 4·√rows) or a larger --sample.")
        case .nprobeOutOfRange:
            return Explanation(
                meaning: "--nprobe must be from 1 to the index's number of lists.",
                causes: ["--nprobe 0, or more than the lists the index has"],
                fix: "Check the list count with latentdb index info SPACE.")
        case .noCurrentIndex:
            return Explanation(
                meaning: "--nprobe asks for indexed search, but the target space has no current index.",
                causes: ["no index was created", "the space was replaced since (register --replace), which leaves its index stale"],
                fix: "Run latentdb index create SPACE, or drop --nprobe to search exactly.")
        case .unknownIndex:
            return Explanation(
                meaning: "The space has no index to show or remove.",
                causes: ["index create was never run for it", "a typo in the space name"],
                fix: "List indexes with latentdb index ls.")
        case .indexBlockCorrupt:
            return Explanation(
                meaning: "A stored block of an index failed its checksum or shape check.",
                causes: ["damage to the store file on disk", "a tool other than latentdb wrote into the store"],
                fix: "Run latentdb check, then rebuild the index with latentdb index create SPACE (the space's own rows are separate).")
        case .indexInconsistent:
            return Explanation(
                meaning: "An index does not hold every row of its space exactly once.",
                causes: ["a store edited outside LatentDB", "damage on disk"],
                fix: "Rebuild it with latentdb index create SPACE.")
        case .rowNumberBlock:
            return Explanation(
                meaning: "A block of an index's row numbers is damaged or malformed.",
                causes: ["damage to the store file on disk"],
                fix: "Run latentdb check and rebuild the index with latentdb index create SPACE.")

        // MARK: fidelity (rank-aware fits, compare)
        case .unknownCompletion:
            return Explanation(
                meaning: "--completion names how ortho-family maps treat directions the anchors leave undetermined: partial (LatentDB's default) or full (the paper's).",
                causes: ["a typo", "a list with a name other than partial or full"],
                fix: "Use --completion partial, full, or partial,full in eval to compare both.")
        case .compareArguments:
            return Explanation(
                meaning: "`latentdb compare` takes either two spaces (A B) or --dataset D, not both, not neither.",
                causes: ["two spaces and --dataset given together", "one space alone"],
                fix: "Run compare A B for one pair, or compare --dataset D for every pair of D's spaces.")
        case .compareNeedsAnchors:
            return Explanation(
                meaning: "Two spaces of different datasets share no items, so compare has no pairs to measure on.",
                causes: ["spaces of different datasets compared without an anchor set"],
                fix: "Create an anchor set between them (latentdb anchors create … --file pairs.tsv) and pass --anchors NAME.")
        case .compareTooFewItems:
            return Explanation(
                meaning: "compare needs enough shared items for k-NN overlap and a held-out fit.",
                causes: ["a tiny dataset or anchor set"],
                fix: "Compare on more shared items (a larger anchor set, or the spaces' whole dataset).")
        case .compareDatasetSpaces:
            return Explanation(
                meaning: "compare --dataset compares every pair of a dataset's spaces and needs at least two.",
                causes: ["a dataset embedded by one model only", "a typo in the dataset name"],
                fix: "Register the dataset with a second model, or check the name with latentdb ls.")

        // MARK: arrays through standard input and output (`-`)
        case .standardInputTruncated:
            return Explanation(
                meaning: "The .npy read from standard input ended before the data its header declares.",
                causes: ["the program writing into the pipe failed or was killed midway", "a header written for more rows than were sent"],
                fix: "Check the writing program's own error; send one complete array (np.save(sys.stdout.buffer, x)).")
        case .standardInputTrailing:
            return Explanation(
                meaning: "More bytes followed the one .npy array read from standard input.",
                causes: ["two arrays written into one pipe", "a text line or log output mixed into the stream"],
                fix: "Send exactly one array per command; keep logs on the writer's stderr.")
        case .standardInputFormat:
            return Explanation(
                meaning: "Standard input does not start with an .npy header; only .npy is read from a pipe.",
                causes: ["an .npz, safetensors or text file piped in", "a writer that printed something before the array"],
                fix: "Pipe an .npy (np.save to stdout), or pass other formats as a file path.")
        case .standardInputIsTerminal:
            return Explanation(
                meaning: "`-` asks for an .npy on standard input, but standard input is a terminal: the command would wait for bytes nobody sends.",
                causes: ["`-` typed without a pipe or redirect"],
                fix: "Pipe an array in (python make.py | latentdb … --input -) or redirect a file (< q.npy).")
        case .standardOutputIsTerminal:
            return Explanation(
                meaning: "`--output -` would write binary .npy bytes to a terminal.",
                causes: ["--output - typed without a pipe or redirect"],
                fix: "Pipe the output into a program, redirect it (> out.npy), or give a file path.")

        // MARK: E029x requests to `latentdb serve`
        case .requestJSON:
            return Explanation(
                meaning: "A request body to `latentdb serve` is not JSON, or a field has the wrong JSON type.",
                causes: ["a body that is not JSON (a typo, a shell quoting problem with curl -d)", "a number sent as a string (\"k\": \"5\") or a list where a string is expected",
                         "NaN or Infinity in vectors, which JSON cannot carry"],
                fix: "Send the fields schema/openapi.yaml lists with their JSON types; send vectors with NaN-free values, or as an application/x-npy body.")
        case .requestFieldMissing:
            return Explanation(
                meaning: "A request lacks a field the route needs (from, to, the queries, or a way to translate).",
                causes: ["a field name misspelled (via_hub, not viaHub)", "neither keys nor vectors given", "two spaces of different models with no anchors, translator, via or via_hub"],
                fix: "Add the field the message names; the route's fields are the CLI command's long options.")
        case .requestFieldValue:
            return Explanation(
                meaning: "A request field has a value the route does not know (a metric, method, scaling or decoder name).",
                causes: ["a typo", "a name from another library (procrustes for ortho, euclidean for l2)"],
                fix: "Use one of the values the message lists.")
        case .requestFieldsConflict:
            return Explanation(
                meaning: "A request gives two fields that exclude each other (keys and vectors, anchors and translator, via_hub with another map).",
                causes: ["a client that fills every field it knows"],
                fix: "Send only one of the fields the message lists.")
        case .requestRaggedVectors:
            return Explanation(
                meaning: "The rows of a request's vectors have different lengths.",
                causes: ["a row truncated or padded by the client", "vectors of two different models in one request"],
                fix: "Send rows of one length, the source model's dimension.")
        case .unauthorized:
            return Explanation(
                meaning: "The server was started with --token-file and the request has no bearer token, or the wrong one.",
                causes: ["no Authorization header", "a token from another server, or with a trailing newline pasted into the header"],
                fix: "Send 'Authorization: Bearer TOKEN' with the token in the server's token file (only /v1/health is open).")
        case .requestTooLarge:
            return Explanation(
                meaning: "A request body is larger than the server's --max-body.",
                causes: ["a large batch of vectors as JSON, which takes about five times the bytes of float32"],
                fix: "Send the vectors as an application/x-npy body, split the batch, or start the server with a larger --max-body.")
        case .unknownRoute:
            return Explanation(
                meaning: "The server has no route for this method and path.",
                causes: ["a path without the /v1 prefix", "GET where the route takes POST (knn, classify, translate, fit)"],
                fix: "Use a route listed in schema/openapi.yaml or README's Serving section.")
        case .serveNeedsToken:
            return Explanation(
                meaning: "`latentdb serve` refuses to listen beyond loopback without a token: anyone on the network could read the store.",
                causes: ["--host 0.0.0.0 (or a LAN address) without --token-file"],
                fix: "Give --token-file FILE (a random token of 16 characters or more), or serve on 127.0.0.1 behind a proxy.")
        case .tokenFile:
            return Explanation(
                meaning: "The token file given to `latentdb serve` cannot be read or holds too short a token.",
                causes: ["a wrong path or permissions", "an empty file, or a token shorter than 16 characters"],
                fix: "Write a long random token into the file (head -c 24 /dev/urandom | base64 > token) and pass its path.")
        case .serverNotFound:
            return Explanation(
                meaning: "`latentdb serve` runs the latentdb-server executable, a package of its own so that the CLI builds without Hummingbird, and found none.",
                causes: ["the server package was never built", "$LATENTDB_SERVER names a file that is not there"],
                fix: "Build it once: swift build -c release --package-path server (in the LatentDB checkout), or point $LATENTDB_SERVER at the binary.")
        // MARK: E035x PostgreSQL stores and copy
        case .postgresConnect:
            return Explanation(
                meaning: "LatentDB could not reach the PostgreSQL server named by --db or LATENTDB_PATH; libpq's reason follows the location.",
                causes: ["the server is not running, or listens on another host, port or socket directory", "an unknown host name", "a firewall or pg_hba.conf rule refuses the connection"],
                fix: "Check that the server runs and that psql connects with the same URI (psql 'postgresql://…'); then retry.")
        case .postgresAuthentication:
            return Explanation(
                meaning: "The PostgreSQL server refused to log the user in: it asks for a password and none was given, or refused the one given.",
                causes: ["PGPASSWORD is unset or wrong", "~/.pgpass has no matching line, a wrong one, or is readable by others (libpq then ignores it)", "the user does not exist on the server"],
                fix: "Set PGPASSWORD or fix the ~/.pgpass line (host:port:database:user:password, mode 0600); LatentDB never takes the password from the URI.")
        case .postgresUnknownDatabase:
            return Explanation(
                meaning: "The PostgreSQL server runs but has no database of the name in the URI.",
                causes: ["the database was never created", "a typo in the database name"],
                fix: "Create it once (createdb NAME, or CREATE DATABASE NAME) and run `latentdb init --db URI`.")
        case .postgresConnectionLost:
            return Explanation(
                meaning: "The connection to the PostgreSQL server broke during a command. The command's transaction was rolled back: nothing it wrote is stored.",
                causes: ["the server was stopped or restarted", "the network between client and server failed", "an administrator terminated the session"],
                fix: "Once the server is back, run the command again.")
        case .postgresForeignDatabase:
            return Explanation(
                meaning: "The PostgreSQL database holds tables but no LatentDB schema (no latentdb_schema table); LatentDB will not write into another application's database.",
                causes: ["--db names another application's database", "the URI names the wrong database or schema"],
                fix: "Create a database for LatentDB (createdb latent) and point --db at it.")
        case .copyTargetNotEmpty:
            return Explanation(
                meaning: "`latentdb copy` writes a whole store into an empty one, and the store named by --to already holds spaces, anchors, translators or hubs.",
                causes: ["the copy ran before (the target is complete already)", "--to names the wrong store"],
                fix: "Copy into a new, empty store (a new file, or a new database), or remove what the target holds first.")
        case .portOption:
            return Explanation(
                meaning: "--port must be a TCP port, from 1 to 65535.",
                causes: ["0 or a negative number", "a number above 65535"],
                fix: "Use a free port such as the default 8765.")
        case .sizeOption:
            return Explanation(
                meaning: "--memory and --max-body take a size: a number of bytes, or a number with KiB, MiB or GiB.",
                causes: ["a unit other than KiB, MiB, GiB (GB, G)", "a negative or non-numeric value"],
                fix: "Write the size like 512MiB or 2GiB.")
        case .timeoutOption:
            return Explanation(
                meaning: "--request-timeout takes a number of seconds above 0 (fractions allowed: 0.5).",
                causes: ["0 or a negative number", "a unit after the number (60s)"],
                fix: "Give plain seconds, like the default 60.")
        case .requestTimedOut:
            return Explanation(
                meaning: "A request to `latentdb serve` ran longer than the server's --request-timeout; the server answered 503 and went on serving. The abandoned computation finishes in the background and its answer is dropped.",
                causes: ["a very large batch of queries or a large k in one request", "a first fit of a translator on many anchors", "a machine busy with other work"],
                fix: "Split the batch, fit the translator once beforehand (POST /v1/fit), or start the server with a larger --request-timeout.")

        // MARK: E03 the store and I/O
        case .storeIO, .storeUnreadable:
            return Explanation(
                meaning: "SQLite could not read or write the store file.",
                causes: ["permissions on the store or its directory (SQLite also writes -wal and -shm files beside it)", "a read-only or network file system", "the file was removed or replaced while in use"],
                fix: "Check the path (--db, $LATENTDB_PATH) and that its directory is writable by you; keep stores on a local disk.")
        case .notAStore:
            return Explanation(
                meaning: "The file given as the store is not an SQLite database.",
                causes: ["--db points at another file (an .npy, a text file)", "the store was truncated or overwritten"],
                fix: "Point --db at a LatentDB store, or create one with `latentdb init --db PATH` at a new path.")
        case .foreignDatabase:
            return Explanation(
                meaning: "The file is an SQLite database of another application, not a LatentDB store; LatentDB will not write into it.",
                causes: ["--db points at another program's database"],
                fix: "Use another path for the store; LatentDB keeps its own file.")
        case .storeNewer:
            return Explanation(
                meaning: "The store was written by a newer LatentDB whose format this build cannot read.",
                causes: ["the store was shared from a machine or project with a newer latentdb"],
                fix: "Upgrade latentdb (or use the build that wrote the store).")
        case .storeCorrupt, .corruptBlock, .blockShape, .blockRowGap, .blockRowTotal, .blockHeader, .blockSize, .blockChecksum,
             .translatorParameters, .parametersTruncated, .decoderParameters, .translatorRecordShape, .integrityCheck, .storeInconsistent:
            return Explanation(
                meaning: "Bytes in the store do not check out: a block's header, size or XXH64 checksum, the rows its blocks cover, a cached translator's or decoder's parameters, or SQLite's own integrity. LatentDB never decodes them to wrong numbers.",
                causes: [Shared.corruptStore],
                fix: Shared.checkAndRestore)
        case .storeFull:
            return Explanation(
                meaning: "The disk has no room left, or the store reached its size limit; the command was rolled back and nothing was written.",
                causes: ["a full disk (while it registers, the store needs about twice the data in free space for SQLite's write-ahead log)", "LATENTDB_MAX_PAGE_COUNT set low"],
                fix: "Free disk space (`latentdb vacuum` compacts after removals) or raise the limit, then run the command again.")
        case .storeBusy:
            return Explanation(
                meaning: "Another process held the store's write lock for longer than LatentDB waits.",
                causes: ["a long register, fit or migrate running in another terminal or job", "a process stuck holding a transaction (a debugger, an open sqlite3 shell)"],
                fix: "Wait for the other writer and retry; readers never need to wait.")
        case .spacesKeptChanging:
            return Explanation(
                meaning: "Another process replaced a space the command reads on every attempt to answer from one version of it.",
                causes: ["a loop of `register --replace` running beside the query"],
                fix: "Run the command again once the writer is done.")
        case .cannotWrite, .cannotWriteTranslatorFile:
            return Explanation(
                meaning: "An output file (an export, a plot, a translator file) could not be written.",
                causes: ["its directory does not exist or is not writable", "the disk is full"],
                fix: "Choose a writable path with room, or create the directory first.")
        case .unexpected:
            return Explanation(
                meaning: "An error of no catalogued kind: every failure LatentDB expects has its own code, so this one is a bug.",
                causes: [Shared.callerBug],
                fix: Shared.report)

        // MARK: E04 what the store holds
        case .noStore:
            return Explanation(
                meaning: "There is no store at the path the command used.",
                causes: ["the command ran in another directory than the one holding latent.db", "--db or $LATENTDB_PATH is not set as you expected", "`latentdb init` was never run"],
                fix: "Create one with `latentdb init` (or register, which creates it), or point --db / LATENTDB_PATH at the existing store.")
        case .unknownSpace, .unknownAnchorSet, .unknownHub:
            return Explanation(
                meaning: "The store holds no space, anchor set or hub of that name.",
                causes: ["a typo (the message lists the known names)", "another store (--db) holds it", "it was removed"],
                fix: "Use a listed name (`latentdb ls`, `latentdb anchors ls`, `latentdb hub ls`), or create it first.")
        case .spaceExists, .anchorSetExists:
            return Explanation(
                meaning: "A space or anchor set of that name already exists; LatentDB never overwrites one silently.",
                causes: ["the command was run twice", "a new version of the embeddings is being registered"],
                fix: "Pass --replace to swap it (translators fitted on the old version then become stale, never wrong), or choose another name.")
        case .unknownTranslator, .ambiguousTranslator:
            return Explanation(
                meaning: "--translator (or translators rm, translator export) names no single stored translator: no fingerprint starts with it, or several do.",
                causes: ["a typo, or a fingerprint from another store", "a prefix too short to be unique"],
                fix: "Copy an id from `latentdb translators ls`, with enough characters (12 are always enough).")
        case .hubMissingSpace:
            return Explanation(
                meaning: "The hub does not align the space the command asked it to translate from or into.",
                causes: ["the hub was created over other spaces"],
                fix: "See its members with `latentdb hub ls`; create a hub that includes the space.")
        case .hubStale:
            return Explanation(
                meaning: "A member space of the hub was replaced after the hub was fitted, so the hub's map no longer matches it.",
                causes: ["`register --replace` of a member space"],
                fix: "Create the hub again (`latentdb hub create NAME … --replace` or under a new name).")
        case .storeConstraint:
            return Explanation(
                meaning: "The store refused a write that would break one of its integrity rules (a foreign key, a uniqueness or CHECK constraint).",
                causes: ["two writers racing to create the same thing", Shared.callerBug],
                fix: "Run the command again; if it repeats, run `latentdb check` and report it.")
        case .maxPageCount:
            return Explanation(
                meaning: "LATENTDB_MAX_PAGE_COUNT, the store's size limit in SQLite pages, is not a positive number.",
                causes: ["a typo or an empty value in the environment variable"],
                fix: "Unset it, or give a positive integer of pages.")

        // MARK: E05 anchors
        case .anchorSetTooSmall, .tooFewAnchors, .evalTooFewAnchors:
            return Explanation(
                meaning: "A map needs at least 2 anchor pairs (and good maps need hundreds).",
                causes: ["an anchor file with one line, or keys that mostly do not exist", "a split whose train part holds almost nothing"],
                fix: "Use more anchors: a few hundred pairs from the train split.")
        case .crossDatasetSampling:
            return Explanation(
                meaning: "Anchors can be drawn at random only within one dataset, where the same key is the same item in both spaces; across datasets, LatentDB cannot know which items correspond.",
                causes: ["--from and --to belong to different datasets (texts and images of the same stories)"],
                fix: "Give the correspondences with --file F (SOURCE_KEY<TAB>TARGET_KEY per line).")
        case .stratifiedNeedsLabels:
            return Explanation(
                meaning: "--stratified draws the same number of anchors per label, but the dataset has no labels.",
                causes: ["the dataset was registered without --labels"],
                fix: "Drop --stratified, or register a space of the dataset again with --labels.")
        case .anchorFileNeedsPair, .anchorFileFields, .anchorFileRepeat, .anchorFileUnknownKeys:
            return Explanation(
                meaning: "An anchor file has one pair per line: a KEY (the same item in both datasets) or SOURCE_KEY<TAB>TARGET_KEY, each pair once, every key present in the store.",
                causes: ["spaces instead of a tab between the keys", "a header line or a repeated pair", "keys of another dataset"],
                fix: "Fix the line the message names; separate keys with one tab.")
        case .anchorSetDatasets:
            return Explanation(
                meaning: "The anchor set pairs other datasets than the two spaces the command uses.",
                causes: ["an anchor set made for another pair of datasets"],
                fix: "Use an anchor set between these datasets (`latentdb anchors ls`), or create one.")
        case .anchorKeysMissing:
            return Explanation(
                meaning: "Some keys of the anchor set are not items of a space it is used with.",
                causes: ["the dataset was registered again with fewer items after the anchor set was made"],
                fix: "Create the anchor set again (`latentdb anchors create NAME … --replace`).")
        case .hubDatasetNotPaired:
            return Explanation(
                meaning: "A hub member belongs to a dataset that its anchor set does not pair.",
                causes: ["members from three datasets with an anchor set over two of them"],
                fix: "Use members from the anchor set's datasets, or an anchor set that pairs them.")
        case .qualityTooFewAnchors:
            return Explanation(
                meaning: "migrate holds out a fifth of the anchors to estimate quality; with fewer than 4 there is nothing to fit on or to score.",
                causes: ["a tiny anchor set"],
                fix: "Use an anchor set of a few hundred pairs.")
        case .autoTooFewAnchors:
            return Explanation(
                meaning: "--method auto cross-validates over 5 folds and needs enough anchors for each fold to fit and score.",
                causes: ["a small anchor set"],
                fix: "Use more anchors, or name a method (--method ortho).")
        case .refineNeedsUnpaired, .noUnpairedItems:
            return Explanation(
                meaning: "--refine pairs items that are not anchors by mutual nearest neighbours; every item is an anchor here, so there is nothing to refine with.",
                causes: ["the anchor set covers the whole dataset (or the whole train split)"],
                fix: "Use fewer anchors than items, or drop --refine.")

        // MARK: E06 translators
        case .translatorModels, .translatorTargetModel:
            return Explanation(
                meaning: "The stored translator maps between other models than the spaces the command uses.",
                causes: ["a fingerprint of another pair, or of the reverse direction"],
                fix: "Pick a translator of these models from `latentdb translators ls`, or leave --translator out to use a cached one.")
        case .noChainStep:
            return Explanation(
                meaning: "A chain (--via) needs a translator for each leg; one leg has no cached translator (nor an ortho one of the reverse direction to invert) and no --anchors to fit one.",
                causes: ["that pair was never fitted"],
                fix: "Fit the missing leg with `latentdb fit`, or pass --anchors to fit it on the way.")
        case .translatorFile:
            return Explanation(
                meaning: "A translator file (.ldbt) is not one LatentDB wrote, is truncated, corrupt, or from a newer build.",
                causes: [Shared.truncatedCopy, "another file was passed", "the file came from a newer latentdb"],
                fix: "Export it again with `latentdb translator export`, copy it completely (or upgrade latentdb), and import again.")
        case .anchorCountMismatch:
            return Explanation(
                meaning: "A fit was given different numbers of source and target anchor rows.",
                causes: [Shared.callerBug],
                fix: "Give one target row per source row.")
        case .nonFiniteAnchors:
            return Explanation(
                meaning: "Anchor rows given to a fit contain NaN or infinity.",
                causes: ["matrices built outside the store (the store refuses non-finite values at register)"],
                fix: "Remove or fix the non-finite rows before fitting.")
        case .fitFailed:
            return Explanation(
                meaning: "The estimator could not fit: a numerical routine failed on these anchors.",
                causes: ["degenerate anchors (all identical, or nearly so)", "values so large that products overflow"],
                fix: "Check the anchors' embeddings; try --scaling standard, --method ridge, or more diverse anchors.")
        case .notInvertible:
            return Explanation(
                meaning: "Only an ortho translator has an exact inverse (its transpose); a chain leg in the reverse direction needs one.",
                causes: ["a chain through a leg fitted with linear, affine, ridge, …"],
                fix: "Fit that leg in the direction the chain needs, or fit the reverse leg with --method ortho.")
        case .ridgeLambda:
            return Explanation(
                meaning: "The ridge strength given to a fit is not a positive finite number.",
                causes: [Shared.callerBug],
                fix: "Use a small positive value such as 0.01.")
        case .translatorInputColumns:
            return Explanation(
                meaning: "Vectors given to a translator have another number of columns than it was fitted on.",
                causes: ["queries of another model or another space of the model"],
                fix: "Translate vectors of the translator's source space.")
        case .noCachedTranslator:
            return Explanation(
                meaning: "The command was given no translator (no --anchors, --translator, --via or --via-hub), so it looked for a cached one between the two models, and none qualifies: none was fitted, the ones fitted are stale (their spaces were replaced), or none has the --method/--scaling asked for.",
                causes: ["no `latentdb fit` was run for this pair of models (in this direction)", "the spaces were registered again (--replace) since the fit", "--method or --scaling excluded the ones there are"],
                fix: "Fit one with the command the message prints (latentdb fit --from … --to … --anchors NAME), import one with `latentdb translator import`, or pass --anchors NAME to this command.")
        case .qualityNeedsAnchors:
            return Explanation(
                meaning: "migrate --gate estimates quality on held-out anchors; with a cached translator those are the anchors it was fitted on, and this store cannot supply them.",
                causes: ["the translator was imported from another store", "its anchor set was removed or replaced", "a space it was fitted on was removed"],
                fix: "Pass --anchors NAME to fit (and score) on an anchor set this store holds, or drop --gate to migrate without an estimate.")

        // MARK: E07 queries and decoders
        case .kTooSmall, .kOutOfRange, .kTooLarge:
            return Explanation(
                meaning: "k, the number of neighbours, must be between 1 and the number of items searched.",
                causes: ["-k larger than the target space", "k = 0 given through the library (the CLI refuses -k 0 itself)"],
                fix: "Use a k of at most the space's rows (`latentdb info SPACE`).")
        case .noQueryKeys:
            return Explanation(
                meaning: "The queries were given as keys, but none were given.",
                causes: ["an empty --keys file"],
                fix: "Put one key per line in the file, or use --key KEY.")
        case .unknownKeys:
            return Explanation(
                meaning: "Some query keys are not items of the source space.",
                causes: ["a typo, or keys of another dataset", "row numbers used where the dataset has its own keys"],
                fix: "Use keys of --from's dataset (`latentdb info SPACE` shows some).")
        case .queryDimension, .translatedDimension:
            return Explanation(
                meaning: "The query vectors and the translator (or the target space) do not have the same number of dimensions.",
                causes: ["--translator fitted on another space of the model, of another dimension", "--to names another space than the translator maps into"],
                fix: "Use a translator fitted between these spaces (`latentdb translators ls`), or fit one.")
        case .noLabels:
            return Explanation(
                meaning: "classify trains its decoder on the target space's labelled items, and it has none.",
                causes: ["the target dataset was registered without --labels"],
                fix: "Register the dataset's labels (`register … --labels labels.txt --replace`), or classify into a labelled space.")
        case .emptyTraining, .labelCount, .labelOutOfRange, .classCount:
            return Explanation(
                meaning: "A decoder was given no training rows, or labels that do not match its rows or classes.",
                causes: [Shared.callerBug],
                fix: "Give one label in 0..<classCount per training row.")
        case .dimensionMismatch, .rowCountMismatch:
            return Explanation(
                meaning: "Two matrices that must agree in dimension or rows do not.",
                causes: [Shared.callerBug],
                fix: Shared.report)
        case .nonFiniteValue:
            return Explanation(
                meaning: "A search or decoder met a NaN or infinite value, or a score that overflowed.",
                causes: ["vectors built outside the store", "values so large that their products overflow float32"],
                fix: "Check the vectors; scale them down if their norms are huge.")
        case .notPositiveDefinite:
            return Explanation(
                meaning: "The linear decoder's ridge system could not be solved.",
                causes: ["all training rows identical"],
                fix: "Check the target space's embeddings; use --decoder knn.")

        // MARK: E08 evaluation, migration, hubs and model selection
        case .evalDatasets:
            return Explanation(
                meaning: "eval compares translated items with their counterparts item by item, so both spaces must be of one dataset.",
                causes: ["spaces of two datasets"],
                fix: "Evaluate two models' spaces of the same dataset.")
        case .emptyTestSplit:
            return Explanation(
                meaning: "The dataset's split marks no item 'test', so there is nothing to evaluate on.",
                causes: ["a split file that says train everywhere"],
                fix: "Mark some rows 'test', or register without --split to get a seeded split.")
        case .gateFailed:
            return Explanation(
                meaning: "migrate estimated the translator's quality on held-out anchors and it is below --gate; nothing was stored.",
                causes: ["too few or unrepresentative anchors", "models too different for a linear map", "a gate stricter than the pair allows"],
                fix: "Use more anchors, another method (--method auto), or a lower gate; --warn-only migrates anyway with a warning.")
        case .invalidFolds, .noCandidates, .allCandidatesFailed, .parameterOutOfRange:
            return Explanation(
                meaning: "Model selection (auto) could not run or every candidate failed.",
                causes: ["degenerate anchors on which no estimator fits", Shared.callerBug],
                fix: "Check the anchors; name a method (--method ortho) to see its own error.")
        case .hubNoSpaces, .hubFit:
            return Explanation(
                meaning: "The hub could not be fitted over its spaces.",
                causes: ["no spaces", "degenerate anchors in one of them"],
                fix: "Check the member spaces and the anchor set; fit a pair with `latentdb fit` to see which one fails.")

        // MARK: E09 numerical failures
        case .noConvergence, .singular:
            return Explanation(
                meaning: "A LAPACK routine did not converge or met a singular matrix.",
                causes: ["degenerate or extreme values in the anchors", "a LAPACK build bug"],
                fix: "Try --scaling standard or --method ridge; report it with the data if it persists.")
        }
    }
}
