-- Workspaces own everything a marketer sees.
CREATE TABLE workspaces (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);

-- People who sign in. email is stored lower-cased; role is 'admin' or 'marketer'.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'marketer')),
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

-- Server-side sessions (tower-sessions records); expires_at is unix seconds.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Failed sign-ins, for rate limiting per IP and per account; at is unix seconds.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    ip TEXT NOT NULL,
    email TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_email_idx ON login_failures (email, at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, at);

-- Campaigns; platforms is a comma-separated list of platform codes.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    objective TEXT NOT NULL,
    daily_budget_cents BIGINT NOT NULL CHECK (daily_budget_cents > 0),
    currency TEXT NOT NULL,
    platforms TEXT NOT NULL CHECK (platforms <> ''),
    niche TEXT NOT NULL,
    status TEXT NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX campaigns_workspace_idx ON campaigns (workspace_id, status);
