-- Users and their API keys. A key is stored only as the SHA-256 (lower-case hex) of its full text; the plaintext never
-- reaches the database. Emails are unique case-insensitively through their normalized form (NFC, lower case).
CREATE TABLE accounts_users (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL,
    email_normalized TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    created_at       timestamptz NOT NULL,
    CONSTRAINT ux_accounts_users_email UNIQUE (email_normalized)
);

CREATE TABLE accounts_api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES accounts_users (id),
    key_hash     TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    label        TEXT NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NULL,
    revoked_at   timestamptz NULL,
    CONSTRAINT ux_accounts_api_keys_key_hash UNIQUE (key_hash)
);

CREATE INDEX ix_accounts_api_keys_user_id ON accounts_api_keys (user_id, created_at);
