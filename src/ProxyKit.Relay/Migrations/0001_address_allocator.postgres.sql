CREATE TABLE relay_address_prefixes (
    prefix          TEXT PRIMARY KEY,
    permutation_key TEXT NOT NULL,
    next_index      BIGINT NOT NULL DEFAULT 0 CHECK (next_index >= 0),
    created_at      timestamptz NOT NULL
);

CREATE TABLE relay_released_addresses (
    address     TEXT PRIMARY KEY,
    prefix      TEXT NOT NULL REFERENCES relay_address_prefixes (prefix),
    released_at timestamptz NOT NULL,
    reused_at   timestamptz NULL
);

CREATE INDEX ix_relay_released_addresses_recyclable ON relay_released_addresses (prefix, released_at) WHERE reused_at IS NULL;
