-- Leases: a user's exclusive, paid use of one proxy until expires_at (or until released). At most one active lease per
-- proxy across every host is the partial unique index's job, not the application's: an acquiring transaction first
-- turns the matching proxies' lapsed leases to 'expired', then inserts with ON CONFLICT DO NOTHING, so expiry never
-- blocks a proxy and a lost race is an empty insert, not a second lease. hold_id is the ledger hold that paid for it
-- (payment 'held' until posted, then 'posted'). An Idempotency-Key is unique per user.
CREATE TABLE pool_leases (
    id                   TEXT PRIMARY KEY,
    proxy_id             TEXT NOT NULL,
    user_id              TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('active', 'released', 'expired')),
    acquired_at          timestamptz NOT NULL,
    expires_at           timestamptz NOT NULL,
    ended_at             timestamptz NULL,
    cost                 INTEGER NOT NULL CHECK (cost >= 0),
    hold_id              TEXT NULL,
    payment              TEXT NOT NULL CHECK (payment IN ('held', 'posted')),
    idempotency_key      TEXT NULL,
    request_fingerprint  TEXT NOT NULL,
    CONSTRAINT ck_pool_leases_expiry CHECK (expires_at > acquired_at)
);

CREATE UNIQUE INDEX ux_pool_leases_active_proxy ON pool_leases (proxy_id) WHERE status = 'active';
CREATE UNIQUE INDEX ux_pool_leases_idempotency ON pool_leases (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX ix_pool_leases_user_active ON pool_leases (user_id, expires_at) WHERE status = 'active';
CREATE INDEX ix_pool_leases_expiry ON pool_leases (expires_at) WHERE status = 'active';
