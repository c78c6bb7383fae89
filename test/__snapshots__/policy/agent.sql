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
a.organization_id = :a_org0
-- values: a_org0 = "o-1"

-- org_developer (in o-1), a user's key
a.organization_id = :a_org0
-- values: a_org0 = "o-1"

-- org_operator (in o-1), a user's key
a.organization_id = :a_org0
-- values: a_org0 = "o-1"

-- org_viewer (in o-1), a user's key
a.organization_id = :a_org0
-- values: a_org0 = "o-1"

-- api_client (in o-1), a user's key
a.organization_id = :a_org0
-- values: a_org0 = "o-1"

-- backend_service (platform-wide), a user's key
1
-- values: (none)

-- compiler_service (platform-wide), a user's key
1
-- values: (none)

-- job_runner_service (platform-wide), a user's key
1
-- values: (none)

-- org_developer in o-1, as the user
a.organization_id = :a_org0
-- values: a_org0 = "o-1"

-- api_client in o-1, a key without a user
a.organization_id = :a_org0
-- values: a_org0 = "o-1"

-- org_developer in o-1 and org_viewer in o-2
((a.organization_id = :a_org0) OR (a.organization_id = :a_org1))
-- values: a_org0 = "o-1", a_org1 = "o-2"

-- the :self reads platform-wide, the org-wide reads in o-1
((a.organization_id = :a_org0) OR (a.created_by_user_id = :a_self_user AND a.organization_id NOT IN (:a_wide0)) OR (a.created_by_api_key_id = :a_self_key AND a.created_by_user_id IS NOT :a_self_user AND a.organization_id NOT IN (:a_wide0)))
-- values: a_org0 = "o-1", a_self_key = "k-1", a_self_user = "u-1", a_wide0 = "o-1"

-- org_viewer in 40 organizations
a.organization_id IN (:a_org0, :a_org1, :a_org2, :a_org3, :a_org4, :a_org5, :a_org6, :a_org7, :a_org8, :a_org9, :a_org10, :a_org11, :a_org12, :a_org13, :a_org14, :a_org15, :a_org16, :a_org17, :a_org18, :a_org19, :a_org20, :a_org21, :a_org22, :a_org23, :a_org24, :a_org25, :a_org26, :a_org27, :a_org28, :a_org29, :a_org30, :a_org31, :a_org32, :a_org33, :a_org34, :a_org35, :a_org36, :a_org37, :a_org38, :a_org39)
-- values: a_org0 = "o-01", a_org1 = "o-02", a_org10 = "o-11", a_org11 = "o-12", a_org12 = "o-13", a_org13 = "o-14", a_org14 = "o-15", a_org15 = "o-16", a_org16 = "o-17", a_org17 = "o-18", a_org18 = "o-19", a_org19 = "o-20", a_org2 = "o-03", a_org20 = "o-21", a_org21 = "o-22", a_org22 = "o-23", a_org23 = "o-24", a_org24 = "o-25", a_org25 = "o-26", a_org26 = "o-27", a_org27 = "o-28", a_org28 = "o-29", a_org29 = "o-30", a_org3 = "o-04", a_org30 = "o-31", a_org31 = "o-32", a_org32 = "o-33", a_org33 = "o-34", a_org34 = "o-35", a_org35 = "o-36", a_org36 = "o-37", a_org37 = "o-38", a_org38 = "o-39", a_org39 = "o-40", a_org4 = "o-05", a_org5 = "o-06", a_org6 = "o-07", a_org7 = "o-08", a_org8 = "o-09", a_org9 = "o-10"
