-- Workspace admins manage their people. A deactivated user keeps their row (their
-- jobs and models still name them) but can no longer sign in, and every session
-- they hold stops counting at once: the session lookup skips them.
ALTER TABLE users ADD COLUMN deactivated_at TEXT;

-- One-time links to choose a password: a new person's first one, or a reset.
-- Only a SHA-256 of the token is stored, so a copy of the database cannot sign
-- anyone in. expires_at and used_at are unix seconds.
CREATE TABLE password_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    CONSTRAINT password_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);

-- The people of one workspace are listed and their admins counted by workspace.
CREATE INDEX users_workspace_idx ON users (workspace_id, role);
