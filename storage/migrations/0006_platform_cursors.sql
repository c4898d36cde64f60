-- Where each platform's stream of messages was last confirmed (a Matrix sync token): saved
-- only once every message before it is recorded in the inbox, so a restart resumes there,
-- neither replaying old messages nor skipping new ones. No personal data.

CREATE TABLE platform_cursors (
    platform        TEXT PRIMARY KEY,
    cursor          TEXT NOT NULL,
    saved_at        TEXT NOT NULL
);
