-- Petitions an organizer paused (/pause), and burst alerts (SQLite's migration 0009).
CREATE TABLE petition_pauses (
    petition        text PRIMARY KEY,
    paused_at       timestamptz NOT NULL
);

-- One alert per petition, dimension, value and hour, whichever process sees the burst
-- first (the unique key decides). Values are a platform, a referral code or an email
-- domain, never a person.
CREATE TABLE burst_alerts (
    id              bigserial PRIMARY KEY,
    petition        text NOT NULL,
    dimension       text NOT NULL,
    value           text NOT NULL,
    window_start    timestamptz NOT NULL,
    count           integer NOT NULL,
    at              timestamptz NOT NULL,
    UNIQUE (petition, dimension, value, window_start)
);

-- One row per moderator to alert; whichever process serves the platform takes it (sent_at).
CREATE TABLE burst_alert_deliveries (
    alert_id        bigint NOT NULL REFERENCES burst_alerts (id),
    platform        text NOT NULL,
    user_id         text NOT NULL,
    sent_at         timestamptz,
    PRIMARY KEY (alert_id, platform, user_id)
);
CREATE INDEX burst_alert_deliveries_unsent ON burst_alert_deliveries (platform)
    WHERE sent_at IS NULL;
