-- The account-wide sign-in slowdown as a slot per account: each slowed attempt
-- takes the next free slot (unix milliseconds) with one UPDATE and waits until
-- it, so parallel attempts at one account are spread out instead of all waiting
-- side by side.
ALTER TABLE login_limits ADD COLUMN next_slot_ms BIGINT NOT NULL DEFAULT 0;
