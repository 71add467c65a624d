-- CTR models trained from an ad platform's CSV export become a kind of their own
-- (ctr_export), with their own champion, so that one serves export rows while
-- the creative CTR model keeps serving the Studio. SQLite cannot change a CHECK
-- constraint, so the table is rebuilt with the same ids; the foreign keys of
-- predictions are checked at commit, when the rebuilt table is in place.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE models_before_0007 AS SELECT * FROM models;
DROP TABLE models;

CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL CHECK (kind IN ('hook', 'ctr', 'ctr_export', 'roas')),
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

-- Rows go back after the new table exists: SQLite settles the deferred checks
-- of predictions as their models reappear.
INSERT INTO models (id, workspace_id, kind, version, feature_set, training_rows, metrics, params,
                    status, created_by, created_at, promoted_at)
SELECT id, workspace_id,
       CASE WHEN kind = 'ctr' AND feature_set LIKE 'ctr-csv-%' THEN 'ctr_export' ELSE kind END,
       version, feature_set, training_rows, metrics, params, status, created_by, created_at, promoted_at
FROM models_before_0007;
DROP TABLE models_before_0007;
CREATE UNIQUE INDEX models_one_champion ON models (workspace_id, kind) WHERE status = 'champion';

UPDATE predictions
SET kind = 'ctr_export', model_version = 'ctr_export' || substr(model_version, 4)
WHERE model_id IN (SELECT id FROM models WHERE kind = 'ctr_export') AND kind = 'ctr';

-- Each kind left without a champion by the move gets its newest model back as
-- champion: a workspace whose CTR champion was an export model (its creative CTR
-- models were never compared with it, so they wait as challengers or retired),
-- and one whose export models waited behind a creative champion.
UPDATE models SET status = 'champion', promoted_at = created_at
WHERE kind IN ('ctr', 'ctr_export')
  AND id IN (SELECT MAX(id) FROM models WHERE kind IN ('ctr', 'ctr_export') GROUP BY workspace_id, kind)
  AND NOT EXISTS (SELECT 1 FROM models c WHERE c.workspace_id = models.workspace_id
                  AND c.kind = models.kind AND c.status = 'champion');
