-- Uploaded source videos, probed by ffprobe on upload. file is relative to the media dir.
CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    owner_id INTEGER NOT NULL REFERENCES users (id),
    original_name TEXT NOT NULL,
    file TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    duration_secs DOUBLE PRECISION NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    has_audio BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX assets_workspace_idx ON assets (workspace_id, id);

-- Background jobs as people see them. The queue engine (apalis, tables Jobs/Workers)
-- carries only the id; named background_jobs because SQLite names ignore case.
-- this row holds status, progress, attempts, error and outputs (JSON).
CREATE TABLE background_jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id),
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    input TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead')),
    stage TEXT NOT NULL DEFAULT '',
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    error TEXT,
    outputs TEXT NOT NULL DEFAULT '[]',
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX background_jobs_owner_idx ON background_jobs (owner_id, id);
CREATE INDEX background_jobs_status_idx ON background_jobs (status, id);
