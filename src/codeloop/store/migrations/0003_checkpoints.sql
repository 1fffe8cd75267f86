CREATE TABLE checkpoints (
    run_id     TEXT NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,           -- JSON
    created_at REAL NOT NULL,
    PRIMARY KEY (run_id, name)
);
