-- Set by `server demo` when it seeds an empty database: only a database marked here is a demo
-- database, and only an empty or a demo database is ever seeded with the public demo accounts.
CREATE TABLE demo_mark (
    id BIGINT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
