-- Retention after a petition closes (`petition-bot purge`, core/retention.py). An anonymised
-- signature keeps what the counts and statistics are made of (petition, platform, source,
-- referral codes, dates, pending) and still counts; its personal columns are erased and its
-- account id replaced, so nobody can be found by it any more. NULL: not anonymised.

ALTER TABLE signatures ADD COLUMN anonymised_at TEXT;

-- The sweep of abandoned conversations reads them by the time of their last step.
CREATE INDEX conversations_updated ON conversations (updated_at);
