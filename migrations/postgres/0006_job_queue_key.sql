-- Each queueing of a job gets a fresh key, written on its queue task too, so
-- that a start can tell a job whose task was never written (the process died
-- between the two writes) and queue it, without ever queueing one twice.
ALTER TABLE background_jobs ADD COLUMN queue_key TEXT;
