-- OAuth nonces of LTI 1.1 launches, kept until their timestamps leave the allowed window
-- so that no launch is accepted twice.
CREATE TABLE lti_nonce (
    consumer_key TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (consumer_key, nonce)
);
