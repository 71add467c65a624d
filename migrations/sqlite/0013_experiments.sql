-- Experiments: a Thompson-sampling bandit over some creatives of one campaign.
-- All times in these tables are unix seconds (BIGINT): they are compared and
-- bucketed into periods, which needs one portable, exactly ordered spelling.

-- Conversions per day (the "conversion" metric is conversions per click).
ALTER TABLE creative_daily ADD COLUMN conversions BIGINT NOT NULL DEFAULT 0 CHECK (conversions >= 0);

-- config is the engine configuration as JSON (priors, decay, floor, caps, ...),
-- fixed when the experiment is created.
CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    name TEXT NOT NULL,
    metric TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'running', 'stopped')),
    config TEXT NOT NULL,
    winner_arm_id INTEGER,
    stop_note TEXT,
    created_by INTEGER REFERENCES users (id),
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    stopped_at BIGINT,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX experiments_workspace_idx ON experiments (workspace_id, id);

-- An arm is one creative in one experiment.
CREATE TABLE experiment_arms (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    creative_id INTEGER NOT NULL REFERENCES creatives (id),
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    added_at BIGINT NOT NULL,
    CONSTRAINT experiment_arms_creative_key UNIQUE (experiment_id, creative_id)
);

-- Applying a split starts a period; the previous one ends at the same instant.
CREATE TABLE experiment_periods (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    started_by INTEGER REFERENCES users (id),
    note TEXT NOT NULL DEFAULT '',
    CONSTRAINT experiment_periods_seq_key UNIQUE (experiment_id, seq)
);

-- The share of traffic each arm was given in a period (sums to 1).
CREATE TABLE experiment_splits (
    period_id INTEGER NOT NULL REFERENCES experiment_periods (id) ON DELETE CASCADE,
    arm_id INTEGER NOT NULL REFERENCES experiment_arms (id) ON DELETE CASCADE,
    share DOUBLE PRECISION NOT NULL CHECK (share >= 0 AND share <= 1),
    PRIMARY KEY (period_id, arm_id)
);

-- Events reported through the API, idempotent by the client's event id.
CREATE TABLE experiment_events (
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    arm_id INTEGER NOT NULL REFERENCES experiment_arms (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('impression', 'click', 'view_3s', 'conversion')),
    value_cents BIGINT NOT NULL DEFAULT 0 CHECK (value_cents >= 0),
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (experiment_id, event_id)
);
CREATE INDEX experiment_events_time_idx ON experiment_events (experiment_id, occurred_at);

-- API keys: only a SHA-256 of the secret is stored (keys are 256-bit random, so a
-- fast hash is enough); the prefix identifies a key in lists and logs.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT,
    CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);
CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, id);
