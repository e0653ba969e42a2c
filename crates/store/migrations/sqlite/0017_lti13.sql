-- LTI 1.3: the LMS platforms registered with each LMS app, the app's own signing keys,
-- and the OIDC logins under way.

-- One row per platform registration (issuer and client id) of an LMS app. The platform's
-- key set is cached here, so that a restart does not refetch it for every launch.
CREATE TABLE lti13_platform (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id INTEGER NOT NULL REFERENCES app (id),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    -- Comma-separated: a platform may deploy the same registration several times.
    deployment_ids TEXT NOT NULL,
    jwks_url TEXT NOT NULL,
    auth_url TEXT NOT NULL,
    token_url TEXT NOT NULL,
    jwks TEXT NOT NULL,
    jwks_fetched_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (app_id, issuer, client_id)
);

-- The app's RSA keys. The newest unretired key signs; retired keys stay in the published
-- key set for a while, so that platforms holding a cached copy still verify.
CREATE TABLE lti13_tool_key (
    kid TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES app (id),
    private_der TEXT NOT NULL,
    modulus TEXT NOT NULL,
    exponent TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);
CREATE INDEX lti13_tool_key_by_app ON lti13_tool_key (app_id, created_at);

-- OIDC logins waiting for the platform's id_token: the state is used once, and the nonce
-- must come back inside the signed token.
CREATE TABLE lti13_state (
    state TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES app (id),
    platform_id INTEGER NOT NULL REFERENCES lti13_platform (id),
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX lti13_state_by_expiry ON lti13_state (expires_at);

-- A Deep Linking request is answered with a signed JWT rather than an OAuth-signed form.
ALTER TABLE lti_selection ADD COLUMN platform_id INTEGER REFERENCES lti13_platform (id);
ALTER TABLE lti_selection ADD COLUMN deployment_id TEXT NOT NULL DEFAULT '';
