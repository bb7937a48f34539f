WITH merge_input AS (
  SELECT customer_id, tags, address, attributes, valid_on, FALSE AS _deleted FROM base_snapshot
  UNION ALL
  SELECT customer_id, tags, address, attributes, valid_on, TRUE AS _deleted FROM base_tombstones
  UNION ALL
  SELECT customer_id, tags, address, attributes, valid_on, COALESCE(_deleted, FALSE) AS _deleted FROM incoming
  WHERE customer_id IS NOT NULL
),
merge_ranked AS (
  SELECT customer_id, tags, address, attributes, valid_on, _deleted,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY valid_on DESC NULLS LAST, _deleted DESC, to_json(tags) DESC NULLS LAST, to_json(address) DESC NULLS LAST, to_json(attributes) DESC NULLS LAST) AS _merge_rank
  FROM merge_input
)
SELECT customer_id, tags, address, attributes, valid_on, _deleted
FROM merge_ranked
WHERE _merge_rank = 1
