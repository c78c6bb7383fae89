-- no grants
0
-- values: (none)

-- platform_owner (platform-wide), a user's key
1
-- values: (none)

-- platform_support (platform-wide), a user's key
0
-- values: (none)

-- org_admin (in o-1), a user's key
k.organization_id = ?
-- values: "o-1"

-- org_developer (in o-1), a user's key
((k.user_id = ? AND k.organization_id IN (?)) OR (k.created_by_user_id = ? AND k.user_id IS NOT ? AND k.organization_id IN (?)) OR (k.id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.organization_id IN (?)) OR (k.created_by_api_key_id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.id IS NOT ? AND k.organization_id IN (?)))
-- values: "u-1", "o-1", "u-1", "u-1", "o-1", "k-1", "u-1", "u-1", "o-1", "k-1", "u-1", "u-1", "k-1", "o-1"

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
((k.user_id = ? AND k.organization_id IN (?)) OR (k.created_by_user_id = ? AND k.user_id IS NOT ? AND k.organization_id IN (?)))
-- values: "u-1", "o-1", "u-1", "u-1", "o-1"

-- api_client in o-1, a key without a user
0
-- values: (none)

-- org_developer in o-1 and org_viewer in o-2
((k.user_id = ? AND k.organization_id IN (?)) OR (k.created_by_user_id = ? AND k.user_id IS NOT ? AND k.organization_id IN (?)) OR (k.id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.organization_id IN (?)) OR (k.created_by_api_key_id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.id IS NOT ? AND k.organization_id IN (?)))
-- values: "u-1", "o-1", "u-1", "u-1", "o-1", "k-1", "u-1", "u-1", "o-1", "k-1", "u-1", "u-1", "k-1", "o-1"

-- the :self reads platform-wide, the org-wide reads in o-1
((k.user_id = ?) OR (k.created_by_user_id = ? AND k.user_id IS NOT ?) OR (k.id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ?) OR (k.created_by_api_key_id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.id IS NOT ?))
-- values: "u-1", "u-1", "u-1", "k-1", "u-1", "u-1", "k-1", "u-1", "u-1", "k-1"

-- org_viewer in 40 organizations
0
-- values: (none)
