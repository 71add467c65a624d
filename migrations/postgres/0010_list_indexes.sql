-- Lists are read a page at a time, newest first, per workspace: each ORDER BY
-- has an index that starts with the workspace (creatives, assets and models
-- already have one).
CREATE INDEX campaigns_workspace_created_idx ON campaigns (workspace_id, created_at, id);
CREATE INDEX background_jobs_workspace_idx ON background_jobs (workspace_id, id);
