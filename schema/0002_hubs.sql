-- Schema version 2: hubs. A hub aligns N spaces to one shared space (generalised Procrustes),
-- so N maps replace N² pairwise translators. Each member stores its map into the hub space.

CREATE TABLE hub (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),
    dimension    INTEGER NOT NULL CHECK (dimension > 0),
    anchor_name  TEXT NOT NULL,
    anchor_hash  TEXT NOT NULL,
    anchor_count INTEGER NOT NULL CHECK (anchor_count >= 2),
    scaling      TEXT NOT NULL,
    report       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE hub_member (
    hub_id        INTEGER NOT NULL REFERENCES hub(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position >= 0),
    space         TEXT NOT NULL,
    space_version TEXT NOT NULL,
    parameters    BLOB NOT NULL,
    PRIMARY KEY (hub_id, position),
    UNIQUE (hub_id, space)
) WITHOUT ROWID;
