CREATE TABLE pattern_vectors (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL UNIQUE,    -- content address of the encoded code (language + text)
    name       TEXT NOT NULL,           -- function or pattern name
    language   TEXT NOT NULL,
    source     TEXT NOT NULL,           -- file, page or run it came from
    line       INTEGER NOT NULL,
    text       TEXT NOT NULL,
    vector     BLOB NOT NULL,           -- packed 10,000-bit hypervector
    created_at REAL NOT NULL
);
