-- Signatures, their consent, the counters that make counts instant, conversations, audit.

CREATE TABLE signatures (
    id              INTEGER PRIMARY KEY,
    petition        TEXT NOT NULL,
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    name            TEXT,
    email           TEXT,
    email_key       TEXT,              -- the address casefolded; NULL once withdrawn
    postal_code     TEXT,
    country         TEXT,
    source          TEXT,
    referrer_code   TEXT,
    ref_code        TEXT NOT NULL UNIQUE,
    opted_in        INTEGER NOT NULL,  -- current wish for updates; history in consents
    signed_at       TEXT NOT NULL,
    withdrawn_at    TEXT
);

-- One active signature per account and per email on each petition, enforced here so that
-- two concurrent signings can never both succeed.
CREATE UNIQUE INDEX signatures_one_per_account
    ON signatures (petition, platform, user_id) WHERE withdrawn_at IS NULL;
CREATE UNIQUE INDEX signatures_one_per_email
    ON signatures (petition, email_key) WHERE withdrawn_at IS NULL;
CREATE INDEX signatures_recent ON signatures (petition, id) WHERE withdrawn_at IS NULL;
CREATE INDEX signatures_account ON signatures (platform, user_id);

-- Consent is recorded apart from the signature: processing consent with the text version,
-- and the separate yes/no to updates; later changes (opting out) append rows.
CREATE TABLE consents (
    id              INTEGER PRIMARY KEY,
    signature_id    INTEGER NOT NULL REFERENCES signatures (id),
    kind            TEXT NOT NULL CHECK (kind IN ('processing', 'updates')),
    granted         INTEGER NOT NULL,
    text_version    TEXT,
    at              TEXT NOT NULL
);
CREATE INDEX consents_signature ON consents (signature_id, kind, id);

-- Running totals per petition: dimension 'total', 'day', 'platform', 'source', 'referrer'.
CREATE TABLE tallies (
    petition        TEXT NOT NULL,
    dimension       TEXT NOT NULL,
    key             TEXT NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (petition, dimension, key)
) WITHOUT ROWID;
CREATE INDEX tallies_top ON tallies (petition, dimension, n);

CREATE TABLE conversations (
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    state           TEXT NOT NULL,      -- the ConversationState as JSON
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    petition        TEXT,
    detail          TEXT NOT NULL DEFAULT ''
);
