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
s.organization_id = :s_org0
-- values: s_org0 = "o-1"

-- org_developer (in o-1), a user's key
((s.started_by_user_id = :s_self_user AND s.organization_id IN (:s_self_org0)) OR (s.started_by_api_key_id = :s_self_key AND s.started_by_user_id IS NOT :s_self_user AND s.organization_id IN (:s_self_org0)))
-- values: s_self_key = "k-1", s_self_org0 = "o-1", s_self_user = "u-1"

-- org_operator (in o-1), a user's key
s.organization_id = :s_org0
-- values: s_org0 = "o-1"

-- org_viewer (in o-1), a user's key
s.organization_id = :s_org0
-- values: s_org0 = "o-1"

-- api_client (in o-1), a user's key
((s.started_by_user_id = :s_self_user AND s.organization_id IN (:s_self_org0)) OR (s.started_by_api_key_id = :s_self_key AND s.started_by_user_id IS NOT :s_self_user AND s.organization_id IN (:s_self_org0)))
-- values: s_self_key = "k-1", s_self_org0 = "o-1", s_self_user = "u-1"

-- backend_service (platform-wide), a user's key
1
-- values: (none)

-- compiler_service (platform-wide), a user's key
0
-- values: (none)

-- job_runner_service (platform-wide), a user's key
1
-- values: (none)

-- org_developer in o-1, as the user
s.started_by_user_id = :s_self_user AND s.organization_id IN (:s_self_org0)
-- values: s_self_org0 = "o-1", s_self_user = "u-1"

-- api_client in o-1, a key without a user
s.started_by_api_key_id = :s_self_key AND s.organization_id IN (:s_self_org0)
-- values: s_self_key = "k-1", s_self_org0 = "o-1"

-- org_developer in o-1 and org_viewer in o-2
((s.organization_id = :s_org0) OR (s.started_by_user_id = :s_self_user AND s.organization_id IN (:s_self_org0)) OR (s.started_by_api_key_id = :s_self_key AND s.started_by_user_id IS NOT :s_self_user AND s.organization_id IN (:s_self_org0)))
-- values: s_org0 = "o-2", s_self_key = "k-1", s_self_org0 = "o-1", s_self_user = "u-1"

-- the :self reads platform-wide, the org-wide reads in o-1
((s.organization_id = :s_org0) OR (s.started_by_user_id = :s_self_user AND s.organization_id NOT IN (:s_wide0)) OR (s.started_by_api_key_id = :s_self_key AND s.started_by_user_id IS NOT :s_self_user AND s.organization_id NOT IN (:s_wide0)))
-- values: s_org0 = "o-1", s_self_key = "k-1", s_self_user = "u-1", s_wide0 = "o-1"

-- org_viewer in 40 organizations
s.organization_id IN (:s_org0, :s_org1, :s_org2, :s_org3, :s_org4, :s_org5, :s_org6, :s_org7, :s_org8, :s_org9, :s_org10, :s_org11, :s_org12, :s_org13, :s_org14, :s_org15, :s_org16, :s_org17, :s_org18, :s_org19, :s_org20, :s_org21, :s_org22, :s_org23, :s_org24, :s_org25, :s_org26, :s_org27, :s_org28, :s_org29, :s_org30, :s_org31, :s_org32, :s_org33, :s_org34, :s_org35, :s_org36, :s_org37, :s_org38, :s_org39)
-- values: s_org0 = "o-01", s_org1 = "o-02", s_org10 = "o-11", s_org11 = "o-12", s_org12 = "o-13", s_org13 = "o-14", s_org14 = "o-15", s_org15 = "o-16", s_org16 = "o-17", s_org17 = "o-18", s_org18 = "o-19", s_org19 = "o-20", s_org2 = "o-03", s_org20 = "o-21", s_org21 = "o-22", s_org22 = "o-23", s_org23 = "o-24", s_org24 = "o-25", s_org25 = "o-26", s_org26 = "o-27", s_org27 = "o-28", s_org28 = "o-29", s_org29 = "o-30", s_org3 = "o-04", s_org30 = "o-31", s_org31 = "o-32", s_org32 = "o-33", s_org33 = "o-34", s_org34 = "o-35", s_org35 = "o-36", s_org36 = "o-37", s_org37 = "o-38", s_org38 = "o-39", s_org39 = "o-40", s_org4 = "o-05", s_org5 = "o-06", s_org6 = "o-07", s_org7 = "o-08", s_org8 = "o-09", s_org9 = "o-10"
