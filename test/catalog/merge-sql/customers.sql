WITH merge_input AS (
  SELECT customer_id, email, country, updated_at, FALSE AS _deleted, 1 AS _merge_source FROM current_snapshot
  UNION ALL
  SELECT customer_id, email, country, updated_at, FALSE AS _deleted, 1 AS _merge_source FROM previous_snapshot
  WHERE NOT EXISTS (SELECT 1 FROM current_snapshot)
  UNION ALL
  SELECT customer_id, email, country, updated_at, COALESCE(_deleted, FALSE) AS _deleted, 0 AS _merge_source FROM incoming
  WHERE customer_id IS NOT NULL
),
merge_ranked AS (
  SELECT customer_id, email, country, updated_at, _deleted,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC NULLS LAST, _merge_source ASC, _deleted DESC, email DESC NULLS LAST, country DESC NULLS LAST) AS _merge_rank
  FROM merge_input
)
SELECT customer_id, email, country, updated_at
FROM merge_ranked
WHERE _merge_rank = 1 AND NOT _deleted
