-- The model registry. params holds the trained numbers (JSON), metrics the held-out
-- evaluation (JSON). One champion per workspace and kind.
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL CHECK (kind IN ('hook', 'ctr', 'roas')),
    version INTEGER NOT NULL,
    feature_set TEXT NOT NULL,
    training_rows BIGINT NOT NULL,
    metrics TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('champion', 'challenger', 'retired')),
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    promoted_at TEXT,
    CONSTRAINT models_version_key UNIQUE (workspace_id, kind, version)
);
CREATE UNIQUE INDEX models_one_champion ON models (workspace_id, kind) WHERE status = 'champion';
