-- no grants
(u.id = ?)
-- values: "u-1"

-- platform_owner (platform-wide), a user's key
TRUE
-- values: (none)

-- platform_support (platform-wide), a user's key
TRUE
-- values: (none)

-- org_admin (in o-1), a user's key
(u.id = ? OR EXISTS (SELECT 1 FROM user_roles m WHERE m.user_id = u.id AND m.organization_id IN (SELECT value FROM json_each(?))))
-- values: "u-1", "[\"o-1\"]"

-- org_developer (in o-1), a user's key
(u.id = ?)
-- values: "u-1"

-- org_operator (in o-1), a user's key
(u.id = ?)
-- values: "u-1"

-- org_viewer (in o-1), a user's key
(u.id = ?)
-- values: "u-1"

-- api_client (in o-1), a user's key
(u.id = ?)
-- values: "u-1"

-- backend_service (platform-wide), a user's key
(u.id = ? OR EXISTS (SELECT 1 FROM user_roles m WHERE m.user_id = u.id AND m.organization_id IS NOT NULL))
-- values: "u-1"

-- compiler_service (platform-wide), a user's key
(u.id = ?)
-- values: "u-1"

-- job_runner_service (platform-wide), a user's key
(u.id = ?)
-- values: "u-1"

-- org_developer in o-1, as the user
(u.id = ?)
-- values: "u-1"

-- api_client in o-1, a key without a user
FALSE
-- values: (none)

-- org_developer in o-1 and org_viewer in o-2
(u.id = ?)
-- values: "u-1"

-- the :self reads platform-wide, the org-wide reads in o-1
(u.id = ? OR EXISTS (SELECT 1 FROM user_roles m WHERE m.user_id = u.id AND m.organization_id IN (SELECT value FROM json_each(?))))
-- values: "u-1", "[\"o-1\"]"

-- org_viewer in 40 organizations
(u.id = ?)
-- values: "u-1"
