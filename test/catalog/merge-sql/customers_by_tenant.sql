WITH merge_input AS (
  SELECT tenant_id, customer_id, email, updated_at, FALSE AS _deleted FROM base_snapshot
  UNION ALL
  SELECT tenant_id, customer_id, email, updated_at, TRUE AS _deleted FROM base_tombstones
  UNION ALL
  SELECT tenant_id, customer_id, email, updated_at, COALESCE(_deleted, FALSE) AS _deleted FROM incoming
  WHERE tenant_id IS NOT NULL AND customer_id IS NOT NULL
),
merge_ranked AS (
  SELECT tenant_id, customer_id, email, updated_at, _deleted,
    ROW_NUMBER() OVER (PARTITION BY tenant_id, customer_id ORDER BY updated_at DESC NULLS LAST, _deleted DESC, email DESC NULLS LAST) AS _merge_rank
  FROM merge_input
)
SELECT tenant_id, customer_id, email, updated_at, _deleted
FROM merge_ranked
WHERE _merge_rank = 1
