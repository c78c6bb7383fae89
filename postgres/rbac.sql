-- Who may do what, on PostgreSQL: rbac.sql and migrations 0004 (the security epoch) and 0006 (login failures),
-- in postgres/schema.sql's conventions. Applied after postgres/schema.sql.

-- Emails are unique regardless of ASCII case, as SQLite's COLLATE NOCASE makes them: a unique index on
-- lower(email), not citext (an extension the gateway's database would need installed; citext also folds
-- non-ASCII letters by the database's locale where NOCASE folds ASCII only). Under COLLATE "C", lower()
-- folds exactly A-Z, as NOCASE does. A lookup by email says lower(email) = lower($1) and uses the index.
CREATE TABLE users (
  id             text COLLATE "C" PRIMARY KEY,
  email          text COLLATE "C" NOT NULL CHECK (email LIKE '%_@_%' AND length(email) <= 320),
  name           text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  password_hash  text,
  is_active      boolean NOT NULL DEFAULT true,
  last_login_at  utc_time,
  created_at     utc_time NOT NULL,
  updated_at     utc_time NOT NULL
);
-- SQLite names this index sqlite_autoindex_users_1 (the column's UNIQUE); here it is named.
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_created ON users (created_at, id);

CREATE TABLE permissions (
  code         text COLLATE "C" PRIMARY KEY,
  resource     text COLLATE "C" NOT NULL,
  action       text COLLATE "C" NOT NULL,
  scope        text COLLATE "C" NOT NULL CHECK (scope IN ('self', 'org', 'platform')),
  description  text NOT NULL
);
CREATE INDEX permissions_resource ON permissions (resource, code);

CREATE TABLE roles (
  id           text COLLATE "C" PRIMARY KEY,
  name         text COLLATE "C" NOT NULL UNIQUE,
  level        text COLLATE "C" NOT NULL CHECK (level IN ('platform', 'org', 'service')),
  is_system    boolean NOT NULL DEFAULT false,
  description  text NOT NULL,
  created_at   utc_time NOT NULL
);
CREATE INDEX roles_created ON roles (created_at, id);

CREATE TABLE role_permissions (
  role_id          text COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  permission_code  text COLLATE "C" NOT NULL REFERENCES permissions (code) ON DELETE CASCADE,
  PRIMARY KEY (role_id, permission_code)
);
CREATE INDEX role_permissions_permission ON role_permissions (permission_code);

-- organization_id NULL is a platform-wide grant: it applies in every organization.
CREATE TABLE user_roles (
  id                  text COLLATE "C" PRIMARY KEY,
  user_id             text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role_id             text COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  organization_id     text COLLATE "C" REFERENCES organizations (id) ON DELETE CASCADE,
  granted_by_user_id  text COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
  created_at          utc_time NOT NULL,
  expires_at          utc_time
);
CREATE UNIQUE INDEX user_roles_org_grant ON user_roles (user_id, role_id, organization_id) WHERE organization_id IS NOT NULL;
CREATE UNIQUE INDEX user_roles_platform_grant ON user_roles (user_id, role_id) WHERE organization_id IS NULL;
CREATE INDEX user_roles_org_created ON user_roles (organization_id, created_at, id);
CREATE INDEX user_roles_role ON user_roles (role_id);
CREATE INDEX user_roles_granted_by ON user_roles (granted_by_user_id);

-- A key is presented as afk_<key_id>_<secret>; key_id is found by index,
-- then the secret is checked against secret_hash (bcrypt).
-- organization_id NULL: a platform-wide key (platform and service roles only).
CREATE TABLE api_keys (
  id                     text COLLATE "C" PRIMARY KEY,
  key_id                 text COLLATE "C" NOT NULL UNIQUE,
  name                   text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  secret_hash            text NOT NULL,
  organization_id        text COLLATE "C" REFERENCES organizations (id) ON DELETE CASCADE,
  role_id                text COLLATE "C" NOT NULL REFERENCES roles (id),
  user_id                text COLLATE "C" REFERENCES users (id) ON DELETE CASCADE,
  created_by_user_id     text COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
  created_by_api_key_id  text COLLATE "C" REFERENCES api_keys (id) ON DELETE SET NULL,
  created_at             utc_time NOT NULL,
  expires_at             utc_time,
  revoked_at             utc_time,
  last_used_at           utc_time
);
CREATE INDEX api_keys_org_created ON api_keys (organization_id, created_at, id);
CREATE INDEX api_keys_role ON api_keys (role_id);
CREATE INDEX api_keys_user ON api_keys (user_id);
CREATE INDEX api_keys_created_by_user ON api_keys (created_by_user_id);
CREATE INDEX api_keys_created_by_api_key ON api_keys (created_by_api_key_id);
CREATE INDEX api_keys_org_name ON api_keys (organization_id, name, id);
CREATE INDEX api_keys_org_last_used ON api_keys (organization_id, coalesce(last_used_at, ''), id);

CREATE TABLE login_tokens (
  id            text COLLATE "C" PRIMARY KEY,
  token_hash    text COLLATE "C" NOT NULL UNIQUE,
  user_id       text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    utc_time NOT NULL,
  expires_at    utc_time NOT NULL,
  revoked_at    utc_time,
  last_used_at  utc_time
);
CREATE INDEX login_tokens_user ON login_tokens (user_id);

-- The references of postgres/schema.sql's tables to users and api_keys (PostgreSQL checks a reference when it
-- is declared, SQLite when it is used).
ALTER TABLE agents
  ADD FOREIGN KEY (created_by_user_id) REFERENCES users (id) ON DELETE SET NULL,
  ADD FOREIGN KEY (created_by_api_key_id) REFERENCES api_keys (id) ON DELETE SET NULL;
ALTER TABLE agent_versions
  ADD FOREIGN KEY (created_by_user_id) REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE sessions
  ADD FOREIGN KEY (started_by_user_id) REFERENCES users (id) ON DELETE SET NULL,
  ADD FOREIGN KEY (started_by_api_key_id) REFERENCES api_keys (id) ON DELETE SET NULL;
ALTER TABLE llm_usage
  ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
  ADD FOREIGN KEY (api_key_id) REFERENCES api_keys (id) ON DELETE SET NULL;

-- Failed logins, counted per subject so that every process and restart sees
-- the same count. A subject is a SHA-256 digest (hex) of a normalized email or
-- of a client address, never the raw text. Times are epoch milliseconds.
CREATE TABLE login_failures (
  kind             text COLLATE "C" NOT NULL CHECK (kind IN ('email', 'address')),
  subject          text COLLATE "C" NOT NULL CHECK (length(subject) = 64),
  failures         bigint NOT NULL CHECK (failures > 0),
  last_failure_at  bigint NOT NULL,
  locked_until     bigint NOT NULL,
  PRIMARY KEY (kind, subject)
);
CREATE INDEX login_failures_last_failure ON login_failures (last_failure_at);

-- A counter that every change to who-may-do-what moves, in the same
-- transaction, whoever writes it (the gateway, another worker, the foundry
-- CLI, a SQL shell). A process keeps authenticated principals in memory only
-- while the counter it last saw is current.
CREATE TABLE security_epoch (
  id     integer PRIMARY KEY CHECK (id = 1),
  value  bigint NOT NULL
);
INSERT INTO security_epoch (id, value) VALUES (1, 0);

CREATE FUNCTION security_epoch_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE security_epoch SET value = value + 1 WHERE id = 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_security_update AFTER UPDATE OF organization_id, role_id, user_id, secret_hash, expires_at, revoked_at ON api_keys
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER api_keys_security_delete AFTER DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER login_tokens_security_update AFTER UPDATE OF user_id, expires_at, revoked_at ON login_tokens
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER login_tokens_security_delete AFTER DELETE ON login_tokens
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER users_security_update AFTER UPDATE OF name, is_active ON users
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER users_security_delete AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER user_roles_security_insert AFTER INSERT ON user_roles
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER user_roles_security_update AFTER UPDATE ON user_roles
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER user_roles_security_delete AFTER DELETE ON user_roles
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER roles_security_update AFTER UPDATE ON roles
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER roles_security_delete AFTER DELETE ON roles
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER role_permissions_security_insert AFTER INSERT ON role_permissions
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER role_permissions_security_update AFTER UPDATE ON role_permissions
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER role_permissions_security_delete AFTER DELETE ON role_permissions
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
CREATE TRIGGER organizations_security_delete AFTER DELETE ON organizations
  FOR EACH ROW EXECUTE FUNCTION security_epoch_move();
