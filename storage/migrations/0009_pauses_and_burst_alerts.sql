-- Petitions an organizer paused (/pause): a row while paused, deleted by /resume. In the
-- store, not in memory, so every process and every restart sees the same pauses.
CREATE TABLE petition_pauses (
    petition        TEXT PRIMARY KEY,
    paused_at       TEXT NOT NULL
) WITHOUT ROWID;

-- Burst alerts sent to moderators: one per petition, dimension, value and hour, whichever
-- process sees the burst first (the unique key decides). Values are a platform, a referral
-- code or an email domain, never a person.
CREATE TABLE burst_alerts (
    id              INTEGER PRIMARY KEY,
    petition        TEXT NOT NULL,
    dimension       TEXT NOT NULL,
    value           TEXT NOT NULL,
    window_start    TEXT NOT NULL,
    count           INTEGER NOT NULL,
    at              TEXT NOT NULL,
    UNIQUE (petition, dimension, value, window_start)
);

-- One row per moderator to alert; whichever process serves the platform takes it (sent_at).
CREATE TABLE burst_alert_deliveries (
    alert_id        INTEGER NOT NULL REFERENCES burst_alerts (id),
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    sent_at         TEXT,
    PRIMARY KEY (alert_id, platform, user_id)
) WITHOUT ROWID;
CREATE INDEX burst_alert_deliveries_unsent ON burst_alert_deliveries (platform)
    WHERE sent_at IS NULL;
