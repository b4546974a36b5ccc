-- Cluster-wide alert state: one row per alert. A host flips 'firing' with a conditional UPDATE and publishes the alert's
-- event only when its UPDATE changed the row, so a cluster fires each alert once per episode.
CREATE TABLE pool_alerts (
    name        TEXT PRIMARY KEY,
    firing      BOOLEAN NOT NULL DEFAULT FALSE,
    changed_at  TIMESTAMPTZ NULL
);

INSERT INTO pool_alerts (name, firing, changed_at) VALUES ('proxy.pool_low', FALSE, NULL);
