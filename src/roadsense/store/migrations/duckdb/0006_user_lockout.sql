-- roadsense store, version 6: sign-in lock-out. Failed sign-ins in a row per user, and
-- when the account was locked for too many of them (an admin unlocks it).
ALTER TABLE users ADD COLUMN failed_signins INTEGER DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_at TIMESTAMPTZ;
