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
