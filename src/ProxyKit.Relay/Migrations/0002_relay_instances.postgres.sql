CREATE TABLE relay_instances (
    id             TEXT PRIMARY KEY,
    type           TEXT NOT NULL CHECK (type IN ('http', 'socks5', 'both')),
    interface_name TEXT NOT NULL,
    address        TEXT NOT NULL,
    prefix         TEXT NOT NULL,
    http_port      INTEGER NULL,
    socks5_port    INTEGER NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NULL,
    CONSTRAINT ux_relay_instances_address UNIQUE (address)
);

CREATE INDEX ix_relay_instances_expires_at ON relay_instances (expires_at) WHERE expires_at IS NOT NULL;
