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
i.organization_id = :i_org0
-- values: i_org0 = "o-1"

-- org_developer (in o-1), a user's key
i.organization_id = :i_org0
-- values: i_org0 = "o-1"

-- org_operator (in o-1), a user's key
i.organization_id = :i_org0
-- values: i_org0 = "o-1"

-- org_viewer (in o-1), a user's key
i.organization_id = :i_org0
-- values: i_org0 = "o-1"

-- api_client (in o-1), a user's key
i.organization_id = :i_org0
-- values: i_org0 = "o-1"

-- backend_service (platform-wide), a user's key
1
-- values: (none)

-- compiler_service (platform-wide), a user's key
1
-- values: (none)

-- job_runner_service (platform-wide), a user's key
0
-- values: (none)

-- org_developer in o-1, as the user
i.organization_id = :i_org0
-- values: i_org0 = "o-1"

-- api_client in o-1, a key without a user
i.organization_id = :i_org0
-- values: i_org0 = "o-1"

-- org_developer in o-1 and org_viewer in o-2
((i.organization_id = :i_org0) OR (i.organization_id = :i_org1))
-- values: i_org0 = "o-1", i_org1 = "o-2"

-- the :self reads platform-wide, the org-wide reads in o-1
0
-- values: (none)

-- org_viewer in 40 organizations
i.organization_id IN (:i_org0, :i_org1, :i_org2, :i_org3, :i_org4, :i_org5, :i_org6, :i_org7, :i_org8, :i_org9, :i_org10, :i_org11, :i_org12, :i_org13, :i_org14, :i_org15, :i_org16, :i_org17, :i_org18, :i_org19, :i_org20, :i_org21, :i_org22, :i_org23, :i_org24, :i_org25, :i_org26, :i_org27, :i_org28, :i_org29, :i_org30, :i_org31, :i_org32, :i_org33, :i_org34, :i_org35, :i_org36, :i_org37, :i_org38, :i_org39)
-- values: i_org0 = "o-01", i_org1 = "o-02", i_org10 = "o-11", i_org11 = "o-12", i_org12 = "o-13", i_org13 = "o-14", i_org14 = "o-15", i_org15 = "o-16", i_org16 = "o-17", i_org17 = "o-18", i_org18 = "o-19", i_org19 = "o-20", i_org2 = "o-03", i_org20 = "o-21", i_org21 = "o-22", i_org22 = "o-23", i_org23 = "o-24", i_org24 = "o-25", i_org25 = "o-26", i_org26 = "o-27", i_org27 = "o-28", i_org28 = "o-29", i_org29 = "o-30", i_org3 = "o-04", i_org30 = "o-31", i_org31 = "o-32", i_org32 = "o-33", i_org33 = "o-34", i_org34 = "o-35", i_org35 = "o-36", i_org36 = "o-37", i_org37 = "o-38", i_org38 = "o-39", i_org39 = "o-40", i_org4 = "o-05", i_org5 = "o-06", i_org6 = "o-07", i_org7 = "o-08", i_org8 = "o-09", i_org9 = "o-10"
