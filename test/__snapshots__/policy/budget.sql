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
b.organization_id = ?
-- values: "o-1"

-- org_developer (in o-1), a user's key
((b.user_id = ? AND b.organization_id IN (?)) OR (b.api_key_id = ? AND b.user_id IS NOT ? AND b.organization_id IN (?)))
-- values: "u-1", "o-1", "k-1", "u-1", "o-1"

-- org_operator (in o-1), a user's key
((b.user_id = ? AND b.organization_id IN (?)) OR (b.api_key_id = ? AND b.user_id IS NOT ? AND b.organization_id IN (?)))
-- values: "u-1", "o-1", "k-1", "u-1", "o-1"

-- org_viewer (in o-1), a user's key
((b.user_id = ? AND b.organization_id IN (?)) OR (b.api_key_id = ? AND b.user_id IS NOT ? AND b.organization_id IN (?)))
-- values: "u-1", "o-1", "k-1", "u-1", "o-1"

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
b.user_id = ? AND b.organization_id IN (?)
-- values: "u-1", "o-1"

-- api_client in o-1, a key without a user
FALSE
-- values: (none)

-- org_developer in o-1 and org_viewer in o-2
((b.user_id = ? AND b.organization_id IN (?, ?)) OR (b.api_key_id = ? AND b.user_id IS NOT ? AND b.organization_id IN (?, ?)))
-- values: "u-1", "o-1", "o-2", "k-1", "u-1", "o-1", "o-2"

-- the :self reads platform-wide, the org-wide reads in o-1
((b.organization_id = ?) OR (b.user_id = ? AND b.organization_id NOT IN (?)) OR (b.api_key_id = ? AND b.user_id IS NOT ? AND b.organization_id NOT IN (?)))
-- values: "o-1", "u-1", "o-1", "k-1", "u-1", "o-1"

-- org_viewer in 40 organizations
b.user_id = ? AND b.organization_id IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
-- values: "u-1", "o-01", "o-02", "o-03", "o-04", "o-05", "o-06", "o-07", "o-08", "o-09", "o-10", "o-11", "o-12", "o-13", "o-14", "o-15", "o-16", "o-17", "o-18", "o-19", "o-20", "o-21", "o-22", "o-23", "o-24", "o-25", "o-26", "o-27", "o-28", "o-29", "o-30", "o-31", "o-32", "o-33", "o-34", "o-35", "o-36", "o-37", "o-38", "o-39", "o-40"
