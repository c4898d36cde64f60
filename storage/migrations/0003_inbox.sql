-- The inbox: platform messages recorded before they are confirmed to the platform, so that
-- a crash loses none, and each is handled once (see core/inbox.py). The payload is kept
-- until the message is handled, the replies until they are sent; then only the ids and
-- times remain, for de-duplication of redeliveries, and the row is pruned after a week.

CREATE TABLE inbox (
    seq             INTEGER PRIMARY KEY,   -- arrival order, for replays after a crash
    platform        TEXT NOT NULL,
    message_id      TEXT NOT NULL,         -- the platform's id (a Telegram update_id)
    received_at     TEXT NOT NULL,
    payload         TEXT,                  -- the message as received; NULL once handled
    handled_at      TEXT,
    reply_to        TEXT,                  -- where the replies go (JSON); NULL once sent
    replies         TEXT,                  -- the replies (JSON); NULL once sent
    settled_at      TEXT,                  -- replies sent, or nothing to answer
    UNIQUE (platform, message_id)
);
CREATE INDEX inbox_open ON inbox (platform, seq) WHERE settled_at IS NULL;
CREATE INDEX inbox_settled ON inbox (settled_at) WHERE settled_at IS NOT NULL;
