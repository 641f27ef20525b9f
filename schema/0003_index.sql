-- Schema version 3: inverted-file (IVF) indexes, one per space at most.
-- An index belongs to one space version. It names its space (`model/dataset`) rather than
-- the space's row id, which `register --replace` changes: a replaced space leaves its index
-- in place but stale (space_version differs from the space's), and a stale index is never used.

CREATE TABLE ivf_index (
    id              INTEGER PRIMARY KEY,
    space           TEXT NOT NULL UNIQUE CHECK (length(space) >= 3),
    space_version   TEXT NOT NULL,
    row_count       INTEGER NOT NULL CHECK (row_count > 0),
    dim             INTEGER NOT NULL CHECK (dim > 0),
    list_count      INTEGER NOT NULL CHECK (list_count > 0 AND list_count <= row_count),
    sample_count    INTEGER NOT NULL CHECK (sample_count >= list_count AND sample_count <= row_count),
    seed            INTEGER NOT NULL,
    iterations      INTEGER NOT NULL CHECK (iterations >= 0),
    list_codec      TEXT NOT NULL CHECK (list_codec IN ('flat', 'sq8')),
    block_codec     TEXT NOT NULL,
    -- Smallest nprobe whose recall@10 against exact search reached the target at build time.
    default_nprobe  INTEGER NOT NULL CHECK (default_nprobe BETWEEN 1 AND list_count),
    -- JSON: the held-out rows measured and recall@10 at each nprobe tried.
    calibration     TEXT NOT NULL,
    -- The coarse centroids: one block (schema/FORMAT.md), list_count × dim float32.
    centroids       BLOB NOT NULL,
    build_seconds   REAL NOT NULL CHECK (build_seconds >= 0),
    created_at      TEXT NOT NULL,
    library_version TEXT NOT NULL
);

-- Rows of one inverted list, as one block of their float32 values plus their row numbers in
-- the space. A list's blocks are found through the (index_id, list, idx) key alone.
CREATE TABLE ivf_block (
    id          INTEGER PRIMARY KEY,
    index_id    INTEGER NOT NULL REFERENCES ivf_index(id) ON DELETE CASCADE,
    list        INTEGER NOT NULL CHECK (list >= 0),
    idx         INTEGER NOT NULL CHECK (idx >= 0),
    row_count   INTEGER NOT NULL CHECK (row_count > 0),
    row_numbers BLOB NOT NULL,
    data        BLOB NOT NULL,
    UNIQUE (index_id, list, idx)
);
