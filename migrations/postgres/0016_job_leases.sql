-- The row is the queue. A job is queued by inserting its row (one write that
-- cannot diverge from a second store), and a worker takes it by one guarded
-- UPDATE that leases the row to it until `lease_until`; a worker that stops
-- renewing its lease (killed, frozen) loses the job to the next worker. A
-- retried attempt waits until `run_after`. `fair_rank` is how many jobs of the
-- same workspace were queued or running when the job was queued: workers take
-- the lowest rank first, so each workspace's first waiting job goes before any
-- workspace's second. This replaces apalis' tables and the
-- queue key that kept the two in step.
ALTER TABLE background_jobs ADD COLUMN run_after TIMESTAMPTZ;
ALTER TABLE background_jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE background_jobs ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE background_jobs ADD COLUMN fair_rank BIGINT NOT NULL DEFAULT 0;
ALTER TABLE background_jobs DROP COLUMN queue_key;
-- What the claim reads: the unfinished jobs in the order workers take them.
CREATE INDEX background_jobs_queue_idx ON background_jobs (fair_rank, id)
    WHERE status IN ('queued', 'running');

-- Wakes waiting workers in every process when a row becomes queued, in the
-- same transaction (workers still poll, so a lost notification only delays).
CREATE FUNCTION titan_job_queued() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('titan_jobs', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER background_jobs_queued AFTER INSERT OR UPDATE OF status ON background_jobs
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION titan_job_queued();

DROP SCHEMA IF EXISTS apalis CASCADE;
DROP FUNCTION IF EXISTS generate_ulid();
