WITH merge_input AS (
  SELECT customer_id, tags, address, attributes, valid_on, FALSE AS _deleted, 1 AS _merge_source FROM current_snapshot
  UNION ALL
  SELECT customer_id, tags, address, attributes, valid_on, FALSE AS _deleted, 1 AS _merge_source FROM previous_snapshot
  WHERE NOT EXISTS (SELECT 1 FROM current_snapshot)
  UNION ALL
  SELECT customer_id, tags, address, attributes, valid_on, COALESCE(_deleted, FALSE) AS _deleted, 0 AS _merge_source FROM incoming
  WHERE customer_id IS NOT NULL
),
merge_ranked AS (
  SELECT customer_id, tags, address, attributes, valid_on, _deleted,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY valid_on DESC NULLS LAST, _merge_source ASC, _deleted DESC, to_json(tags) DESC NULLS LAST, to_json(address) DESC NULLS LAST, to_json(attributes) DESC NULLS LAST) AS _merge_rank
  FROM merge_input
)
SELECT customer_id, tags, address, attributes, valid_on
FROM merge_ranked
WHERE _merge_rank = 1 AND NOT _deleted
