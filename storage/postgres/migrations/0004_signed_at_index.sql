-- The public feed's last 24 hours count active signatures by the time they were signed, at
-- most once a second per petition: an index range, not a scan of the petition's signatures.

CREATE INDEX signatures_signed_at ON signatures (petition, signed_at) WHERE withdrawn_at IS NULL;
