-- Usage records are listed in time order only: the indexes that ordered an organization's usage by cost and by
-- total tokens put two random-position B-tree inserts on every ingested record (a batch of 1,000 dirtied some
-- 2,000 index pages; ingest ran 3 to 5 times slower with them). Costly calls are found with usageSummary.
DROP INDEX IF EXISTS llm_usage_org_cost;
DROP INDEX IF EXISTS llm_usage_org_tokens;
