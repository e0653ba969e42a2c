-- Applicative roles given to users per app; a user without a row has the app's default.
CREATE TABLE app_role (
    app_id BIGINT NOT NULL REFERENCES app (id),
    partner_id BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (app_id, user_id)
);

-- Login tokens from a gateway that were used, kept until they expire so that none is used
-- twice.
CREATE TABLE used_login_token (
    token_key TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

-- Courses of LMS apps: the course gallery of each LMS context, and the title people know
-- it by.
CREATE TABLE course (
    app_id BIGINT NOT NULL REFERENCES app (id),
    context_id TEXT NOT NULL,
    title TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    PRIMARY KEY (app_id, context_id)
);
CREATE INDEX course_by_category ON course (category_id);
