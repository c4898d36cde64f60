-- Every supporter in their own language (issue 10).
-- The language a person chose with /language, which every message to them follows
-- (broadcasts included); without one, the platform's language of each message is used.
CREATE TABLE languages (
    platform    text NOT NULL,
    user_id     text NOT NULL,
    language    text NOT NULL,
    chosen_at   timestamptz NOT NULL,
    PRIMARY KEY (platform, user_id)
);

-- The language a signer signed in (their last known one, for broadcasts), and the language
-- of the consent text each consent was given to: versions are per language. Before this
-- migration only English was shipped, so every earlier signature and consent was English.
ALTER TABLE signatures ADD COLUMN language text;
UPDATE signatures SET language = 'en';
ALTER TABLE consents ADD COLUMN language text;
UPDATE consents SET language = 'en' WHERE kind = 'processing';

-- /stats by language: a counter per language beside the others, English for earlier ones.
INSERT INTO tallies (petition, dimension, key, shard, n)
    SELECT petition, 'language', 'en', shard, n FROM tallies WHERE dimension = 'total' AND key = '';

-- A broadcast's text per language ({"es": "..."}); the text column is the default one. The
-- language of its author, which its progress and summary are written in.
ALTER TABLE broadcasts ADD COLUMN translations text NOT NULL DEFAULT '{}';
ALTER TABLE broadcasts ADD COLUMN language text NOT NULL DEFAULT 'en';
