-- Background work on media (posters, seekbar sprites), kept in the database so that it
-- survives restarts and several nodes can share it.
CREATE TABLE job (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    partner_id INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    -- queued, running, done or failed
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_after INTEGER NOT NULL,
    claimed_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX job_waiting ON job (status, run_after, id);
CREATE INDEX job_by_entry ON job (entry_id);
