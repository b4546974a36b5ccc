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
    blocked_requests    BIGINT NOT NULL DEFAULT 0,
    error_count         INTEGER NOT NULL DEFAULT 0,
    -- The clock hour requests_this_hour counts (a later hour reads as 0 until the next request).
    requests_this_hour  BIGINT NOT NULL DEFAULT 0,
    hour_started_at     timestamptz NULL,
    -- Automatic disabling: the proxy is skipped until cooldown_until; cooldown_level doubles the next cooldown and
    -- falls back to 0 on a success.
    cooldown_until      timestamptz NULL,
    cooldown_level      INTEGER NOT NULL DEFAULT 0,
    -- Kept by the same statement that binds a session, so the sessions-per-proxy cap holds under concurrency.
    session_count       INTEGER NOT NULL DEFAULT 0,
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

-- Outcomes per proxy and minute, summed over the health window for rotation weights and metrics. Written in batches by
-- every host (additive upserts); no foreign key, so a batch racing a delete cannot fail: orphans age out of the window.
CREATE TABLE pool_session_proxy_health (
    proxy_id            BIGINT NOT NULL,
    bucket_start        timestamptz NOT NULL,
    successes           BIGINT NOT NULL DEFAULT 0,
    failures            BIGINT NOT NULL DEFAULT 0,
    blocked             BIGINT NOT NULL DEFAULT 0,
    latency_ms_sum      BIGINT NOT NULL DEFAULT 0,
    latency_samples     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (proxy_id, bucket_start)
);

CREATE INDEX ix_pool_session_proxy_health_bucket ON pool_session_proxy_health (bucket_start);
