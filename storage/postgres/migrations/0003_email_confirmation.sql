-- Signatures confirmed by a code emailed to the signer (SQLite's migration 0007). A pending
-- signature holds its place (the unique indexes count it) but is tallied under 'pending'
-- only and gets no broadcasts. Signatures stored before this step counted at once: the
-- default makes them confirmed.

ALTER TABLE signatures ADD COLUMN pending boolean NOT NULL DEFAULT false;

CREATE INDEX signatures_pending ON signatures (petition, signed_at)
    WHERE pending AND withdrawn_at IS NULL;

-- One code per pending signature, only its salted hash; gone once confirmed or withdrawn.
CREATE TABLE email_codes (
    signature_id    bigint PRIMARY KEY REFERENCES signatures (id),
    code_hash       text NOT NULL,
    expires_at      timestamptz NOT NULL,
    wrong_tries     integer NOT NULL DEFAULT 0,
    emails_sent     integer NOT NULL DEFAULT 0,
    last_sent_at    timestamptz,
    send_due_at     timestamptz,        -- set until the email reached the mail server
    send_failures   integer NOT NULL DEFAULT 0
);
CREATE INDEX email_codes_due ON email_codes (send_due_at) WHERE send_due_at IS NOT NULL;
