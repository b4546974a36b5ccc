-- Sources: where proxies come from, when they are next due, and which worker holds a scrape claim until when.
CREATE TABLE pool_sources (
    id                     TEXT PRIMARY KEY,
    url                    TEXT NOT NULL,
    parser_name            TEXT NOT NULL,
    cron_schedule          TEXT NOT NULL,
    default_protocol       TEXT NULL,
    is_active              BOOLEAN NOT NULL,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    next_run_at            timestamptz NULL,
    claimed_by             TEXT NULL,
    claim_expires_at       timestamptz NULL,
    last_scraped_at        timestamptz NULL,
    last_success_at        timestamptz NULL,
    last_error             TEXT NULL,
    last_error_at          timestamptz NULL,
    scrape_count           BIGINT NOT NULL DEFAULT 0,
    failure_count          BIGINT NOT NULL DEFAULT 0,
    consecutive_failures   INTEGER NOT NULL DEFAULT 0,
    last_proxies_found     INTEGER NULL,
    last_duration_ms       BIGINT NULL
);

CREATE INDEX ix_pool_sources_due ON pool_sources (next_run_at) WHERE is_active;
CREATE INDEX ix_pool_sources_created ON pool_sources (created_at, id);

-- Proxies, one row per (protocol, ip, port, credentials). Passwords are stored only encrypted; credentials_key is a keyed
-- hash of username and password ('' without credentials) so the natural key can be unique without the plaintext.
-- sort_changed_at is when the mutable (filtered or sorted) columns last changed; pool_proxy_history keeps the values they
-- replaced, so a page cursor can keep the ordering of the moment its first page was read. Measures never taken hold
-- their worst value (latency 1e15 ms, uptime -1, last check at the Unix epoch) so every sort key is NOT NULL and
-- indexable; the API shows them as null.
CREATE TABLE pool_proxies (
    id                TEXT PRIMARY KEY,
    protocol          TEXT NOT NULL CHECK (protocol IN ('http', 'https', 'socks4', 'socks5')),
    ip                TEXT NOT NULL,
    port              INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    username          TEXT NULL,
    password_protected TEXT NULL,
    credentials_key   TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('unchecked', 'active', 'dead')),
    anonymity         TEXT NULL CHECK (anonymity IN ('transparent', 'anonymous', 'elite')),
    exit_ip           TEXT NULL,
    country           TEXT NULL,
    score             DOUBLE PRECISION NOT NULL DEFAULT 0,
    avg_latency_ms    DOUBLE PRECISION NOT NULL,
    uptime_pct        DOUBLE PRECISION NOT NULL,
    last_checked_at   timestamptz NOT NULL,
    first_seen_at     timestamptz NOT NULL,
    sort_changed_at   timestamptz NOT NULL,
    tags              TEXT NOT NULL DEFAULT '{}',
    CONSTRAINT ux_pool_proxies_identity UNIQUE (protocol, ip, port, credentials_key)
);

CREATE INDEX ix_pool_proxies_score ON pool_proxies (score, id);
CREATE INDEX ix_pool_proxies_status_score ON pool_proxies (status, score, id);
CREATE INDEX ix_pool_proxies_latency ON pool_proxies (avg_latency_ms, id);
CREATE INDEX ix_pool_proxies_uptime ON pool_proxies (uptime_pct, id);
CREATE INDEX ix_pool_proxies_checked ON pool_proxies (last_checked_at, id);

-- The values a state change replaced: valid from valid_from (the row's previous sort_changed_at) until changed_at.
CREATE TABLE pool_proxy_history (
    proxy_id          TEXT NOT NULL,
    valid_from        timestamptz NOT NULL,
    changed_at        timestamptz NOT NULL,
    status            TEXT NOT NULL,
    anonymity         TEXT NULL,
    country           TEXT NULL,
    score             DOUBLE PRECISION NOT NULL,
    avg_latency_ms    DOUBLE PRECISION NOT NULL,
    uptime_pct        DOUBLE PRECISION NOT NULL,
    last_checked_at   timestamptz NOT NULL,
    PRIMARY KEY (proxy_id, changed_at)
);

CREATE INDEX ix_pool_proxy_history_changed ON pool_proxy_history (changed_at);

-- Which source yielded which proxy (a proxy may come from several); deleting a source deletes its links, not the proxies.
CREATE TABLE pool_source_proxies (
    source_id      TEXT NOT NULL,
    proxy_id       TEXT NOT NULL,
    first_seen_at  timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    PRIMARY KEY (source_id, proxy_id)
);

CREATE INDEX ix_pool_source_proxies_proxy ON pool_source_proxies (proxy_id);

-- Check history (filled by the checkers).
CREATE TABLE pool_proxy_checks (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proxy_id      TEXT NOT NULL,
    checker_name  TEXT NOT NULL,
    stage         INTEGER NOT NULL,
    passed        BOOLEAN NOT NULL,
    latency_ms    DOUBLE PRECISION NULL,
    detail        TEXT NULL,
    created_at    timestamptz NOT NULL
);

CREATE INDEX ix_pool_proxy_checks_proxy ON pool_proxy_checks (proxy_id, created_at DESC, id DESC);
CREATE INDEX ix_pool_proxy_checks_created ON pool_proxy_checks (created_at);
