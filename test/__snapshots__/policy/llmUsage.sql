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
lu.organization_id = :lu_org0
-- values: lu_org0 = "o-1"

-- org_developer (in o-1), a user's key
((lu.user_id = :lu_self_user AND lu.organization_id IN (:lu_self_org0)) OR (lu.api_key_id = :lu_self_key AND lu.user_id IS NOT :lu_self_user AND lu.organization_id IN (:lu_self_org0)))
-- values: lu_self_key = "k-1", lu_self_org0 = "o-1", lu_self_user = "u-1"

-- org_operator (in o-1), a user's key
((lu.user_id = :lu_self_user AND lu.organization_id IN (:lu_self_org0)) OR (lu.api_key_id = :lu_self_key AND lu.user_id IS NOT :lu_self_user AND lu.organization_id IN (:lu_self_org0)))
-- values: lu_self_key = "k-1", lu_self_org0 = "o-1", lu_self_user = "u-1"

-- org_viewer (in o-1), a user's key
((lu.user_id = :lu_self_user AND lu.organization_id IN (:lu_self_org0)) OR (lu.api_key_id = :lu_self_key AND lu.user_id IS NOT :lu_self_user AND lu.organization_id IN (:lu_self_org0)))
-- values: lu_self_key = "k-1", lu_self_org0 = "o-1", lu_self_user = "u-1"

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
lu.user_id = :lu_self_user AND lu.organization_id IN (:lu_self_org0)
-- values: lu_self_org0 = "o-1", lu_self_user = "u-1"

-- api_client in o-1, a key without a user
0
-- values: (none)

-- org_developer in o-1 and org_viewer in o-2
((lu.user_id = :lu_self_user AND lu.organization_id IN (:lu_self_org0, :lu_self_org1)) OR (lu.api_key_id = :lu_self_key AND lu.user_id IS NOT :lu_self_user AND lu.organization_id IN (:lu_self_org0, :lu_self_org1)))
-- values: lu_self_key = "k-1", lu_self_org0 = "o-1", lu_self_org1 = "o-2", lu_self_user = "u-1"

-- the :self reads platform-wide, the org-wide reads in o-1
((lu.organization_id = :lu_org0) OR (lu.user_id = :lu_self_user AND lu.organization_id NOT IN (:lu_wide0)) OR (lu.api_key_id = :lu_self_key AND lu.user_id IS NOT :lu_self_user AND lu.organization_id NOT IN (:lu_wide0)))
-- values: lu_org0 = "o-1", lu_self_key = "k-1", lu_self_user = "u-1", lu_wide0 = "o-1"

-- org_viewer in 40 organizations
lu.user_id = :lu_self_user AND lu.organization_id IN (:lu_self_org0, :lu_self_org1, :lu_self_org2, :lu_self_org3, :lu_self_org4, :lu_self_org5, :lu_self_org6, :lu_self_org7, :lu_self_org8, :lu_self_org9, :lu_self_org10, :lu_self_org11, :lu_self_org12, :lu_self_org13, :lu_self_org14, :lu_self_org15, :lu_self_org16, :lu_self_org17, :lu_self_org18, :lu_self_org19, :lu_self_org20, :lu_self_org21, :lu_self_org22, :lu_self_org23, :lu_self_org24, :lu_self_org25, :lu_self_org26, :lu_self_org27, :lu_self_org28, :lu_self_org29, :lu_self_org30, :lu_self_org31, :lu_self_org32, :lu_self_org33, :lu_self_org34, :lu_self_org35, :lu_self_org36, :lu_self_org37, :lu_self_org38, :lu_self_org39)
-- values: lu_self_org0 = "o-01", lu_self_org1 = "o-02", lu_self_org10 = "o-11", lu_self_org11 = "o-12", lu_self_org12 = "o-13", lu_self_org13 = "o-14", lu_self_org14 = "o-15", lu_self_org15 = "o-16", lu_self_org16 = "o-17", lu_self_org17 = "o-18", lu_self_org18 = "o-19", lu_self_org19 = "o-20", lu_self_org2 = "o-03", lu_self_org20 = "o-21", lu_self_org21 = "o-22", lu_self_org22 = "o-23", lu_self_org23 = "o-24", lu_self_org24 = "o-25", lu_self_org25 = "o-26", lu_self_org26 = "o-27", lu_self_org27 = "o-28", lu_self_org28 = "o-29", lu_self_org29 = "o-30", lu_self_org3 = "o-04", lu_self_org30 = "o-31", lu_self_org31 = "o-32", lu_self_org32 = "o-33", lu_self_org33 = "o-34", lu_self_org34 = "o-35", lu_self_org35 = "o-36", lu_self_org36 = "o-37", lu_self_org37 = "o-38", lu_self_org38 = "o-39", lu_self_org39 = "o-40", lu_self_org4 = "o-05", lu_self_org5 = "o-06", lu_self_org6 = "o-07", lu_self_org7 = "o-08", lu_self_org8 = "o-09", lu_self_org9 = "o-10", lu_self_user = "u-1"
