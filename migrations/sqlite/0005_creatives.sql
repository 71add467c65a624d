-- Creatives: an ad (video, hook line, call to action) placed in a campaign on one
-- platform and placement. features holds the extracted CreativeFeatures (JSON) of
-- feature_set; analysis the last analysis (JSON predictions with model versions).
CREATE TABLE creatives (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    name TEXT NOT NULL,
    asset_id INTEGER REFERENCES assets (id),
    hook_text TEXT NOT NULL,
    cta_text TEXT NOT NULL,
    captions TEXT NOT NULL DEFAULT '[]',
    platform TEXT NOT NULL,
    placement TEXT NOT NULL,
    features TEXT,
    feature_set TEXT,
    analysis TEXT,
    analyzed_at TEXT,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX creatives_workspace_idx ON creatives (workspace_id, id);

-- Daily delivery and results of a creative. revenue_cents is booked revenue;
-- pipeline_revenue_cents is revenue attributed from CRM deal stages.
CREATE TABLE creative_daily (
    creative_id INTEGER NOT NULL REFERENCES creatives (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    impressions BIGINT NOT NULL CHECK (impressions >= 0),
    views_3s BIGINT NOT NULL CHECK (views_3s >= 0),
    clicks BIGINT NOT NULL CHECK (clicks >= 0),
    spend_cents BIGINT NOT NULL CHECK (spend_cents >= 0),
    revenue_cents BIGINT NOT NULL CHECK (revenue_cents >= 0),
    pipeline_revenue_cents BIGINT NOT NULL CHECK (pipeline_revenue_cents >= 0),
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (creative_id, day)
);

-- Predictions about a creative name it, so its actuals can be matched later.
ALTER TABLE predictions ADD COLUMN creative_id INTEGER REFERENCES creatives (id);
CREATE INDEX predictions_creative_idx ON predictions (creative_id);
