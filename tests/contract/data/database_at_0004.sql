-- A database as the release before migration 0005 wrote it (commit d4d8b48, schema version 4),
-- made by driving that release's PetitionBot through tests/unit/chat.py on a SqliteStore and
-- dumping the file with sqlite3's iterdump (which leaves out user_version; the last line sets it).
-- One conversation per step of the one state shape used then, each a different account:
--   telegram 11 confirm; 12 field 0 (from /start with a campaign source); 13 field 1; 14 field 2;
--   15 consent; 16 summary; 17 edit; 18 field 1 while editing; discord 21 form (refused once);
--   discord 22 consent after a form; telegram 31 withdraw (signed first);
--   organizers telegram 7 broadcast_text, 8 broadcast_audience, 9 broadcast_preview (draft #1).
BEGIN TRANSACTION;
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    petition        TEXT,
    detail          TEXT NOT NULL DEFAULT ''
);
INSERT INTO "audit_log" VALUES(1,'2026-11-30T12:00:00+00:00','telegram:7','broadcast',NULL,'');
INSERT INTO "audit_log" VALUES(2,'2026-11-30T12:00:00+00:00','telegram:8','broadcast',NULL,'');
INSERT INTO "audit_log" VALUES(3,'2026-11-30T12:00:00+00:00','telegram:9','broadcast','dont-run-joe','');
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
INSERT INTO "broadcasts" VALUES(1,'dont-run-joe','Rally on Sunday','telegram:9','telegram','9',NULL,'draft',0,'2026-11-30T12:00:00+00:00',NULL,NULL,NULL);
CREATE TABLE consents (
    id              INTEGER PRIMARY KEY,
    signature_id    INTEGER NOT NULL REFERENCES signatures (id),
    kind            TEXT NOT NULL CHECK (kind IN ('processing', 'updates')),
    granted         INTEGER NOT NULL,
    text_version    TEXT,
    at              TEXT NOT NULL
);
INSERT INTO "consents" VALUES(1,1,'processing',1,'2026-11-v1','2026-11-30T12:00:00+00:00');
INSERT INTO "consents" VALUES(2,1,'updates',1,NULL,'2026-11-30T12:00:00+00:00');
CREATE TABLE conversations (
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    state           TEXT NOT NULL,      -- the ConversationState as JSON
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;
INSERT INTO "conversations" VALUES('discord','21','{"platform":"discord","user_id":"21","petition":"dont-run-joe","step":"form","nonce":"qDlmTkQw","field_index":0,"answers":{"name":"Ed Fox","email":"not an address","postal_code":"12345"},"opted_in":null,"editing":false,"used_form":true,"form_error":"That doesn''t look like an email address. Please send one like jane@example.org.","source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('discord','22','{"platform":"discord","user_id":"22","petition":"dont-run-joe","step":"consent","nonce":"5thfRGKt","field_index":0,"answers":{"name":"Flo Gil","email":"flo@example.org","postal_code":"12345"},"opted_in":null,"editing":false,"used_form":true,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','11','{"platform":"telegram","user_id":"11","petition":"dont-run-joe","step":"confirm","nonce":"cWZhIfVJ","field_index":0,"answers":{},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','12','{"platform":"telegram","user_id":"12","petition":"dont-run-joe","step":"field","nonce":"TwqlBp2o","field_index":0,"answers":{},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":"newsletter","referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','13','{"platform":"telegram","user_id":"13","petition":"dont-run-joe","step":"field","nonce":"n3E_LeCA","field_index":1,"answers":{"name":"Jane Doe"},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','14','{"platform":"telegram","user_id":"14","petition":"dont-run-joe","step":"field","nonce":"V3uNM092","field_index":2,"answers":{"name":"Jane Doe","email":"jane14@example.org"},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','15','{"platform":"telegram","user_id":"15","petition":"dont-run-joe","step":"consent","nonce":"tz5quOfG","field_index":2,"answers":{"name":"Ann Lee","email":"ann@example.org","postal_code":"12345"},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','16','{"platform":"telegram","user_id":"16","petition":"dont-run-joe","step":"summary","nonce":"B5ZZc_Fb","field_index":2,"answers":{"name":"Bo Diaz","email":"bo@example.org","postal_code":"12345"},"opted_in":true,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','17','{"platform":"telegram","user_id":"17","petition":"dont-run-joe","step":"edit","nonce":"Z1I7MQj6","field_index":2,"answers":{"name":"Cy Ng","email":"cy@example.org","postal_code":"12345"},"opted_in":false,"editing":true,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','18','{"platform":"telegram","user_id":"18","petition":"dont-run-joe","step":"field","nonce":"fPmn6aD4","field_index":1,"answers":{"name":"Di Roe","email":"di@example.org","postal_code":"12345"},"opted_in":true,"editing":true,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','31','{"platform":"telegram","user_id":"31","petition":"dont-run-joe","step":"withdraw","nonce":"cGdboWY2","field_index":0,"answers":{},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','7','{"platform":"telegram","user_id":"7","petition":"dont-run-joe","step":"broadcast_text","nonce":"5AdN2eWE","field_index":0,"answers":{"text":""},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','8','{"platform":"telegram","user_id":"8","petition":"dont-run-joe","step":"broadcast_audience","nonce":"rHK4m-v0","field_index":0,"answers":{"text":"Rally on Saturday"},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
INSERT INTO "conversations" VALUES('telegram','9','{"platform":"telegram","user_id":"9","petition":"dont-run-joe","step":"broadcast_preview","nonce":"g09ztyT2","field_index":0,"answers":{"text":"Rally on Sunday","broadcast_id":"1"},"opted_in":null,"editing":false,"used_form":false,"form_error":null,"source":null,"referrer_code":null,"updated_at":"2026-11-30T12:00:00Z"}','2026-11-30T12:00:00+00:00');
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
INSERT INTO "signatures" VALUES(1,'dont-run-joe','telegram','31','Gus Hale','gus@example.org','gus@example.org','12345','US',NULL,NULL,'r_7S5Z33QJ',1,'2026-11-30T12:00:00+00:00',NULL);
CREATE TABLE tallies (
    petition        TEXT NOT NULL,
    dimension       TEXT NOT NULL,
    key             TEXT NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (petition, dimension, key)
) WITHOUT ROWID;
INSERT INTO "tallies" VALUES('dont-run-joe','day','2026-11-30',1);
INSERT INTO "tallies" VALUES('dont-run-joe','platform','telegram',1);
INSERT INTO "tallies" VALUES('dont-run-joe','source','direct',1);
INSERT INTO "tallies" VALUES('dont-run-joe','total','',1);
CREATE TABLE unreachable (
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX signatures_one_per_account
    ON signatures (petition, platform, user_id) WHERE withdrawn_at IS NULL;
CREATE UNIQUE INDEX signatures_one_per_email
    ON signatures (petition, email_key) WHERE withdrawn_at IS NULL;
CREATE INDEX signatures_recent ON signatures (petition, id) WHERE withdrawn_at IS NULL;
CREATE INDEX signatures_account ON signatures (platform, user_id);
CREATE INDEX consents_signature ON consents (signature_id, kind, id);
CREATE INDEX tallies_top ON tallies (petition, dimension, n);
CREATE INDEX deliveries_queue ON deliveries (broadcast_id, platform, status, id);
CREATE INDEX deliveries_status ON deliveries (status, platform);
CREATE INDEX signatures_audience ON signatures (petition, platform, user_id)
    WHERE withdrawn_at IS NULL AND opted_in = 1;
CREATE INDEX inbox_open ON inbox (platform, seq) WHERE settled_at IS NULL;
CREATE INDEX inbox_settled ON inbox (settled_at) WHERE settled_at IS NOT NULL;
PRAGMA user_version = 4;
COMMIT;
