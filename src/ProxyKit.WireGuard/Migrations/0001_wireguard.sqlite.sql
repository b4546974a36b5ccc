-- One row per configured server: its key pair when ProxyKit generated it (sealed), so restarts keep the same key.
CREATE TABLE wg_servers (
    id                      TEXT PRIMARY KEY,
    private_key_protected   TEXT NOT NULL,
    created_at              TEXT NOT NULL
);

-- Each server's client addresses (slot n = the n-th address after the server's). A slot is free or held by one active
-- key. Allocation takes the best free slot with one conditional update — never used first, then rested longest, then
-- still resting — so concurrent allocations never pick the same slot (SQLite has one writer; PostgreSQL skips rows
-- another allocation has locked), and the cost does not grow with the history of wg_keys.
CREATE TABLE wg_slots (
    server_id               TEXT NOT NULL REFERENCES wg_servers (id),
    address_index           INTEGER NOT NULL CHECK (address_index > 0),
    state                   TEXT NOT NULL CHECK (state IN ('free', 'active')),
    released_at             TEXT NULL,
    PRIMARY KEY (server_id, address_index)
);

CREATE INDEX ix_wg_slots_free ON wg_slots (server_id, state, released_at, address_index);

-- Every key ever handed out. A key is minted at allocation and tombstoned at release ('released' rows stay: the public
-- key is unique forever, so no key is handed out twice). At most one active key per slot (backing wg_slots), and
-- client_slot numbers a client's keys when a per-client limit applies: both by partial unique indexes.
CREATE TABLE wg_keys (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id               TEXT NOT NULL REFERENCES wg_servers (id),
    public_key              TEXT NOT NULL,
    private_key_protected   TEXT NULL,
    address_index           INTEGER NOT NULL CHECK (address_index > 0),
    address                 TEXT NOT NULL,
    state                   TEXT NOT NULL CHECK (state IN ('active', 'released')),
    client                  TEXT NOT NULL,
    client_slot             INTEGER NULL,
    allocated_at            TEXT NOT NULL,
    released_at             TEXT NULL,
    release_reason          TEXT NULL,
    last_handshake_at       TEXT NULL,
    rx_bytes                INTEGER NOT NULL DEFAULT 0,
    tx_bytes                INTEGER NOT NULL DEFAULT 0,
    last_activity_at        TEXT NOT NULL,
    CONSTRAINT ux_wg_keys_public_key UNIQUE (public_key)
);

CREATE UNIQUE INDEX ux_wg_keys_active_slot ON wg_keys (server_id, address_index) WHERE state = 'active';
CREATE UNIQUE INDEX ux_wg_keys_active_client_slot ON wg_keys (client, client_slot) WHERE state = 'active' AND client_slot IS NOT NULL;
CREATE INDEX ix_wg_keys_state ON wg_keys (state, server_id);
CREATE INDEX ix_wg_keys_client ON wg_keys (client, state);
