CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    request     TEXT NOT NULL,          -- JSON
    status      TEXT NOT NULL,          -- running | ok | error
    result      TEXT,                   -- JSON
    error       TEXT,
    created_at  REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX runs_created ON runs(created_at);

CREATE TABLE steps (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        TEXT REFERENCES runs(id),
    parent_id     INTEGER REFERENCES steps(id),
    kind          TEXT NOT NULL,        -- model_call | program_run | validation | ...
    name          TEXT NOT NULL,
    input         TEXT NOT NULL,        -- JSON
    output        TEXT,                 -- JSON
    error         TEXT,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd      REAL NOT NULL DEFAULT 0,
    seconds       REAL NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL
);
CREATE INDEX steps_run ON steps(run_id, id);
