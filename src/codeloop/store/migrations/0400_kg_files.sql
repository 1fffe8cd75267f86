CREATE TABLE kg_files (
    path        TEXT PRIMARY KEY,       -- absolute path of an ingested source file
    sha256      TEXT NOT NULL,          -- content hash: unchanged files are skipped
    lang        TEXT NOT NULL,          -- rust | python
    entities    TEXT NOT NULL,          -- JSON list of the graph entities the file produced
    ingested_at REAL NOT NULL
);
