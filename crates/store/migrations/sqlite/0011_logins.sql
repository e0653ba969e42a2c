-- Which app each user id logs in through, and when last: the identity report reads it.
CREATE TABLE user_login (
    partner_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    app_id INTEGER NOT NULL REFERENCES app (id),
    logins INTEGER NOT NULL DEFAULT 0,
    first_login_at INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    PRIMARY KEY (partner_id, user_id, app_id)
);
