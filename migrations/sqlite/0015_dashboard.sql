-- Watch time for the Hold score, and a per-campaign daily rollup for the dashboard.
--
-- thruplays: plays to completion (or 15 s) the platform reported; watch_ms: total
-- watch time, stored as the report's average watch seconds x impressions x 1000,
-- so ranges sum exactly and averages are sums over sums. Both stay NULL when the
-- report has no such column.
ALTER TABLE creative_daily ADD COLUMN thruplays BIGINT CHECK (thruplays >= 0);
ALTER TABLE creative_daily ADD COLUMN watch_ms BIGINT CHECK (watch_ms >= 0);

-- Sums of creative_daily per campaign, platform, placement and day, kept by the
-- triggers below in the same transaction as every write of creative_daily (the
-- imports, the demo seed, CRM credit), so the dashboard sums thousands of rows
-- where creative_daily holds millions. *_impressions count the impressions of
-- the days that reported thruplays / watch time, the denominators of their rates.
CREATE TABLE campaign_daily (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    placement TEXT NOT NULL,
    day TEXT NOT NULL,
    impressions BIGINT NOT NULL DEFAULT 0,
    views_3s BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    conversions BIGINT NOT NULL DEFAULT 0,
    spend_cents BIGINT NOT NULL DEFAULT 0,
    revenue_cents BIGINT NOT NULL DEFAULT 0,
    pipeline_revenue_cents BIGINT NOT NULL DEFAULT 0,
    thruplays BIGINT NOT NULL DEFAULT 0,
    thruplay_impressions BIGINT NOT NULL DEFAULT 0,
    watch_ms BIGINT NOT NULL DEFAULT 0,
    watch_impressions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, platform, placement, day)
);
CREATE INDEX campaign_daily_workspace_day_idx ON campaign_daily (workspace_id, day);

INSERT INTO campaign_daily (workspace_id, campaign_id, platform, placement, day, impressions, views_3s,
    clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents)
SELECT c.workspace_id, c.campaign_id, c.platform, c.placement, d.day, SUM(d.impressions), SUM(d.views_3s),
    SUM(d.clicks), SUM(d.conversions), SUM(d.spend_cents), SUM(d.revenue_cents), SUM(d.pipeline_revenue_cents)
FROM creative_daily d JOIN creatives c ON c.id = d.creative_id
GROUP BY c.workspace_id, c.campaign_id, c.platform, c.placement, d.day;

-- All-time sums per creative, kept by the same triggers: creative lists and the
-- Studio read one row per creative instead of summing every day of it.
CREATE TABLE creative_totals (
    creative_id INTEGER PRIMARY KEY REFERENCES creatives (id) ON DELETE CASCADE,
    days BIGINT NOT NULL DEFAULT 0,
    impressions BIGINT NOT NULL DEFAULT 0,
    views_3s BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    spend_cents BIGINT NOT NULL DEFAULT 0,
    revenue_cents BIGINT NOT NULL DEFAULT 0,
    pipeline_revenue_cents BIGINT NOT NULL DEFAULT 0
);

INSERT INTO creative_totals (creative_id, days, impressions, views_3s, clicks, spend_cents, revenue_cents,
    pipeline_revenue_cents)
SELECT creative_id, COUNT(*), SUM(impressions), SUM(views_3s), SUM(clicks), SUM(spend_cents), SUM(revenue_cents),
    SUM(pipeline_revenue_cents)
FROM creative_daily GROUP BY creative_id;

-- The same sums per workspace, currency, niche, platform, placement and day: what
-- the Overview and unfiltered Analytics read (dozens of rows a day however many
-- campaigns). Kept from campaign_daily by the triggers below, and moved when a
-- campaign's currency or niche changes.
CREATE TABLE workspace_daily (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    currency TEXT NOT NULL,
    niche TEXT NOT NULL,
    platform TEXT NOT NULL,
    placement TEXT NOT NULL,
    day TEXT NOT NULL,
    impressions BIGINT NOT NULL DEFAULT 0,
    views_3s BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    conversions BIGINT NOT NULL DEFAULT 0,
    spend_cents BIGINT NOT NULL DEFAULT 0,
    revenue_cents BIGINT NOT NULL DEFAULT 0,
    pipeline_revenue_cents BIGINT NOT NULL DEFAULT 0,
    thruplays BIGINT NOT NULL DEFAULT 0,
    thruplay_impressions BIGINT NOT NULL DEFAULT 0,
    watch_ms BIGINT NOT NULL DEFAULT 0,
    watch_impressions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, day, currency, niche, platform, placement)
);
CREATE UNIQUE INDEX workspace_daily_key ON workspace_daily (workspace_id, currency, niche, platform, placement, day);

INSERT INTO workspace_daily (workspace_id, currency, niche, platform, placement, day, impressions, views_3s, clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents, thruplays, thruplay_impressions, watch_ms, watch_impressions)
SELECT r.workspace_id, k.currency, k.niche, r.platform, r.placement, r.day, SUM(r.impressions), SUM(r.views_3s), SUM(r.clicks), SUM(r.conversions), SUM(r.spend_cents), SUM(r.revenue_cents), SUM(r.pipeline_revenue_cents), SUM(r.thruplays), SUM(r.thruplay_impressions), SUM(r.watch_ms), SUM(r.watch_impressions)
FROM campaign_daily r JOIN campaigns k ON k.id = r.campaign_id
GROUP BY r.workspace_id, k.currency, k.niche, r.platform, r.placement, r.day;

CREATE TRIGGER campaign_daily_workspace_insert AFTER INSERT ON campaign_daily BEGIN
    INSERT INTO workspace_daily (workspace_id, currency, niche, platform, placement, day, impressions, views_3s, clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents, thruplays, thruplay_impressions, watch_ms, watch_impressions)
    SELECT NEW.workspace_id, k.currency, k.niche, NEW.platform, NEW.placement, NEW.day, NEW.impressions, NEW.views_3s, NEW.clicks, NEW.conversions, NEW.spend_cents, NEW.revenue_cents, NEW.pipeline_revenue_cents, NEW.thruplays, NEW.thruplay_impressions, NEW.watch_ms, NEW.watch_impressions
    FROM campaigns k WHERE k.id = NEW.campaign_id
    ON CONFLICT (workspace_id, currency, niche, platform, placement, day) DO UPDATE SET
        impressions = workspace_daily.impressions + excluded.impressions,
        views_3s = workspace_daily.views_3s + excluded.views_3s,
        clicks = workspace_daily.clicks + excluded.clicks,
        conversions = workspace_daily.conversions + excluded.conversions,
        spend_cents = workspace_daily.spend_cents + excluded.spend_cents,
        revenue_cents = workspace_daily.revenue_cents + excluded.revenue_cents,
        pipeline_revenue_cents = workspace_daily.pipeline_revenue_cents + excluded.pipeline_revenue_cents,
        thruplays = workspace_daily.thruplays + excluded.thruplays,
        thruplay_impressions = workspace_daily.thruplay_impressions + excluded.thruplay_impressions,
        watch_ms = workspace_daily.watch_ms + excluded.watch_ms,
        watch_impressions = workspace_daily.watch_impressions + excluded.watch_impressions;
END;

CREATE TRIGGER campaign_daily_workspace_update AFTER UPDATE ON campaign_daily BEGIN
    INSERT INTO workspace_daily (workspace_id, currency, niche, platform, placement, day, impressions, views_3s, clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents, thruplays, thruplay_impressions, watch_ms, watch_impressions)
    SELECT NEW.workspace_id, k.currency, k.niche, NEW.platform, NEW.placement, NEW.day, NEW.impressions - OLD.impressions, NEW.views_3s - OLD.views_3s, NEW.clicks - OLD.clicks, NEW.conversions - OLD.conversions, NEW.spend_cents - OLD.spend_cents, NEW.revenue_cents - OLD.revenue_cents, NEW.pipeline_revenue_cents - OLD.pipeline_revenue_cents, NEW.thruplays - OLD.thruplays, NEW.thruplay_impressions - OLD.thruplay_impressions, NEW.watch_ms - OLD.watch_ms, NEW.watch_impressions - OLD.watch_impressions
    FROM campaigns k WHERE k.id = NEW.campaign_id
    ON CONFLICT (workspace_id, currency, niche, platform, placement, day) DO UPDATE SET
        impressions = workspace_daily.impressions + excluded.impressions,
        views_3s = workspace_daily.views_3s + excluded.views_3s,
        clicks = workspace_daily.clicks + excluded.clicks,
        conversions = workspace_daily.conversions + excluded.conversions,
        spend_cents = workspace_daily.spend_cents + excluded.spend_cents,
        revenue_cents = workspace_daily.revenue_cents + excluded.revenue_cents,
        pipeline_revenue_cents = workspace_daily.pipeline_revenue_cents + excluded.pipeline_revenue_cents,
        thruplays = workspace_daily.thruplays + excluded.thruplays,
        thruplay_impressions = workspace_daily.thruplay_impressions + excluded.thruplay_impressions,
        watch_ms = workspace_daily.watch_ms + excluded.watch_ms,
        watch_impressions = workspace_daily.watch_impressions + excluded.watch_impressions;
END;

CREATE TRIGGER campaigns_move_sums AFTER UPDATE OF currency, niche ON campaigns
WHEN OLD.currency <> NEW.currency OR OLD.niche <> NEW.niche
BEGIN
    INSERT INTO workspace_daily (workspace_id, currency, niche, platform, placement, day, impressions, views_3s, clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents, thruplays, thruplay_impressions, watch_ms, watch_impressions)
    SELECT OLD.workspace_id, OLD.currency, OLD.niche, r.platform, r.placement, r.day, -r.impressions, -r.views_3s, -r.clicks, -r.conversions, -r.spend_cents, -r.revenue_cents, -r.pipeline_revenue_cents, -r.thruplays, -r.thruplay_impressions, -r.watch_ms, -r.watch_impressions
    FROM campaign_daily r WHERE r.campaign_id = OLD.id AND 1 = 1
    ON CONFLICT (workspace_id, currency, niche, platform, placement, day) DO UPDATE SET
        impressions = workspace_daily.impressions + excluded.impressions,
        views_3s = workspace_daily.views_3s + excluded.views_3s,
        clicks = workspace_daily.clicks + excluded.clicks,
        conversions = workspace_daily.conversions + excluded.conversions,
        spend_cents = workspace_daily.spend_cents + excluded.spend_cents,
        revenue_cents = workspace_daily.revenue_cents + excluded.revenue_cents,
        pipeline_revenue_cents = workspace_daily.pipeline_revenue_cents + excluded.pipeline_revenue_cents,
        thruplays = workspace_daily.thruplays + excluded.thruplays,
        thruplay_impressions = workspace_daily.thruplay_impressions + excluded.thruplay_impressions,
        watch_ms = workspace_daily.watch_ms + excluded.watch_ms,
        watch_impressions = workspace_daily.watch_impressions + excluded.watch_impressions;
    INSERT INTO workspace_daily (workspace_id, currency, niche, platform, placement, day, impressions, views_3s, clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents, thruplays, thruplay_impressions, watch_ms, watch_impressions)
    SELECT NEW.workspace_id, NEW.currency, NEW.niche, r.platform, r.placement, r.day, r.impressions, r.views_3s, r.clicks, r.conversions, r.spend_cents, r.revenue_cents, r.pipeline_revenue_cents, r.thruplays, r.thruplay_impressions, r.watch_ms, r.watch_impressions
    FROM campaign_daily r WHERE r.campaign_id = NEW.id AND 1 = 1
    ON CONFLICT (workspace_id, currency, niche, platform, placement, day) DO UPDATE SET
        impressions = workspace_daily.impressions + excluded.impressions,
        views_3s = workspace_daily.views_3s + excluded.views_3s,
        clicks = workspace_daily.clicks + excluded.clicks,
        conversions = workspace_daily.conversions + excluded.conversions,
        spend_cents = workspace_daily.spend_cents + excluded.spend_cents,
        revenue_cents = workspace_daily.revenue_cents + excluded.revenue_cents,
        pipeline_revenue_cents = workspace_daily.pipeline_revenue_cents + excluded.pipeline_revenue_cents,
        thruplays = workspace_daily.thruplays + excluded.thruplays,
        thruplay_impressions = workspace_daily.thruplay_impressions + excluded.thruplay_impressions,
        watch_ms = workspace_daily.watch_ms + excluded.watch_ms,
        watch_impressions = workspace_daily.watch_impressions + excluded.watch_impressions;
END;

CREATE TRIGGER creative_daily_rollup_insert AFTER INSERT ON creative_daily BEGIN
    INSERT INTO campaign_daily (workspace_id, campaign_id, platform, placement, day, impressions, views_3s,
        clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents, thruplays,
        thruplay_impressions, watch_ms, watch_impressions)
    SELECT c.workspace_id, c.campaign_id, c.platform, c.placement, NEW.day, NEW.impressions, NEW.views_3s,
        NEW.clicks, NEW.conversions, NEW.spend_cents, NEW.revenue_cents, NEW.pipeline_revenue_cents,
        COALESCE(NEW.thruplays, 0), CASE WHEN NEW.thruplays IS NULL THEN 0 ELSE NEW.impressions END,
        COALESCE(NEW.watch_ms, 0), CASE WHEN NEW.watch_ms IS NULL THEN 0 ELSE NEW.impressions END
    FROM creatives c WHERE c.id = NEW.creative_id
    ON CONFLICT (campaign_id, platform, placement, day) DO UPDATE SET
        impressions = campaign_daily.impressions + excluded.impressions,
        views_3s = campaign_daily.views_3s + excluded.views_3s,
        clicks = campaign_daily.clicks + excluded.clicks,
        conversions = campaign_daily.conversions + excluded.conversions,
        spend_cents = campaign_daily.spend_cents + excluded.spend_cents,
        revenue_cents = campaign_daily.revenue_cents + excluded.revenue_cents,
        pipeline_revenue_cents = campaign_daily.pipeline_revenue_cents + excluded.pipeline_revenue_cents,
        thruplays = campaign_daily.thruplays + excluded.thruplays,
        thruplay_impressions = campaign_daily.thruplay_impressions + excluded.thruplay_impressions,
        watch_ms = campaign_daily.watch_ms + excluded.watch_ms,
        watch_impressions = campaign_daily.watch_impressions + excluded.watch_impressions;
    INSERT INTO creative_totals (creative_id, days, impressions, views_3s, clicks, spend_cents, revenue_cents,
        pipeline_revenue_cents)
    VALUES (NEW.creative_id, 1, NEW.impressions, NEW.views_3s, NEW.clicks, NEW.spend_cents, NEW.revenue_cents,
        NEW.pipeline_revenue_cents)
    ON CONFLICT (creative_id) DO UPDATE SET
        days = creative_totals.days + excluded.days,
        impressions = creative_totals.impressions + excluded.impressions,
        views_3s = creative_totals.views_3s + excluded.views_3s,
        clicks = creative_totals.clicks + excluded.clicks,
        spend_cents = creative_totals.spend_cents + excluded.spend_cents,
        revenue_cents = creative_totals.revenue_cents + excluded.revenue_cents,
        pipeline_revenue_cents = creative_totals.pipeline_revenue_cents + excluded.pipeline_revenue_cents;
END;

CREATE TRIGGER creative_daily_rollup_delete AFTER DELETE ON creative_daily BEGIN
    UPDATE campaign_daily SET
        impressions = impressions - OLD.impressions,
        views_3s = views_3s - OLD.views_3s,
        clicks = clicks - OLD.clicks,
        conversions = conversions - OLD.conversions,
        spend_cents = spend_cents - OLD.spend_cents,
        revenue_cents = revenue_cents - OLD.revenue_cents,
        pipeline_revenue_cents = pipeline_revenue_cents - OLD.pipeline_revenue_cents,
        thruplays = thruplays - COALESCE(OLD.thruplays, 0),
        thruplay_impressions = thruplay_impressions - CASE WHEN OLD.thruplays IS NULL THEN 0 ELSE OLD.impressions END,
        watch_ms = watch_ms - COALESCE(OLD.watch_ms, 0),
        watch_impressions = watch_impressions - CASE WHEN OLD.watch_ms IS NULL THEN 0 ELSE OLD.impressions END
    WHERE (campaign_id, platform, placement) =
        (SELECT campaign_id, platform, placement FROM creatives WHERE id = OLD.creative_id)
      AND day = OLD.day;
    UPDATE creative_totals SET
        days = days - 1,
        impressions = impressions - OLD.impressions,
        views_3s = views_3s - OLD.views_3s,
        clicks = clicks - OLD.clicks,
        spend_cents = spend_cents - OLD.spend_cents,
        revenue_cents = revenue_cents - OLD.revenue_cents,
        pipeline_revenue_cents = pipeline_revenue_cents - OLD.pipeline_revenue_cents
    WHERE creative_id = OLD.creative_id;
END;

CREATE TRIGGER creative_daily_rollup_update AFTER UPDATE ON creative_daily BEGIN
    UPDATE campaign_daily SET
        impressions = impressions - OLD.impressions,
        views_3s = views_3s - OLD.views_3s,
        clicks = clicks - OLD.clicks,
        conversions = conversions - OLD.conversions,
        spend_cents = spend_cents - OLD.spend_cents,
        revenue_cents = revenue_cents - OLD.revenue_cents,
        pipeline_revenue_cents = pipeline_revenue_cents - OLD.pipeline_revenue_cents,
        thruplays = thruplays - COALESCE(OLD.thruplays, 0),
        thruplay_impressions = thruplay_impressions - CASE WHEN OLD.thruplays IS NULL THEN 0 ELSE OLD.impressions END,
        watch_ms = watch_ms - COALESCE(OLD.watch_ms, 0),
        watch_impressions = watch_impressions - CASE WHEN OLD.watch_ms IS NULL THEN 0 ELSE OLD.impressions END
    WHERE (campaign_id, platform, placement) =
        (SELECT campaign_id, platform, placement FROM creatives WHERE id = OLD.creative_id)
      AND day = OLD.day;
    INSERT INTO campaign_daily (workspace_id, campaign_id, platform, placement, day, impressions, views_3s,
        clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents, thruplays,
        thruplay_impressions, watch_ms, watch_impressions)
    SELECT c.workspace_id, c.campaign_id, c.platform, c.placement, NEW.day, NEW.impressions, NEW.views_3s,
        NEW.clicks, NEW.conversions, NEW.spend_cents, NEW.revenue_cents, NEW.pipeline_revenue_cents,
        COALESCE(NEW.thruplays, 0), CASE WHEN NEW.thruplays IS NULL THEN 0 ELSE NEW.impressions END,
        COALESCE(NEW.watch_ms, 0), CASE WHEN NEW.watch_ms IS NULL THEN 0 ELSE NEW.impressions END
    FROM creatives c WHERE c.id = NEW.creative_id
    ON CONFLICT (campaign_id, platform, placement, day) DO UPDATE SET
        impressions = campaign_daily.impressions + excluded.impressions,
        views_3s = campaign_daily.views_3s + excluded.views_3s,
        clicks = campaign_daily.clicks + excluded.clicks,
        conversions = campaign_daily.conversions + excluded.conversions,
        spend_cents = campaign_daily.spend_cents + excluded.spend_cents,
        revenue_cents = campaign_daily.revenue_cents + excluded.revenue_cents,
        pipeline_revenue_cents = campaign_daily.pipeline_revenue_cents + excluded.pipeline_revenue_cents,
        thruplays = campaign_daily.thruplays + excluded.thruplays,
        thruplay_impressions = campaign_daily.thruplay_impressions + excluded.thruplay_impressions,
        watch_ms = campaign_daily.watch_ms + excluded.watch_ms,
        watch_impressions = campaign_daily.watch_impressions + excluded.watch_impressions;
    UPDATE creative_totals SET
        days = days - 1,
        impressions = impressions - OLD.impressions,
        views_3s = views_3s - OLD.views_3s,
        clicks = clicks - OLD.clicks,
        spend_cents = spend_cents - OLD.spend_cents,
        revenue_cents = revenue_cents - OLD.revenue_cents,
        pipeline_revenue_cents = pipeline_revenue_cents - OLD.pipeline_revenue_cents
    WHERE creative_id = OLD.creative_id;
    INSERT INTO creative_totals (creative_id, days, impressions, views_3s, clicks, spend_cents, revenue_cents,
        pipeline_revenue_cents)
    VALUES (NEW.creative_id, 1, NEW.impressions, NEW.views_3s, NEW.clicks, NEW.spend_cents, NEW.revenue_cents,
        NEW.pipeline_revenue_cents)
    ON CONFLICT (creative_id) DO UPDATE SET
        days = creative_totals.days + excluded.days,
        impressions = creative_totals.impressions + excluded.impressions,
        views_3s = creative_totals.views_3s + excluded.views_3s,
        clicks = creative_totals.clicks + excluded.clicks,
        spend_cents = creative_totals.spend_cents + excluded.spend_cents,
        revenue_cents = creative_totals.revenue_cents + excluded.revenue_cents,
        pipeline_revenue_cents = creative_totals.pipeline_revenue_cents + excluded.pipeline_revenue_cents;
END;

-- A creative's results leave the rollups with it: its days are deleted (and
-- subtracted by the trigger above) while it still names its campaign.
CREATE TRIGGER creatives_delete_results BEFORE DELETE ON creatives BEGIN
    DELETE FROM creative_daily WHERE creative_id = OLD.id;
END;

-- The rollups are keyed by a creative's campaign, platform and placement.
CREATE TRIGGER creatives_keys_fixed BEFORE UPDATE OF campaign_id, platform, placement ON creatives
WHEN OLD.campaign_id <> NEW.campaign_id OR OLD.platform <> NEW.platform OR OLD.placement <> NEW.placement
BEGIN
    SELECT RAISE(ABORT, 'a creative''s campaign, platform and placement cannot change once it exists');
END;

-- Running sums per creative: each row holds the creative's totals from its first
-- day up to and including `day`, so a range's totals are two lookups (the last
-- row on or before its end minus the last row before its start), not a scan of
-- every day. Kept by the triggers below with creative_daily; a day written late
-- adds to the rows after it.
CREATE TABLE creative_running (
    creative_id INTEGER NOT NULL REFERENCES creatives (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    impressions BIGINT NOT NULL,
    views_3s BIGINT NOT NULL,
    clicks BIGINT NOT NULL,
    conversions BIGINT NOT NULL,
    spend_cents BIGINT NOT NULL,
    revenue_cents BIGINT NOT NULL,
    pipeline_cents BIGINT NOT NULL,
    thruplays BIGINT NOT NULL,
    thruplay_impressions BIGINT NOT NULL,
    watch_ms BIGINT NOT NULL,
    watch_impressions BIGINT NOT NULL,
    PRIMARY KEY (creative_id, day)
) WITHOUT ROWID;

INSERT INTO creative_running (creative_id, day, impressions, views_3s, clicks, conversions, spend_cents, revenue_cents, pipeline_cents, thruplays, thruplay_impressions, watch_ms, watch_impressions)
SELECT creative_id, day, SUM(d.impressions) OVER w, SUM(d.views_3s) OVER w, SUM(d.clicks) OVER w, SUM(d.conversions) OVER w, SUM(d.spend_cents) OVER w, SUM(d.revenue_cents) OVER w, SUM(d.pipeline_revenue_cents) OVER w, SUM(COALESCE(d.thruplays, 0)) OVER w, SUM(CASE WHEN d.thruplays IS NULL THEN 0 ELSE d.impressions END) OVER w, SUM(COALESCE(d.watch_ms, 0)) OVER w, SUM(CASE WHEN d.watch_ms IS NULL THEN 0 ELSE d.impressions END) OVER w
FROM creative_daily d
WINDOW w AS (PARTITION BY creative_id ORDER BY day ROWS UNBOUNDED PRECEDING);

CREATE TRIGGER creative_daily_running_insert AFTER INSERT ON creative_daily BEGIN
    INSERT INTO creative_running (creative_id, day, impressions, views_3s, clicks, conversions, spend_cents, revenue_cents, pipeline_cents, thruplays, thruplay_impressions, watch_ms, watch_impressions)
    SELECT NEW.creative_id, NEW.day, COALESCE(p.impressions, 0) + NEW.impressions, COALESCE(p.views_3s, 0) + NEW.views_3s, COALESCE(p.clicks, 0) + NEW.clicks, COALESCE(p.conversions, 0) + NEW.conversions, COALESCE(p.spend_cents, 0) + NEW.spend_cents, COALESCE(p.revenue_cents, 0) + NEW.revenue_cents, COALESCE(p.pipeline_cents, 0) + NEW.pipeline_revenue_cents, COALESCE(p.thruplays, 0) + COALESCE(NEW.thruplays, 0), COALESCE(p.thruplay_impressions, 0) + CASE WHEN NEW.thruplays IS NULL THEN 0 ELSE NEW.impressions END, COALESCE(p.watch_ms, 0) + COALESCE(NEW.watch_ms, 0), COALESCE(p.watch_impressions, 0) + CASE WHEN NEW.watch_ms IS NULL THEN 0 ELSE NEW.impressions END
    FROM (SELECT 1 AS one) AS one LEFT JOIN creative_running p ON p.creative_id = NEW.creative_id
        AND p.day = (SELECT MAX(r.day) FROM creative_running r WHERE r.creative_id = NEW.creative_id AND r.day < NEW.day);
    UPDATE creative_running SET
        impressions = impressions + NEW.impressions,
        views_3s = views_3s + NEW.views_3s,
        clicks = clicks + NEW.clicks,
        conversions = conversions + NEW.conversions,
        spend_cents = spend_cents + NEW.spend_cents,
        revenue_cents = revenue_cents + NEW.revenue_cents,
        pipeline_cents = pipeline_cents + NEW.pipeline_revenue_cents,
        thruplays = thruplays + COALESCE(NEW.thruplays, 0),
        thruplay_impressions = thruplay_impressions + CASE WHEN NEW.thruplays IS NULL THEN 0 ELSE NEW.impressions END,
        watch_ms = watch_ms + COALESCE(NEW.watch_ms, 0),
        watch_impressions = watch_impressions + CASE WHEN NEW.watch_ms IS NULL THEN 0 ELSE NEW.impressions END
    WHERE creative_id = NEW.creative_id AND day > NEW.day;
END;

CREATE TRIGGER creative_daily_running_update AFTER UPDATE ON creative_daily BEGIN
    UPDATE creative_running SET
        impressions = impressions - OLD.impressions + NEW.impressions,
        views_3s = views_3s - OLD.views_3s + NEW.views_3s,
        clicks = clicks - OLD.clicks + NEW.clicks,
        conversions = conversions - OLD.conversions + NEW.conversions,
        spend_cents = spend_cents - OLD.spend_cents + NEW.spend_cents,
        revenue_cents = revenue_cents - OLD.revenue_cents + NEW.revenue_cents,
        pipeline_cents = pipeline_cents - OLD.pipeline_revenue_cents + NEW.pipeline_revenue_cents,
        thruplays = thruplays - COALESCE(OLD.thruplays, 0) + COALESCE(NEW.thruplays, 0),
        thruplay_impressions = thruplay_impressions - CASE WHEN OLD.thruplays IS NULL THEN 0 ELSE OLD.impressions END + CASE WHEN NEW.thruplays IS NULL THEN 0 ELSE NEW.impressions END,
        watch_ms = watch_ms - COALESCE(OLD.watch_ms, 0) + COALESCE(NEW.watch_ms, 0),
        watch_impressions = watch_impressions - CASE WHEN OLD.watch_ms IS NULL THEN 0 ELSE OLD.impressions END + CASE WHEN NEW.watch_ms IS NULL THEN 0 ELSE NEW.impressions END
    WHERE creative_id = NEW.creative_id AND day >= NEW.day;
END;

CREATE TRIGGER creative_daily_running_delete AFTER DELETE ON creative_daily BEGIN
    DELETE FROM creative_running WHERE creative_id = OLD.creative_id AND day = OLD.day;
    UPDATE creative_running SET
        impressions = impressions - OLD.impressions,
        views_3s = views_3s - OLD.views_3s,
        clicks = clicks - OLD.clicks,
        conversions = conversions - OLD.conversions,
        spend_cents = spend_cents - OLD.spend_cents,
        revenue_cents = revenue_cents - OLD.revenue_cents,
        pipeline_cents = pipeline_cents - OLD.pipeline_revenue_cents,
        thruplays = thruplays - COALESCE(OLD.thruplays, 0),
        thruplay_impressions = thruplay_impressions - CASE WHEN OLD.thruplays IS NULL THEN 0 ELSE OLD.impressions END,
        watch_ms = watch_ms - COALESCE(OLD.watch_ms, 0),
        watch_impressions = watch_impressions - CASE WHEN OLD.watch_ms IS NULL THEN 0 ELSE OLD.impressions END
    WHERE creative_id = OLD.creative_id AND day > OLD.day;
END;

-- The running sums are keyed by (creative, day): a row of results keeps both.
CREATE TRIGGER creative_daily_key_fixed BEFORE UPDATE OF creative_id, day ON creative_daily
WHEN OLD.creative_id <> NEW.creative_id OR OLD.day <> NEW.day
BEGIN
    SELECT RAISE(ABORT, 'a row of results keeps its creative and day: delete it and insert another');
END;
