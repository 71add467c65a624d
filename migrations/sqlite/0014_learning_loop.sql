-- The learning loop: tracked clicks, snippet leads, CRM events and deals, their
-- attributions, integration settings, schedules and alerts. Times are unix seconds
-- (BIGINT) like the experiment tables: they are compared across windows.

-- Jobs without a person behind them (schedules, webhooks) have no owner. SQLite
-- cannot drop NOT NULL, so the table is rebuilt with the same rows and indexes.
CREATE TABLE background_jobs_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    owner_id INTEGER REFERENCES users (id),
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
    updated_at TEXT NOT NULL,
    queue_key TEXT,
    stored_bytes BIGINT NOT NULL DEFAULT 0
);
INSERT INTO background_jobs_new (id, kind, owner_id, workspace_id, input, status, stage, progress,
    attempts, max_attempts, error, outputs, cancel_requested, created_at, started_at, finished_at,
    updated_at, queue_key, stored_bytes)
SELECT id, kind, owner_id, workspace_id, input, status, stage, progress, attempts, max_attempts,
    error, outputs, cancel_requested, created_at, started_at, finished_at, updated_at, queue_key,
    stored_bytes
FROM background_jobs;
DROP TABLE background_jobs;
ALTER TABLE background_jobs_new RENAME TO background_jobs;
CREATE INDEX background_jobs_owner_idx ON background_jobs (owner_id, id);
CREATE INDEX background_jobs_status_idx ON background_jobs (status, id);
CREATE INDEX background_jobs_workspace_idx ON background_jobs (workspace_id, id);

-- Reach (unique people reached) makes frequency = impressions / reach; optional.
-- crm_pipeline_cents is the part of pipeline_revenue_cents that CRM attributions
-- added, so a results import replaces only what it brought.
ALTER TABLE creative_daily ADD COLUMN reach BIGINT CHECK (reach >= 0);
ALTER TABLE creative_daily ADD COLUMN crm_pipeline_cents BIGINT NOT NULL DEFAULT 0 CHECK (crm_pipeline_cents >= 0);
CREATE INDEX creative_daily_day_idx ON creative_daily (day);

-- A creative's landing page and the public token of its tracking link /t/{token}.
ALTER TABLE creatives ADD COLUMN landing_url TEXT;
ALTER TABLE creatives ADD COLUMN tracking_token TEXT;
CREATE UNIQUE INDEX creatives_tracking_token_idx ON creatives (tracking_token);

-- Integrations of a workspace. Secrets are sealed (AEAD, key from the environment)
-- and never read back to a page.
CREATE TABLE workspace_integrations (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id),
    hubspot_portal_id BIGINT,
    hubspot_app_secret TEXT,
    hubspot_token TEXT,
    webhook_secret TEXT,
    ip_policy TEXT NOT NULL DEFAULT 'truncated' CHECK (ip_policy IN ('full', 'truncated', 'hashed')),
    hubspot_checked_at BIGINT,
    hubspot_check TEXT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX workspace_integrations_portal_idx ON workspace_integrations (hubspot_portal_id);

-- Value of a CRM deal stage; pipeline '*' applies to every pipeline.
CREATE TABLE crm_stage_values (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    pipeline TEXT NOT NULL,
    stage TEXT NOT NULL,
    label TEXT NOT NULL,
    value_cents BIGINT NOT NULL CHECK (value_cents >= 0),
    is_lost BOOLEAN NOT NULL DEFAULT FALSE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, pipeline, stage)
);

-- A click through a tracking link. token is Titan's click id (appended to the
-- landing URL as tclid); ip is stored as the workspace's ip_policy says.
CREATE TABLE clicks (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    creative_id INTEGER NOT NULL REFERENCES creatives (id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    platform_click_id TEXT,
    platform TEXT,
    utm TEXT NOT NULL DEFAULT '{}',
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    fingerprint TEXT,
    occurred_at BIGINT NOT NULL
);
CREATE INDEX clicks_platform_id_idx ON clicks (workspace_id, platform_click_id);
CREATE INDEX clicks_fingerprint_idx ON clicks (workspace_id, fingerprint, occurred_at);
CREATE INDEX clicks_ip_idx ON clicks (workspace_id, ip, occurred_at);
CREATE INDEX clicks_creative_idx ON clicks (creative_id, occurred_at);

-- A lead reported by the landing-page snippet.
CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    click_id INTEGER REFERENCES clicks (id) ON DELETE SET NULL,
    fingerprint TEXT,
    email_hash TEXT,
    contact_id TEXT,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    occurred_at BIGINT NOT NULL
);
CREATE INDEX leads_email_idx ON leads (workspace_id, email_hash);
CREATE INDEX leads_contact_idx ON leads (workspace_id, contact_id);

-- Each webhook event as received (idempotent by the sender's event id). payload is
-- emptied by the clean-up schedule once it is old; the outcome stays.
CREATE TABLE crm_events (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    source TEXT NOT NULL CHECK (source IN ('hubspot', 'generic')),
    event_id TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    payload TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    outcome TEXT,
    job_id INTEGER,
    received_at BIGINT NOT NULL,
    processed_at BIGINT,
    UNIQUE (workspace_id, source, event_id)
);
CREATE INDEX crm_events_pending_idx ON crm_events (workspace_id, status, id);
CREATE INDEX crm_events_received_idx ON crm_events (received_at);

-- A deal as Titan has credited it so far: the high-water mark of its stage values,
-- and the click it was attributed to (the whole deal lands on that click's day).
CREATE TABLE crm_deals (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    source TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    stage TEXT NOT NULL,
    credited_cents BIGINT NOT NULL DEFAULT 0,
    lost BOOLEAN NOT NULL DEFAULT FALSE,
    creative_id INTEGER REFERENCES creatives (id) ON DELETE SET NULL,
    click_id INTEGER REFERENCES clicks (id) ON DELETE SET NULL,
    method TEXT NOT NULL DEFAULT 'unattributed',
    confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
    day TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, source, deal_id)
);

-- What each stage change of a deal credited, to which creative and day, how.
CREATE TABLE attributions (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    event_id INTEGER NOT NULL REFERENCES crm_events (id),
    source TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    creative_id INTEGER REFERENCES creatives (id) ON DELETE SET NULL,
    click_id INTEGER REFERENCES clicks (id) ON DELETE SET NULL,
    method TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    increment_cents BIGINT NOT NULL,
    day TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (event_id)
);
CREATE INDEX attributions_workspace_idx ON attributions (workspace_id, id);
CREATE INDEX attributions_creative_idx ON attributions (creative_id, id);

-- One row per schedule per workspace per slot: whichever process inserts it first
-- queues the slot's job; the others find the row and do nothing.
CREATE TABLE schedule_runs (
    schedule TEXT NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    slot BIGINT NOT NULL,
    job_id INTEGER,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (schedule, workspace_id, slot)
);

-- Alerts for people: a creative wearing out, a job that failed. key makes a rule's
-- alert for one creative open at most once at a time.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    creative_id INTEGER REFERENCES creatives (id) ON DELETE CASCADE,
    job_id INTEGER,
    admins_only BOOLEAN NOT NULL DEFAULT FALSE,
    headline TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'snoozed', 'resolved')),
    snoozed_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by INTEGER REFERENCES users (id)
);
CREATE INDEX alerts_workspace_idx ON alerts (workspace_id, status, id);
CREATE UNIQUE INDEX alerts_standing_key_idx ON alerts (workspace_id, key) WHERE status <> 'resolved';
