-- Which app each user id logs in through, and when last: the identity report reads it.
CREATE TABLE user_login (
    partner_id BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    app_id BIGINT NOT NULL REFERENCES app (id),
    logins BIGINT NOT NULL DEFAULT 0,
    first_login_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, user_id, app_id)
);
