-- Changes other processes must hear about at once, announced on the
-- `titan_changes` channel when their transaction commits (the payload names
-- what changed). Each process listens and drops what it cached
-- (`src/db/changes.rs`): champion models, sessions and signed-in users, API
-- keys; and wakes its live job streams. Without this, another replica would
-- notice only when its cache entries expire.
CREATE FUNCTION titan_announce_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('titan_changes', TG_ARGV[0]);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER models_changed AFTER INSERT OR UPDATE OR DELETE ON models
    FOR EACH STATEMENT EXECUTE FUNCTION titan_announce_change('registry');
-- Role, deactivation and password changes; a sign-in alone does not matter.
CREATE TRIGGER users_changed AFTER UPDATE OF role, deactivated_at, password_hash OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION titan_announce_change('accounts');
-- Sessions ended (sign-out, sign-out everywhere, expiry sweeps).
CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION titan_announce_change('accounts');
CREATE TRIGGER api_keys_revoked AFTER UPDATE OF revoked_at OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION titan_announce_change('accounts');
-- Every job change (queued, progress, outcome) wakes the live job streams.
CREATE TRIGGER background_jobs_changed AFTER INSERT OR UPDATE ON background_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION titan_announce_change('jobs');
