-- Signatures gathered offline. Imported rows are ordinary signatures (platform 'import'),
-- so they need no table of their own. A tally is a number counted without anyone's
-- details ("80, clipboards, Nov 12"): one row each, and its number added to the 'total',
-- 'day', 'source' ('tally') and 'tallied' counters in the same transaction.

CREATE TABLE offline_tallies (
    id              INTEGER PRIMARY KEY,
    petition        TEXT NOT NULL,
    n               INTEGER NOT NULL CHECK (n > 0),
    note            TEXT NOT NULL,
    actor           TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX offline_tallies_petition ON offline_tallies (petition, id);
