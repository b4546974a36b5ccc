-- Double-entry ledger. Only user accounts keep a stored balance (debited by one conditional statement or under a
-- row lock by the batcher); system accounts (issuance, revenue, holds) are derived from the journal, so no purchase
-- ever updates a shared hot row.
CREATE TABLE ledger_balances (
    account_id TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    asset      TEXT NOT NULL,
    balance    BIGINT NOT NULL CONSTRAINT ck_ledger_balances_not_negative CHECK (balance >= 0),
    updated_at TEXT NOT NULL
);

CREATE INDEX ix_ledger_balances_user ON ledger_balances (user_id);

CREATE TABLE ledger_transfers (
    id                  TEXT PRIMARY KEY,
    debit_account       TEXT NOT NULL,
    credit_account      TEXT NOT NULL,
    asset               TEXT NOT NULL,
    amount              BIGINT NOT NULL CHECK (amount > 0),
    kind                TEXT NOT NULL CHECK (kind IN ('grant', 'charge', 'hold', 'post', 'void', 'refund')),
    user_id             TEXT NOT NULL,
    user_delta          BIGINT NOT NULL,
    balance_after       BIGINT NULL,
    tx_type             TEXT NOT NULL,
    description         TEXT NOT NULL,
    reference           TEXT NULL,
    related_id          TEXT NULL,
    idempotency_account TEXT NULL,
    idempotency_key     TEXT NULL,
    request_hash        TEXT NULL,
    created_at          TEXT NOT NULL,
    CONSTRAINT ux_ledger_transfers_idempotency UNIQUE (idempotency_account, idempotency_key)
);

-- A transfer is refunded at most once, and a hold is settled (posted or voided) at most once: constraints, not flags.
CREATE UNIQUE INDEX ux_ledger_transfers_refund ON ledger_transfers (related_id) WHERE kind = 'refund';
CREATE UNIQUE INDEX ux_ledger_transfers_settlement ON ledger_transfers (related_id) WHERE kind IN ('post', 'void');
CREATE INDEX ix_ledger_transfers_user ON ledger_transfers (user_id, created_at);

CREATE TABLE ledger_holds (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    asset      TEXT NOT NULL,
    amount     BIGINT NOT NULL CHECK (amount > 0),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'posted', 'voided')),
    expires_at TEXT NOT NULL,
    settled_at TEXT NULL
);

CREATE INDEX ix_ledger_holds_pending ON ledger_holds (expires_at) WHERE status = 'pending';
