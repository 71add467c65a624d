-- CTR models trained from an ad platform's CSV export become a kind of their own
-- (ctr_export), with their own champion, so that one serves export rows while
-- the creative CTR model keeps serving the Studio.
ALTER TABLE models DROP CONSTRAINT models_kind_check;
ALTER TABLE models ADD CONSTRAINT models_kind_check CHECK (kind IN ('hook', 'ctr', 'ctr_export', 'roas'));

UPDATE models SET kind = 'ctr_export' WHERE kind = 'ctr' AND feature_set LIKE 'ctr-csv-%';

UPDATE predictions
SET kind = 'ctr_export', model_version = 'ctr_export' || substr(model_version, 4)
WHERE model_id IN (SELECT id FROM models WHERE kind = 'ctr_export') AND kind = 'ctr';

-- A workspace whose CTR champion was an export model gets its newest creative
-- CTR model back as champion.
UPDATE models SET status = 'champion'
WHERE kind = 'ctr' AND status = 'retired'
  AND id IN (SELECT MAX(id) FROM models WHERE kind = 'ctr' AND status = 'retired' GROUP BY workspace_id)
  AND NOT EXISTS (SELECT 1 FROM models c WHERE c.workspace_id = models.workspace_id
                  AND c.kind = 'ctr' AND c.status = 'champion');
