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
d.organization_id = :d_org0
-- values: d_org0 = "o-1"

-- org_developer (in o-1), a user's key
d.organization_id = :d_org0
-- values: d_org0 = "o-1"

-- org_operator (in o-1), a user's key
d.organization_id = :d_org0
-- values: d_org0 = "o-1"

-- org_viewer (in o-1), a user's key
d.organization_id = :d_org0
-- values: d_org0 = "o-1"

-- api_client (in o-1), a user's key
d.organization_id = :d_org0
-- values: d_org0 = "o-1"

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
d.organization_id = :d_org0
-- values: d_org0 = "o-1"

-- api_client in o-1, a key without a user
d.organization_id = :d_org0
-- values: d_org0 = "o-1"

-- org_developer in o-1 and org_viewer in o-2
((d.organization_id = :d_org0) OR (d.organization_id = :d_org1))
-- values: d_org0 = "o-1", d_org1 = "o-2"

-- the :self reads platform-wide, the org-wide reads in o-1
0
-- values: (none)

-- org_viewer in 40 organizations
d.organization_id IN (:d_org0, :d_org1, :d_org2, :d_org3, :d_org4, :d_org5, :d_org6, :d_org7, :d_org8, :d_org9, :d_org10, :d_org11, :d_org12, :d_org13, :d_org14, :d_org15, :d_org16, :d_org17, :d_org18, :d_org19, :d_org20, :d_org21, :d_org22, :d_org23, :d_org24, :d_org25, :d_org26, :d_org27, :d_org28, :d_org29, :d_org30, :d_org31, :d_org32, :d_org33, :d_org34, :d_org35, :d_org36, :d_org37, :d_org38, :d_org39)
-- values: d_org0 = "o-01", d_org1 = "o-02", d_org10 = "o-11", d_org11 = "o-12", d_org12 = "o-13", d_org13 = "o-14", d_org14 = "o-15", d_org15 = "o-16", d_org16 = "o-17", d_org17 = "o-18", d_org18 = "o-19", d_org19 = "o-20", d_org2 = "o-03", d_org20 = "o-21", d_org21 = "o-22", d_org22 = "o-23", d_org23 = "o-24", d_org24 = "o-25", d_org25 = "o-26", d_org26 = "o-27", d_org27 = "o-28", d_org28 = "o-29", d_org29 = "o-30", d_org3 = "o-04", d_org30 = "o-31", d_org31 = "o-32", d_org32 = "o-33", d_org33 = "o-34", d_org34 = "o-35", d_org35 = "o-36", d_org36 = "o-37", d_org37 = "o-38", d_org38 = "o-39", d_org39 = "o-40", d_org4 = "o-05", d_org5 = "o-06", d_org6 = "o-07", d_org7 = "o-08", d_org8 = "o-09", d_org9 = "o-10"
