-- CTR models trained from an ad platform's CSV export become a kind of their own
-- (ctr_export), with their own champion, so that one serves export rows while
-- the creative CTR model keeps serving the Studio.
ALTER TABLE models DROP CONSTRAINT models_kind_check;
ALTER TABLE models ADD CONSTRAINT models_kind_check CHECK (kind IN ('hook', 'ctr', 'ctr_export', 'roas'));

UPDATE models SET kind = 'ctr_export' WHERE kind = 'ctr' AND feature_set LIKE 'ctr-csv-%';

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
