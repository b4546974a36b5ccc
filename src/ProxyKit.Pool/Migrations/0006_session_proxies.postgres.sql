-- Proxies bound to sessions (cookies of the accounts that go out through them). Kept apart from pool_proxies: these are
-- entered by hand, unique per endpoint (ip, port), and counted per request. Passwords are stored only encrypted.
CREATE TABLE pool_session_proxies (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip                  TEXT NOT NULL,
    port                INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    username            TEXT NULL,
    password_protected  TEXT NULL,
    status              TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    total_requests      BIGINT NOT NULL DEFAULT 0,
    failed_requests     BIGINT NOT NULL DEFAULT 0,
    error_count         INTEGER NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    last_used_at        timestamptz NULL,
    CONSTRAINT ux_pool_session_proxies_endpoint UNIQUE (ip, port)
);

-- A proxy's sessions. The cookie is never stored in plain text: session_hash is a keyed hash (unique across all
-- proxies), session_protected the encrypted copy shown back to operators. Deleting a proxy deletes its sessions.
CREATE TABLE pool_proxy_sessions (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proxy_id            BIGINT NOT NULL REFERENCES pool_session_proxies (id) ON DELETE CASCADE,
    session_hash        TEXT NOT NULL,
    session_protected   TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at          timestamptz NOT NULL,
    CONSTRAINT ux_pool_proxy_sessions_session UNIQUE (session_hash)
);

CREATE INDEX ix_pool_proxy_sessions_proxy ON pool_proxy_sessions (proxy_id, id);
