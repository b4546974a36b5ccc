-- The resale inventory: proxies the provider lists online, one row per (provider, provider proxy id). The row id is the
-- product_id users buy. A row is removed only while available: reserved and sold rows are kept for their orders.
CREATE TABLE extsocks_inventory (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider            TEXT NOT NULL,
    provider_proxy_id   BIGINT NOT NULL,
    country             TEXT NOT NULL,
    country_code        TEXT NOT NULL,
    city                TEXT NULL,
    isp                 TEXT NULL,
    speed               INTEGER NULL,
    mobile              BOOLEAN NOT NULL,
    hosting             BOOLEAN NOT NULL,
    type                TEXT NOT NULL CHECK (type IN ('residential', 'mobile', 'hosting')),
    provider_status     INTEGER NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('available', 'reserved', 'sold')),
    first_seen_at       timestamptz NOT NULL,
    last_seen_at        timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT ux_extsocks_inventory_provider_proxy UNIQUE (provider, provider_proxy_id)
);

CREATE INDEX ix_extsocks_inventory_listing ON extsocks_inventory (state, provider_status, country_code, id);

-- Orders move reserved -> held -> buying -> delivered -> completed (-> refunded), or to failed from any state before
-- delivered. At most one order that is not failed per product: the item is sold at most once, by constraint.
CREATE TABLE extsocks_orders (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL,
    product_id          BIGINT NOT NULL,
    provider            TEXT NOT NULL,
    provider_proxy_id   BIGINT NOT NULL,
    price_cents         BIGINT NOT NULL CHECK (price_cents > 0),
    state               TEXT NOT NULL CHECK (state IN ('reserved', 'held', 'buying', 'delivered', 'completed', 'failed', 'refunded')),
    failure             TEXT NULL,
    hold_id             TEXT NULL,
    credentials_id      BIGINT NULL,
    ip                  TEXT NULL,
    port                INTEGER NULL,
    login               TEXT NULL,
    password_protected  TEXT NULL,
    country             TEXT NOT NULL,
    isp                 TEXT NULL,
    created_at          timestamptz NOT NULL,
    buy_started_at      timestamptz NULL,
    completed_at        timestamptz NULL,
    refund_claimed_at   timestamptz NULL,
    refunded_at         timestamptz NULL,
    updated_at          timestamptz NOT NULL
);

CREATE UNIQUE INDEX ux_extsocks_orders_live_product ON extsocks_orders (product_id) WHERE state <> 'failed';
CREATE INDEX ix_extsocks_orders_user ON extsocks_orders (user_id, created_at);
CREATE INDEX ix_extsocks_orders_open ON extsocks_orders (state, updated_at) WHERE state IN ('reserved', 'held', 'buying', 'delivered');

-- Every sync's result (the last complete one is the seed's last_sync; the last one the sync-status endpoint).
CREATE TABLE extsocks_sync_runs (
    id                          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider                    TEXT NOT NULL,
    country_code                TEXT NULL,
    started_at                  timestamptz NOT NULL,
    finished_at                 timestamptz NOT NULL,
    complete                    BOOLEAN NOT NULL,
    total_fetched               INTEGER NOT NULL,
    total_available_external    INTEGER NOT NULL,
    added                       INTEGER NOT NULL,
    updated                     INTEGER NOT NULL,
    skipped                     INTEGER NOT NULL,
    removed                     INTEGER NOT NULL,
    error                       TEXT NULL
);

CREATE INDEX ix_extsocks_sync_runs_recent ON extsocks_sync_runs (provider, id);

-- One sync per provider at a time across hosts: a lease row taken by a conditional upsert, released by its holder, and
-- taken over once it expires (a crashed holder blocks nobody for long).
CREATE TABLE extsocks_sync_locks (
    provider            TEXT PRIMARY KEY,
    holder              TEXT NOT NULL,
    expires_at          timestamptz NOT NULL
);
