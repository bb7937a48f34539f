WITH merge_input AS (
  SELECT customer_id, email, country, updated_at, FALSE AS _deleted FROM base_snapshot
  UNION ALL
  SELECT customer_id, email, country, updated_at, TRUE AS _deleted FROM base_tombstones
  UNION ALL
  SELECT customer_id, email, country, updated_at, COALESCE(_deleted, FALSE) AS _deleted FROM incoming
  WHERE customer_id IS NOT NULL
),
merge_ranked AS (
  SELECT customer_id, email, country, updated_at, _deleted,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC NULLS LAST, _deleted DESC, email DESC NULLS LAST, country DESC NULLS LAST) AS _merge_rank
  FROM merge_input
)
SELECT customer_id, email, country, updated_at, _deleted
FROM merge_ranked
WHERE _merge_rank = 1
