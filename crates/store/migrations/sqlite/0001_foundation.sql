-- Partners, users, entries, categories, publications, members, upload tokens and revoked
-- sessions. Times are unix seconds. Booleans are 0/1 integers, as in the PostgreSQL schema.

CREATE TABLE partner (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    admin_secret TEXT NOT NULL,
    secret TEXT NOT NULL,
    entitlement_default INTEGER NOT NULL DEFAULT 1,
    ks_version INTEGER NOT NULL DEFAULT 2,
    ks_max_expiry INTEGER NOT NULL DEFAULT 86400,
    categories_per_entry INTEGER NOT NULL DEFAULT 100,
    created_at INTEGER NOT NULL
);
-- Kaltura partner ids start above the reserved system partners.
INSERT INTO sqlite_sequence (name, seq) VALUES ('partner', 100);

CREATE TABLE users (
    partner_id INTEGER NOT NULL REFERENCES partner (id),
    id TEXT NOT NULL,
    screen_name TEXT,
    full_name TEXT,
    first_name TEXT,
    last_name TEXT,
    email TEXT,
    description TEXT,
    tags TEXT,
    admin_tags TEXT,
    partner_data TEXT,
    status INTEGER NOT NULL DEFAULT 1,
    is_admin INTEGER NOT NULL DEFAULT 0,
    user_type INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER,
    last_login_time INTEGER,
    PRIMARY KEY (partner_id, id)
);

CREATE TABLE entry (
    id TEXT PRIMARY KEY,
    partner_id INTEGER NOT NULL REFERENCES partner (id),
    name TEXT NOT NULL DEFAULT '',
    description TEXT,
    tags TEXT,
    admin_tags TEXT,
    owner_id TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    media_type INTEGER,
    entry_type INTEGER NOT NULL DEFAULT 1,
    reference_id TEXT,
    partner_data TEXT,
    partner_sort_value INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER,
    width INTEGER,
    height INTEGER,
    size_bytes INTEGER,
    plays INTEGER NOT NULL DEFAULT 0,
    views INTEGER NOT NULL DEFAULT 0,
    last_played_at INTEGER,
    start_date INTEGER,
    end_date INTEGER,
    display_in_search INTEGER NOT NULL DEFAULT 1,
    template_entry_id TEXT,
    source_key TEXT,
    source_type TEXT,
    source_file_name TEXT,
    credit_user_name TEXT,
    credit_url TEXT,
    conversion_profile_id INTEGER,
    version INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX entry_by_owner ON entry (partner_id, owner_id, created_at);
CREATE INDEX entry_by_partner ON entry (partner_id, created_at);
CREATE INDEX entry_by_reference ON entry (partner_id, reference_id);

-- role: 1 co-editor, 2 co-publisher, 3 co-viewer.
CREATE TABLE entry_collaborator (
    entry_id TEXT NOT NULL REFERENCES entry (id),
    role INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    partner_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (entry_id, role, user_id)
);
CREATE INDEX entry_collaborator_by_user ON entry_collaborator (partner_id, user_id);

CREATE TABLE category (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id INTEGER NOT NULL REFERENCES partner (id),
    parent_id INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    full_name TEXT NOT NULL,
    full_ids TEXT NOT NULL,
    depth INTEGER NOT NULL,
    description TEXT,
    tags TEXT,
    reference_id TEXT,
    partner_data TEXT,
    partner_sort_value INTEGER NOT NULL DEFAULT 0,
    privacy INTEGER NOT NULL DEFAULT 1,
    appear_in_list INTEGER NOT NULL DEFAULT 1,
    inheritance_type INTEGER NOT NULL DEFAULT 2,
    user_join_policy INTEGER NOT NULL DEFAULT 3,
    default_permission_level INTEGER NOT NULL DEFAULT 3,
    contribution_policy INTEGER NOT NULL DEFAULT 1,
    moderation INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    privacy_context TEXT NOT NULL DEFAULT '',
    privacy_contexts TEXT NOT NULL DEFAULT '',
    inherited_parent_id INTEGER NOT NULL DEFAULT 0,
    entries_count INTEGER NOT NULL DEFAULT 0,
    direct_entries_count INTEGER NOT NULL DEFAULT 0,
    pending_entries_count INTEGER NOT NULL DEFAULT 0,
    members_count INTEGER NOT NULL DEFAULT 0,
    pending_members_count INTEGER NOT NULL DEFAULT 0,
    direct_sub_categories_count INTEGER NOT NULL DEFAULT 0,
    status INTEGER NOT NULL DEFAULT 2,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX category_by_full_name ON category (partner_id, full_name) WHERE status <> 3;
CREATE INDEX category_by_parent ON category (partner_id, parent_id);
CREATE INDEX category_by_full_ids ON category (partner_id, full_ids);

-- A publication: an entry in a category, with who added it and why.
CREATE TABLE category_entry (
    category_id INTEGER NOT NULL REFERENCES category (id),
    entry_id TEXT NOT NULL REFERENCES entry (id),
    partner_id INTEGER NOT NULL,
    status INTEGER NOT NULL,
    creator_user_id TEXT,
    reason TEXT NOT NULL DEFAULT 'api',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (category_id, entry_id)
);
CREATE INDEX category_entry_by_entry ON category_entry (entry_id);
CREATE INDEX category_entry_by_category ON category_entry (category_id, status, created_at);

CREATE TABLE category_user (
    category_id INTEGER NOT NULL REFERENCES category (id),
    user_id TEXT NOT NULL,
    partner_id INTEGER NOT NULL,
    permission_level INTEGER NOT NULL,
    permission_names TEXT NOT NULL,
    status INTEGER NOT NULL,
    update_method INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (category_id, user_id)
);
CREATE INDEX category_user_by_user ON category_user (partner_id, user_id);

CREATE TABLE upload_token (
    id TEXT PRIMARY KEY,
    partner_id INTEGER NOT NULL REFERENCES partner (id),
    user_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    file_name TEXT,
    file_size DOUBLE PRECISION,
    uploaded_size INTEGER NOT NULL DEFAULT 0,
    auto_finalize INTEGER NOT NULL DEFAULT 0,
    attached_object_type TEXT,
    attached_object_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX upload_token_by_user ON upload_token (partner_id, user_id);

-- Sessions ended with session.end, until they would have expired anyway.
CREATE TABLE revoked_session (
    ks_hash TEXT PRIMARY KEY,
    partner_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- How many calls a session limited by `actionslimit` has made.
CREATE TABLE session_use (
    ks_hash TEXT PRIMARY KEY,
    uses INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
