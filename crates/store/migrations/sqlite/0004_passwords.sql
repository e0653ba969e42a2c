-- Local portal logins: a password hash per user (Argon2id, PHC string), and recent failed
-- attempts per user name or address, which slow further attempts down.
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE login_failure (
    partner_id INTEGER NOT NULL,
    subject TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    PRIMARY KEY (partner_id, subject)
);
