-- no grants
FALSE
-- values: (none)

-- platform_owner (platform-wide), a user's key
TRUE
-- values: (none)

-- platform_support (platform-wide), a user's key
FALSE
-- values: (none)

-- org_admin (in o-1), a user's key
wh.organization_id = ?
-- values: "o-1"

-- org_developer (in o-1), a user's key
FALSE
-- values: (none)

-- org_operator (in o-1), a user's key
FALSE
-- values: (none)

-- org_viewer (in o-1), a user's key
FALSE
-- values: (none)

-- api_client (in o-1), a user's key
FALSE
-- values: (none)

-- backend_service (platform-wide), a user's key
TRUE
-- values: (none)

-- compiler_service (platform-wide), a user's key
FALSE
-- values: (none)

-- job_runner_service (platform-wide), a user's key
FALSE
-- values: (none)

-- org_developer in o-1, as the user
FALSE
-- values: (none)

-- api_client in o-1, a key without a user
FALSE
-- values: (none)

-- org_developer in o-1 and org_viewer in o-2
FALSE
-- values: (none)

-- the :self reads platform-wide, the org-wide reads in o-1
FALSE
-- values: (none)

-- org_viewer in 40 organizations
FALSE
-- values: (none)
