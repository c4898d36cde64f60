-- Every supporter in their own language (issue 10).
-- The language a person chose with /language, which every message to them follows
-- (broadcasts included); without one, the platform's language of each message is used.
CREATE TABLE languages (
    platform    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    language    TEXT NOT NULL,
    chosen_at   TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);

-- The language a signer signed in (their last known one, for broadcasts), and the language
-- of the consent text each consent was given to: versions are per language. Before this
-- migration only English was shipped, so every earlier signature and consent was English.
ALTER TABLE signatures ADD COLUMN language TEXT;
UPDATE signatures SET language = 'en';
ALTER TABLE consents ADD COLUMN language TEXT;
UPDATE consents SET language = 'en' WHERE kind = 'processing';

-- /stats by language: a counter per language beside the others, English for earlier ones.
INSERT INTO tallies (petition, dimension, key, n)
    SELECT petition, 'language', 'en', n FROM tallies WHERE dimension = 'total' AND key = '';

-- A broadcast's text per language ({"es": "..."}); the text column is the default one. The
-- language of its author, which its progress and summary are written in.
ALTER TABLE broadcasts ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE broadcasts ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
