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
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND v_a.organization_id = :v_a_org0)
-- values: v_a_org0 = "o-1"

-- org_developer (in o-1), a user's key
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND v_a.organization_id = :v_a_org0)
-- values: v_a_org0 = "o-1"

-- org_operator (in o-1), a user's key
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND v_a.organization_id = :v_a_org0)
-- values: v_a_org0 = "o-1"

-- org_viewer (in o-1), a user's key
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND v_a.organization_id = :v_a_org0)
-- values: v_a_org0 = "o-1"

-- api_client (in o-1), a user's key
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND v_a.organization_id = :v_a_org0)
-- values: v_a_org0 = "o-1"

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
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND v_a.organization_id = :v_a_org0)
-- values: v_a_org0 = "o-1"

-- api_client in o-1, a key without a user
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND v_a.organization_id = :v_a_org0)
-- values: v_a_org0 = "o-1"

-- org_developer in o-1 and org_viewer in o-2
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND ((v_a.organization_id = :v_a_org0) OR (v_a.organization_id = :v_a_org1)))
-- values: v_a_org0 = "o-1", v_a_org1 = "o-2"

-- the :self reads platform-wide, the org-wide reads in o-1
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND ((v_a.organization_id = :v_a_org0) OR (v_a.created_by_user_id = :v_a_self_user AND v_a.organization_id NOT IN (:v_a_wide0)) OR (v_a.created_by_api_key_id = :v_a_self_key AND v_a.created_by_user_id IS NOT :v_a_self_user AND v_a.organization_id NOT IN (:v_a_wide0))))
-- values: v_a_org0 = "o-1", v_a_self_key = "k-1", v_a_self_user = "u-1", v_a_wide0 = "o-1"

-- org_viewer in 40 organizations
EXISTS (SELECT 1 FROM agents v_a WHERE v_a.id = v.agent_id AND v_a.organization_id IN (:v_a_org0, :v_a_org1, :v_a_org2, :v_a_org3, :v_a_org4, :v_a_org5, :v_a_org6, :v_a_org7, :v_a_org8, :v_a_org9, :v_a_org10, :v_a_org11, :v_a_org12, :v_a_org13, :v_a_org14, :v_a_org15, :v_a_org16, :v_a_org17, :v_a_org18, :v_a_org19, :v_a_org20, :v_a_org21, :v_a_org22, :v_a_org23, :v_a_org24, :v_a_org25, :v_a_org26, :v_a_org27, :v_a_org28, :v_a_org29, :v_a_org30, :v_a_org31, :v_a_org32, :v_a_org33, :v_a_org34, :v_a_org35, :v_a_org36, :v_a_org37, :v_a_org38, :v_a_org39))
-- values: v_a_org0 = "o-01", v_a_org1 = "o-02", v_a_org10 = "o-11", v_a_org11 = "o-12", v_a_org12 = "o-13", v_a_org13 = "o-14", v_a_org14 = "o-15", v_a_org15 = "o-16", v_a_org16 = "o-17", v_a_org17 = "o-18", v_a_org18 = "o-19", v_a_org19 = "o-20", v_a_org2 = "o-03", v_a_org20 = "o-21", v_a_org21 = "o-22", v_a_org22 = "o-23", v_a_org23 = "o-24", v_a_org24 = "o-25", v_a_org25 = "o-26", v_a_org26 = "o-27", v_a_org27 = "o-28", v_a_org28 = "o-29", v_a_org29 = "o-30", v_a_org3 = "o-04", v_a_org30 = "o-31", v_a_org31 = "o-32", v_a_org32 = "o-33", v_a_org33 = "o-34", v_a_org34 = "o-35", v_a_org35 = "o-36", v_a_org36 = "o-37", v_a_org37 = "o-38", v_a_org38 = "o-39", v_a_org39 = "o-40", v_a_org4 = "o-05", v_a_org5 = "o-06", v_a_org6 = "o-07", v_a_org7 = "o-08", v_a_org8 = "o-09", v_a_org9 = "o-10"
