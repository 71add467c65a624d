-- Bytes of the uploaded file a job keeps until it ends (a training CSV), counted
-- against the workspace's stored-media quota while the job is queued or running.
-- The file is deleted when the job ends, and then no longer counts.
ALTER TABLE background_jobs ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0;
