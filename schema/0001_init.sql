-- LatentDB store, schema version 1. A shipped migration is never edited: add 0002_… instead.
-- Integrity lives here (NOT NULL, UNIQUE, CHECK, foreign keys), not only in Swift.

CREATE TABLE model (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

-- A dataset's keys, labels and splits are shared by all its spaces.
CREATE TABLE dataset (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),
    item_count  INTEGER NOT NULL CHECK (item_count >= 0),
    keys_hash   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE item (
    dataset_id  INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
    row         INTEGER NOT NULL CHECK (row >= 0),
    key         TEXT NOT NULL CHECK (length(key) > 0),
    label       TEXT,
    split       TEXT CHECK (split IS NULL OR length(split) > 0),
    PRIMARY KEY (dataset_id, row),
    UNIQUE (dataset_id, key)
) WITHOUT ROWID;

-- One embedding matrix: dataset × model. `version` is a content hash of keys + matrix bytes.
CREATE TABLE space (
    id              INTEGER PRIMARY KEY,
    model_id        INTEGER NOT NULL REFERENCES model(id),
    dataset_id      INTEGER NOT NULL REFERENCES dataset(id),
    row_count       INTEGER NOT NULL CHECK (row_count >= 0),
    dim             INTEGER NOT NULL CHECK (dim > 0),
    element_type    TEXT NOT NULL CHECK (element_type IN ('float32')),
    source_dtype    TEXT NOT NULL,
    codec           TEXT NOT NULL,
    block_rows      INTEGER NOT NULL CHECK (block_rows > 0),
    raw_bytes       INTEGER NOT NULL CHECK (raw_bytes = row_count * dim * 4),
    stored_bytes    INTEGER NOT NULL CHECK (stored_bytes >= 0),
    version         TEXT NOT NULL,
    provenance      TEXT,
    created_at      TEXT NOT NULL,
    library_version TEXT NOT NULL,
    UNIQUE (model_id, dataset_id)
);

-- Rows [first_row, first_row + row_count) of a space, as one encoded block (schema/FORMAT.md).
CREATE TABLE block (
    id          INTEGER PRIMARY KEY,
    space_id    INTEGER NOT NULL REFERENCES space(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL CHECK (idx >= 0),
    first_row   INTEGER NOT NULL CHECK (first_row >= 0),
    row_count   INTEGER NOT NULL CHECK (row_count > 0),
    data        BLOB NOT NULL,
    UNIQUE (space_id, idx)
);

-- An ordered list of correspondences (source key, target key) between two datasets.
CREATE TABLE anchor_set (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),
    source_dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
    target_dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
    source_space      TEXT NOT NULL,
    target_space      TEXT NOT NULL,
    sampler           TEXT NOT NULL,
    options           TEXT NOT NULL,
    pair_count        INTEGER NOT NULL CHECK (pair_count >= 0),
    hash              TEXT NOT NULL,
    created_at        TEXT NOT NULL
);

CREATE TABLE anchor_pair (
    anchor_set_id INTEGER NOT NULL REFERENCES anchor_set(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position >= 0),
    source_key    TEXT NOT NULL,
    target_key    TEXT NOT NULL,
    PRIMARY KEY (anchor_set_id, position)
) WITHOUT ROWID;

-- Fitted translators, keyed by the fingerprint of what they were fitted from. No foreign keys:
-- an imported translator may come from another store, and a replaced space simply changes the
-- fingerprint that is looked up, so a stale row is never served.
CREATE TABLE translator (
    fingerprint     TEXT PRIMARY KEY,
    source_model    TEXT NOT NULL,
    target_model    TEXT NOT NULL,
    source_space    TEXT NOT NULL,
    target_space    TEXT NOT NULL,
    source_version  TEXT NOT NULL,
    target_version  TEXT NOT NULL,
    anchor_hash     TEXT NOT NULL,
    anchor_name     TEXT NOT NULL,
    anchor_count    INTEGER NOT NULL CHECK (anchor_count >= 0),
    estimator       TEXT NOT NULL,
    scaling         TEXT NOT NULL,
    options         TEXT NOT NULL,
    source_dim      INTEGER NOT NULL CHECK (source_dim > 0),
    target_dim      INTEGER NOT NULL CHECK (target_dim > 0),
    parameters      BLOB NOT NULL,
    report          TEXT NOT NULL,
    origin          TEXT NOT NULL CHECK (origin IN ('fitted', 'imported')),
    created_at      TEXT NOT NULL,
    library_version TEXT NOT NULL
);

-- Fitted decoders (classifiers) of a space version, cached like translators.
CREATE TABLE decoder (
    fingerprint     TEXT PRIMARY KEY,
    space_version   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    parameters      BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    library_version TEXT NOT NULL
);
