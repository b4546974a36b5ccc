-- The resale inventory: proxies the provider lists online, one row per (provider, provider proxy id). The row id is the
-- product_id users buy. A row is removed only while available: reserved and sold rows are kept for their orders.
CREATE TABLE extsocks_inventory (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    provider            TEXT NOT NULL,
    provider_proxy_id   INTEGER NOT NULL,
    country             TEXT NOT NULL,
    country_code        TEXT NOT NULL,
    city                TEXT NULL,
    isp                 TEXT NULL,
    speed               INTEGER NULL,
    mobile              INTEGER NOT NULL,
    hosting             INTEGER NOT NULL,
    type                TEXT NOT NULL CHECK (type IN ('residential', 'mobile', 'hosting')),
    provider_status     INTEGER NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('available', 'reserved', 'sold')),
    first_seen_at       TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CONSTRAINT ux_extsocks_inventory_provider_proxy UNIQUE (provider, provider_proxy_id)
);

CREATE INDEX ix_extsocks_inventory_listing ON extsocks_inventory (state, provider_status, country_code, id);

-- Orders move reserved -> held -> buying -> delivered -> completed (-> refunded), or to failed from any state before
-- delivered. At most one order that is not failed per product: the item is sold at most once, by constraint.
CREATE TABLE extsocks_orders (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL,
    product_id          INTEGER NOT NULL,
    provider            TEXT NOT NULL,
    provider_proxy_id   INTEGER NOT NULL,
    price_cents         INTEGER NOT NULL CHECK (price_cents > 0),
    state               TEXT NOT NULL CHECK (state IN ('reserved', 'held', 'buying', 'delivered', 'completed', 'failed', 'refunded')),
    failure             TEXT NULL,
    hold_id             TEXT NULL,
    credentials_id      INTEGER NULL,
    ip                  TEXT NULL,
    port                INTEGER NULL,
    login               TEXT NULL,
    password_protected  TEXT NULL,
    country             TEXT NOT NULL,
    isp                 TEXT NULL,
    created_at          TEXT NOT NULL,
    buy_started_at      TEXT NULL,
    completed_at        TEXT NULL,
    refund_claimed_at   TEXT NULL,
    refunded_at         TEXT NULL,
    updated_at          TEXT NOT NULL
);

CREATE UNIQUE INDEX ux_extsocks_orders_live_product ON extsocks_orders (product_id) WHERE state <> 'failed';
CREATE INDEX ix_extsocks_orders_user ON extsocks_orders (user_id, created_at);
CREATE INDEX ix_extsocks_orders_open ON extsocks_orders (state, updated_at) WHERE state IN ('reserved', 'held', 'buying', 'delivered');

-- Every sync's result (the last complete one is the seed's last_sync; the last one the sync-status endpoint).
CREATE TABLE extsocks_sync_runs (
    id                          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider                    TEXT NOT NULL,
    country_code                TEXT NULL,
    started_at                  TEXT NOT NULL,
    finished_at                 TEXT NOT NULL,
    complete                    INTEGER NOT NULL,
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
    expires_at          TEXT NOT NULL
);
