CREATE TABLE response_cache (
    key        TEXT PRIMARY KEY,        -- sha256 of the canonical request
    model      TEXT NOT NULL,
    response   TEXT NOT NULL,           -- JSON
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX response_cache_expiry ON response_cache(expires_at);
