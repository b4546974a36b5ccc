-- Validation state: when each proxy is next due, which worker holds its check (a lease, as for sources), and the
-- time-decayed evidence its score is computed from. Existing and newly found proxies are due at once (the epoch).
ALTER TABLE pool_proxies ADD COLUMN next_check_at TEXT NOT NULL DEFAULT '1970-01-01 00:00:00+00:00';
ALTER TABLE pool_proxies ADD COLUMN check_claimed_by TEXT NULL;
ALTER TABLE pool_proxies ADD COLUMN check_claim_expires_at TEXT NULL;
ALTER TABLE pool_proxies ADD COLUMN decayed_successes REAL NOT NULL DEFAULT 0;
ALTER TABLE pool_proxies ADD COLUMN decayed_failures REAL NOT NULL DEFAULT 0;
ALTER TABLE pool_proxies ADD COLUMN last_success_at TEXT NULL;
ALTER TABLE pool_proxies ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pool_proxies ADD COLUMN checks_total BIGINT NOT NULL DEFAULT 0;

CREATE INDEX ix_pool_proxies_next_check ON pool_proxies (next_check_at);
