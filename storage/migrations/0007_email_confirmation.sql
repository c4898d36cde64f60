-- Signatures confirmed by a code emailed to the signer (petitions with confirm_email).
-- A pending signature (pending = 1) holds its place (one per account and per address) but
-- is counted in the 'pending' tally only, and gets no broadcasts. Every signature stored
-- before this step counted at once: the default makes it confirmed.

ALTER TABLE signatures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;

CREATE INDEX signatures_pending ON signatures (petition, signed_at)
    WHERE pending = 1 AND withdrawn_at IS NULL;

-- One code per pending signature, only its salted hash; gone once confirmed or withdrawn.
CREATE TABLE email_codes (
    signature_id    INTEGER PRIMARY KEY REFERENCES signatures (id),
    code_hash       TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    wrong_tries     INTEGER NOT NULL DEFAULT 0,
    emails_sent     INTEGER NOT NULL DEFAULT 0,
    last_sent_at    TEXT,
    send_due_at     TEXT,              -- set until the email reached the mail server
    send_failures   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX email_codes_due ON email_codes (send_due_at) WHERE send_due_at IS NOT NULL;
