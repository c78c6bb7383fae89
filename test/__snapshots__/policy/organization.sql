-- no grants
0
-- values: (none)

-- platform_owner (platform-wide), a user's key
1
-- values: (none)

-- platform_support (platform-wide), a user's key
1
-- values: (none)

-- org_admin (in o-1), a user's key
o.id = ?
-- values: "o-1"

-- org_developer (in o-1), a user's key
0
-- values: (none)

-- org_operator (in o-1), a user's key
0
-- values: (none)

-- org_viewer (in o-1), a user's key
0
-- values: (none)

-- api_client (in o-1), a user's key
0
-- values: (none)

-- backend_service (platform-wide), a user's key
1
-- values: (none)

-- compiler_service (platform-wide), a user's key
0
-- values: (none)

-- job_runner_service (platform-wide), a user's key
0
-- values: (none)

-- org_developer in o-1, as the user
0
-- values: (none)

-- api_client in o-1, a key without a user
0
-- values: (none)

-- org_developer in o-1 and org_viewer in o-2
0
-- values: (none)

-- the :self reads platform-wide, the org-wide reads in o-1
0
-- values: (none)

-- org_viewer in 40 organizations
0
-- values: (none)
