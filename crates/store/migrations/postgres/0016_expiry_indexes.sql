-- Expired nonces and used login tokens are dropped on every launch and login; without an
-- index on their expiry each drop read the whole table.
CREATE INDEX lti_nonce_by_expiry ON lti_nonce (expires_at);
CREATE INDEX used_login_token_by_expiry ON used_login_token (expires_at);
