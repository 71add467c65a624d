-- Sessions are findable by their user, so a password change, a deactivation or
-- "sign out everywhere" can end them; created_at (unix seconds) bounds a session's
-- whole life, not only its inactivity. Rows written before this migration get their
-- user from the stored data and start their life now.
ALTER TABLE sessions ADD COLUMN user_id BIGINT;
ALTER TABLE sessions ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions
SET user_id = CAST(json_extract(data, '$.user_id') AS INTEGER),
    created_at = CAST(strftime('%s', 'now') AS INTEGER)
WHERE json_valid(data);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Sign-in limits as counters, one row per key (an account from one network, a
-- network, an account from anywhere), each counting within a window that starts at
-- its first failure. A sign-in reserves its attempt with one conditional upsert
-- before the password is checked, so parallel attempts cannot all pass a count
-- read before any of them was recorded. Keys hold at most 254 characters of email.
CREATE TABLE login_limits (
    bucket TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL
);
CREATE INDEX login_limits_window_start_idx ON login_limits (window_start);

DROP TABLE login_failures;
