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
k.organization_id = ?
-- values: "o-1"

-- org_developer (in o-1), a user's key
((k.user_id = ? AND k.organization_id IN (?)) OR (k.created_by_user_id = ? AND k.user_id IS NOT ? AND k.organization_id IN (?)) OR (k.id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.organization_id IN (?)) OR (k.created_by_api_key_id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.id IS NOT ? AND k.organization_id IN (?)))
-- values: "u-1", "o-1", "u-1", "u-1", "o-1", "k-1", "u-1", "u-1", "o-1", "k-1", "u-1", "u-1", "k-1", "o-1"

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
((k.user_id = ? AND k.organization_id IN (?)) OR (k.created_by_user_id = ? AND k.user_id IS NOT ? AND k.organization_id IN (?)))
-- values: "u-1", "o-1", "u-1", "u-1", "o-1"

-- api_client in o-1, a key without a user
FALSE
-- values: (none)

-- org_developer in o-1 and org_viewer in o-2
((k.user_id = ? AND k.organization_id IN (?)) OR (k.created_by_user_id = ? AND k.user_id IS NOT ? AND k.organization_id IN (?)) OR (k.id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.organization_id IN (?)) OR (k.created_by_api_key_id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.id IS NOT ? AND k.organization_id IN (?)))
-- values: "u-1", "o-1", "u-1", "u-1", "o-1", "k-1", "u-1", "u-1", "o-1", "k-1", "u-1", "u-1", "k-1", "o-1"

-- the :self reads platform-wide, the org-wide reads in o-1
((k.user_id = ?) OR (k.created_by_user_id = ? AND k.user_id IS NOT ?) OR (k.id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ?) OR (k.created_by_api_key_id = ? AND k.user_id IS NOT ? AND k.created_by_user_id IS NOT ? AND k.id IS NOT ?))
-- values: "u-1", "u-1", "u-1", "k-1", "u-1", "u-1", "k-1", "u-1", "u-1", "k-1"

-- org_viewer in 40 organizations
FALSE
-- values: (none)
