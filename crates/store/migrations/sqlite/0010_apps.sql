-- Applications of a partner: the video portal and LMS apps, each with its own root
-- category and module settings (a JSON object of modules, holding only what was set).
CREATE TABLE app (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id INTEGER NOT NULL REFERENCES partner (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    base_url TEXT NOT NULL,
    root_category_id INTEGER NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    lti11_key TEXT NOT NULL,
    lti11_secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX app_by_partner ON app (partner_id);
