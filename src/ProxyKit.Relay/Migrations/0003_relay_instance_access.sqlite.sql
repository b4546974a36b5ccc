-- Optional per-instance credentials (a PBKDF2 hash, never the password) and limits.
ALTER TABLE relay_instances ADD COLUMN username TEXT NULL;
ALTER TABLE relay_instances ADD COLUMN password_hash TEXT NULL;
ALTER TABLE relay_instances ADD COLUMN max_connections INTEGER NULL CHECK (max_connections >= 1);
ALTER TABLE relay_instances ADD COLUMN bandwidth_bytes_per_second BIGINT NULL CHECK (bandwidth_bytes_per_second >= 1024);
