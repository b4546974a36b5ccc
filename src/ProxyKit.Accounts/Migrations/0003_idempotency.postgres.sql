-- Idempotency-Key records of spending requests: the first request with a key owns it (the primary key decides),
-- later ones get its stored response, or 422 for a different body, or 409 while it is still running.
CREATE TABLE accounts_idempotency (
    scope           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('running', 'completed')),
    response_status INTEGER NULL,
    response_type   TEXT NULL,
    response_body   TEXT NULL,
    created_at      timestamptz NOT NULL,
    CONSTRAINT pk_accounts_idempotency PRIMARY KEY (scope, idempotency_key)
);

CREATE INDEX ix_accounts_idempotency_created ON accounts_idempotency (created_at);
