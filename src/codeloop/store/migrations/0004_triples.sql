CREATE TABLE triples (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    subject    TEXT NOT NULL,
    predicate  TEXT NOT NULL,
    object     TEXT NOT NULL,
    provenance TEXT NOT NULL,           -- JSON: {"source": ..., "line": ..., "how": ingested|generated|refined|learned}
    created_at REAL NOT NULL,
    UNIQUE (subject, predicate, object)
);
CREATE INDEX triples_pred_obj ON triples(predicate, object);
CREATE INDEX triples_obj ON triples(object);
