-- Broadcasts: stored before the first send, one delivery row per recipient, so a restarted
-- bot resumes where it stopped and nobody gets the same broadcast twice.

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    petition            TEXT,              -- NULL: opted-in signers of every petition
    text                TEXT NOT NULL,
    author              TEXT NOT NULL,     -- platform:user_id of the organizer
    origin_platform     TEXT NOT NULL,
    origin_chat_id      TEXT NOT NULL,
    progress_message_id TEXT,
    status              TEXT NOT NULL
        CHECK (status IN ('draft', 'sending', 'done', 'cancelled')),
    total               INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    confirmed_at        TEXT,
    finished_at         TEXT,
    reported_at         TEXT               -- when the final summary went to the organizer
);

-- status: pending → in_flight → delivered | unreachable | failed; skipped (opted out or
-- withdrew before their turn), unknown (in flight when the process died: never resent),
-- cancelled (the broadcast was cancelled before their turn).
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    broadcast_id    INTEGER NOT NULL REFERENCES broadcasts (id),
    platform        TEXT NOT NULL,
    address         TEXT NOT NULL,      -- a user id, or a channel id for announcement posts
    kind            TEXT NOT NULL CHECK (kind IN ('person', 'channel')),
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    detail          TEXT,
    finished_at     TEXT,
    UNIQUE (broadcast_id, platform, address, kind)
);
CREATE INDEX deliveries_queue ON deliveries (broadcast_id, platform, status, id);
CREATE INDEX deliveries_status ON deliveries (status, platform);

-- People a platform said can never be reached (blocked the bot, DMs closed, account gone).
CREATE TABLE unreachable (
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;

-- Audience queries pick opted-in active signers per petition.
CREATE INDEX signatures_audience ON signatures (petition, platform, user_id)
    WHERE withdrawn_at IS NULL AND opted_in = 1;
