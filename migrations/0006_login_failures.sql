-- Failed logins, counted per subject so that every process and restart sees
-- the same count (src/auth/loginThrottle.ts). A subject is a SHA-256 digest
-- of a normalized email or of a client address, never the raw text. Times
-- are epoch milliseconds; rows are deleted once their failures are forgotten.
CREATE TABLE login_failures (
  kind             TEXT NOT NULL CHECK (kind IN ('email', 'address')),
  subject          TEXT NOT NULL CHECK (length(subject) = 64),
  failures         INTEGER NOT NULL CHECK (failures > 0),
  last_failure_at  INTEGER NOT NULL,
  locked_until     INTEGER NOT NULL,
  PRIMARY KEY (kind, subject)
) STRICT, WITHOUT ROWID;
CREATE INDEX login_failures_last_failure ON login_failures (last_failure_at);
