-- Who may do what: users, the permission catalogue, roles, grants, API keys
-- and login tokens. Secrets are never stored: API key secrets as bcrypt
-- hashes, login tokens (256 random bits) as SHA-256 hashes.

CREATE TABLE users (
  id             TEXT PRIMARY KEY,
  email          TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (email LIKE '%_@_%' AND length(email) <= 320),
  name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  password_hash  TEXT,
  is_active      INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  last_login_at  TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX users_created ON users (created_at, id);

CREATE TABLE permissions (
  code         TEXT PRIMARY KEY,
  resource     TEXT NOT NULL,
  action       TEXT NOT NULL,
  scope        TEXT NOT NULL CHECK (scope IN ('self', 'org', 'platform')),
  description  TEXT NOT NULL
) STRICT;
CREATE INDEX permissions_resource ON permissions (resource, code);

CREATE TABLE roles (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  level        TEXT NOT NULL CHECK (level IN ('platform', 'org', 'service')),
  is_system    INTEGER NOT NULL DEFAULT 0 CHECK (is_system IN (0, 1)),
  description  TEXT NOT NULL,
  created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX roles_created ON roles (created_at, id);

CREATE TABLE role_permissions (
  role_id          TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  permission_code  TEXT NOT NULL REFERENCES permissions (code) ON DELETE CASCADE,
  PRIMARY KEY (role_id, permission_code)
) STRICT, WITHOUT ROWID;
CREATE INDEX role_permissions_permission ON role_permissions (permission_code);

-- organization_id NULL is a platform-wide grant: it applies in every organization.
CREATE TABLE user_roles (
  id                  TEXT PRIMARY KEY,
  user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role_id             TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  organization_id     TEXT REFERENCES organizations (id) ON DELETE CASCADE,
  granted_by_user_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at          TEXT NOT NULL,
  expires_at          TEXT
) STRICT;
CREATE UNIQUE INDEX user_roles_org_grant ON user_roles (user_id, role_id, organization_id) WHERE organization_id IS NOT NULL;
CREATE UNIQUE INDEX user_roles_platform_grant ON user_roles (user_id, role_id) WHERE organization_id IS NULL;
CREATE INDEX user_roles_org_created ON user_roles (organization_id, created_at, id);
CREATE INDEX user_roles_role ON user_roles (role_id);
CREATE INDEX user_roles_granted_by ON user_roles (granted_by_user_id);

-- A key is presented as afk_<key_id>_<secret>; key_id is found by index,
-- then the secret is checked against secret_hash (bcrypt).
-- organization_id NULL: a platform-wide key (platform and service roles only).
CREATE TABLE api_keys (
  id                     TEXT PRIMARY KEY,
  key_id                 TEXT NOT NULL UNIQUE,
  name                   TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  secret_hash            TEXT NOT NULL,
  organization_id        TEXT REFERENCES organizations (id) ON DELETE CASCADE,
  role_id                TEXT NOT NULL REFERENCES roles (id),
  user_id                TEXT REFERENCES users (id) ON DELETE CASCADE,
  created_by_user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_by_api_key_id  TEXT REFERENCES api_keys (id) ON DELETE SET NULL,
  created_at             TEXT NOT NULL,
  expires_at             TEXT,
  revoked_at             TEXT,
  last_used_at           TEXT
) STRICT;
CREATE INDEX api_keys_org_created ON api_keys (organization_id, created_at, id);
CREATE INDEX api_keys_role ON api_keys (role_id);
CREATE INDEX api_keys_user ON api_keys (user_id);
CREATE INDEX api_keys_created_by_user ON api_keys (created_by_user_id);
CREATE INDEX api_keys_created_by_api_key ON api_keys (created_by_api_key_id);
CREATE INDEX api_keys_org_name ON api_keys (organization_id, name, id);
CREATE INDEX api_keys_org_last_used ON api_keys (organization_id, coalesce(last_used_at, ''), id);

CREATE TABLE login_tokens (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  revoked_at    TEXT,
  last_used_at  TEXT
) STRICT;
CREATE INDEX login_tokens_user ON login_tokens (user_id);

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

-- A counter that every change to who-may-do-what moves, in the same
-- transaction, whoever writes it (the gateway, another worker, the foundry
-- CLI, a SQL shell). A process keeps authenticated principals in memory only
-- while the counter it last saw is current.
CREATE TABLE security_epoch (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  value  INTEGER NOT NULL
) STRICT;
INSERT INTO security_epoch (id, value) VALUES (1, 0);

CREATE TRIGGER api_keys_security_update AFTER UPDATE OF organization_id, role_id, user_id, secret_hash, expires_at, revoked_at ON api_keys
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_security_delete AFTER DELETE ON api_keys
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER login_tokens_security_update AFTER UPDATE OF user_id, expires_at, revoked_at ON login_tokens
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER login_tokens_security_delete AFTER DELETE ON login_tokens
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_security_update AFTER UPDATE OF name, is_active ON users
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_security_delete AFTER DELETE ON users
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER user_roles_security_insert AFTER INSERT ON user_roles
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER user_roles_security_update AFTER UPDATE ON user_roles
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER user_roles_security_delete AFTER DELETE ON user_roles
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER roles_security_update AFTER UPDATE ON roles
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER roles_security_delete AFTER DELETE ON roles
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_security_insert AFTER INSERT ON role_permissions
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_security_update AFTER UPDATE ON role_permissions
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_security_delete AFTER DELETE ON role_permissions
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER organizations_security_delete AFTER DELETE ON organizations
BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
