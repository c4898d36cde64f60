-- Retention after a petition closes (SQLite's migration 0010). An anonymised signature keeps
-- what the counts and statistics are made of and still counts; its personal columns are
-- erased and its account id replaced. NULL: not anonymised.

ALTER TABLE signatures ADD COLUMN anonymised_at timestamptz;

-- The sweep of abandoned conversations reads them by the time of their last step.
CREATE INDEX conversations_updated ON conversations (updated_at);
