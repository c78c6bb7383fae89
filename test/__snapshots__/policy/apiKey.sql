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
k.organization_id = :k_org0
-- values: k_org0 = "o-1"

-- org_developer (in o-1), a user's key
((k.user_id = :k_self_user AND k.organization_id IN (:k_self_org0)) OR (k.created_by_user_id = :k_self_user AND k.user_id IS NOT :k_self_user AND k.organization_id IN (:k_self_org0)) OR (k.id = :k_self_key AND k.user_id IS NOT :k_self_user AND k.created_by_user_id IS NOT :k_self_user AND k.organization_id IN (:k_self_org0)) OR (k.created_by_api_key_id = :k_self_key AND k.user_id IS NOT :k_self_user AND k.created_by_user_id IS NOT :k_self_user AND k.id IS NOT :k_self_key AND k.organization_id IN (:k_self_org0)))
-- values: k_self_key = "k-1", k_self_org0 = "o-1", k_self_user = "u-1"

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
((k.user_id = :k_self_user AND k.organization_id IN (:k_self_org0)) OR (k.created_by_user_id = :k_self_user AND k.user_id IS NOT :k_self_user AND k.organization_id IN (:k_self_org0)))
-- values: k_self_org0 = "o-1", k_self_user = "u-1"

-- api_client in o-1, a key without a user
0
-- values: (none)

-- org_developer in o-1 and org_viewer in o-2
((k.user_id = :k_self_user AND k.organization_id IN (:k_self_org0)) OR (k.created_by_user_id = :k_self_user AND k.user_id IS NOT :k_self_user AND k.organization_id IN (:k_self_org0)) OR (k.id = :k_self_key AND k.user_id IS NOT :k_self_user AND k.created_by_user_id IS NOT :k_self_user AND k.organization_id IN (:k_self_org0)) OR (k.created_by_api_key_id = :k_self_key AND k.user_id IS NOT :k_self_user AND k.created_by_user_id IS NOT :k_self_user AND k.id IS NOT :k_self_key AND k.organization_id IN (:k_self_org0)))
-- values: k_self_key = "k-1", k_self_org0 = "o-1", k_self_user = "u-1"

-- the :self reads platform-wide, the org-wide reads in o-1
((k.user_id = :k_self_user) OR (k.created_by_user_id = :k_self_user AND k.user_id IS NOT :k_self_user) OR (k.id = :k_self_key AND k.user_id IS NOT :k_self_user AND k.created_by_user_id IS NOT :k_self_user) OR (k.created_by_api_key_id = :k_self_key AND k.user_id IS NOT :k_self_user AND k.created_by_user_id IS NOT :k_self_user AND k.id IS NOT :k_self_key))
-- values: k_self_key = "k-1", k_self_user = "u-1"

-- org_viewer in 40 organizations
0
-- values: (none)
