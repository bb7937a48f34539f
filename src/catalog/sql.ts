/**
 * SQL generation for snapshot tables: the retain-last merge (Spark SQL, kept to the subset DuckDB
 * shares so it is executed in the test suite) and the `_current` Athena view (Trino).
 */

/**
 * Words that cannot be unquoted identifiers in the merge SQL: DuckDB's reserved keywords, Spark's
 * ANSI-mode reserved keywords and the words Spark reserves even in its default mode. Names are
 * validated against this list so that the generated SQL needs no quoting (Spark quotes with
 * backticks, DuckDB with double quotes: there is no common quoting).
 */
export const RESERVED_WORDS = new Set([
  // DuckDB (duckdb_keywords() where keyword_category = 'reserved')
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast', 'check', 'collate',
  'column', 'constraint', 'create', 'default', 'deferrable', 'desc', 'describe', 'distinct', 'do', 'else', 'end', 'except',
  'false', 'fetch', 'for', 'foreign', 'from', 'group', 'having', 'in', 'initially', 'intersect', 'into', 'lambda', 'lateral',
  'leading', 'limit', 'not', 'null', 'offset', 'on', 'only', 'or', 'order', 'pivot', 'pivot_longer', 'pivot_wider', 'placing',
  'primary', 'qualify', 'references', 'returning', 'select', 'show', 'some', 'summarize', 'symmetric', 'table', 'then', 'to',
  'trailing', 'true', 'union', 'unique', 'unpivot', 'using', 'variadic', 'when', 'where', 'window', 'with',
  // Spark SQL, ANSI mode reserved keywords
  'authorization', 'current_date', 'current_time', 'current_timestamp', 'current_user', 'cross', 'filter', 'full', 'grant',
  'inner', 'is', 'join', 'left', 'natural', 'outer', 'overlaps', 'right', 'session_user', 'time', 'unknown', 'user',
  // Spark SQL, reserved in the default mode too
  'anti', 'minus', 'semi',
]);

/** The column that marks a delete: in the incoming events (null means false) and in the merge's result. */
export const DELETED_COLUMN = '_deleted';

/** What the merge needs to know of the table. */
export interface MergeSpec {
  /** Every data column, in declared order. */
  readonly columns: string[];
  /**
   * Columns whose type cannot be ordered directly (arrays, maps, structs): compared by their JSON
   * text (`to_json`) to break ties. Not `CAST(... AS STRING)`: Spark renders `['a, b']` and
   * `['a', 'b']` both as `[a, b]` (a tie the input order decides), and Spark and DuckDB render
   * nulls, quoted elements and maps differently, so the engines chose different rows.
   */
  readonly complexColumns: string[];
  readonly primaryKey: string[];
  readonly effectiveDateColumn: string;
  /** The incoming events: the columns plus `_deleted`. */
  readonly incomingView: string;
  /** The live rows of the base state: the columns. */
  readonly baseView: string;
  /** The tombstones of the base state: the columns (only the primary key and the effective date set). */
  readonly tombstonesView: string;
}

/**
 * The retain-last merge: one statement whose result is the new state, one row per primary key with
 * `_deleted` (true: a tombstone, false: a live row).
 *
 * Inputs: the base state's live rows and tombstones, and the incoming events (with `_deleted`;
 * those with a null primary key column are dropped). Per primary key the winner is the greatest row
 * by one total order that does not depend on where a row came from: the effective date (nulls
 * last), then deletes before upserts, then the remaining columns in declared order (nulls last;
 * complex ones by their JSON text), all descending. The state after any sequence of batches is
 * therefore the fold of every event so far.
 */
export function retainLastMergeSql(spec: MergeSpec): string {
  const cols = spec.columns.join(', ');
  const keys = spec.primaryKey.join(', ');
  const notNullKeys = spec.primaryKey.map(k => `${k} IS NOT NULL`).join(' AND ');
  const rest = spec.columns.filter(c => c !== spec.effectiveDateColumn && !spec.primaryKey.includes(c));
  const tieBreak = rest.map(c => spec.complexColumns.includes(c) ? `to_json(${c}) DESC NULLS LAST` : `${c} DESC NULLS LAST`);
  const order = [`${spec.effectiveDateColumn} DESC NULLS LAST`, `${DELETED_COLUMN} DESC`, ...tieBreak];
  return [
    'WITH merge_input AS (',
    `  SELECT ${cols}, FALSE AS ${DELETED_COLUMN} FROM ${spec.baseView}`,
    '  UNION ALL',
    `  SELECT ${cols}, TRUE AS ${DELETED_COLUMN} FROM ${spec.tombstonesView}`,
    '  UNION ALL',
    `  SELECT ${cols}, COALESCE(${DELETED_COLUMN}, FALSE) AS ${DELETED_COLUMN} FROM ${spec.incomingView}`,
    `  WHERE ${notNullKeys}`,
    '),',
    'merge_ranked AS (',
    `  SELECT ${cols}, ${DELETED_COLUMN},`,
    `    ROW_NUMBER() OVER (PARTITION BY ${keys} ORDER BY ${order.join(', ')}) AS _merge_rank`,
    '  FROM merge_input',
    ')',
    `SELECT ${cols}, ${DELETED_COLUMN}`,
    'FROM merge_ranked',
    'WHERE _merge_rank = 1',
  ].join('\n');
}

/** Splits a Hive type's top-level comma-separated parts (`a:int,b:array<string>`). */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '<' || ch === '(') {depth++;} else if (ch === '>' || ch === ')') {depth--;} else if (ch === ',' && depth === 0) {
      parts.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(s.slice(start).trim());
  return parts;
}

const PRIMITIVES: { [hive: string]: string } = {
  string: 'varchar',
  tinyint: 'tinyint',
  smallint: 'smallint',
  int: 'integer',
  integer: 'integer',
  bigint: 'bigint',
  float: 'real',
  double: 'double',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp(3)',
  binary: 'varbinary',
};

/**
 * The Trino type of a Hive (Glue) column type, as Athena writes it in a view definition:
 * `string` -> `varchar`, `array<int>` -> `array(integer)`, `struct<a:int>` -> `row(a integer)`.
 * Returns undefined for a type it does not know.
 */
export function trinoType(hive: string): string | undefined {
  const t = hive.trim().toLowerCase();
  if (t in PRIMITIVES) return PRIMITIVES[t];
  let m = /^(decimal|char|varchar)\((\d+(?:,\s*\d+)?)\)$/.exec(t);
  if (m) return `${m[1]}(${m[2].replace(/\s/g, '')})`;
  if (t === 'decimal') return 'decimal(10,0)';
  m = /^(array|map|struct)<(.*)>$/.exec(t);
  if (!m) return undefined;
  const inner = splitTopLevel(m[2]);
  if (m[1] === 'array') {
    const e = inner.length === 1 ? trinoType(inner[0]) : undefined;
    return e && `array(${e})`;
  }
  if (m[1] === 'map') {
    const [k, v] = inner.length === 2 ? inner.map(trinoType) : [undefined, undefined];
    return k && v && `map(${k}, ${v})`;
  }
  const fields = inner.map(f => {
    const i = f.indexOf(':');
    const type = i > 0 ? trinoType(f.slice(i + 1)) : undefined;
    return type && `${f.slice(0, i).trim()} ${type}`;
  });
  return fields.every(f => f) ? `row(${fields.join(', ')})` : undefined;
}

/** What the `_current` view needs to know of the table. */
export interface CurrentViewSpec {
  /** The view's columns: the data columns, then the partition key. */
  readonly columns: string[];
  readonly databaseName: string;
  readonly tableName: string;
  readonly partitionKey: string;
  /** The `date_format` pattern of a partition value, e.g. `%Y-%m`. */
  readonly strftimeFormat: string;
  /** The `date_add` unit of one period, e.g. `month`. */
  readonly sqlUnit: string;
}

/**
 * The Trino SQL of the `_current` view: the newest registered partition among the current and the
 * previous period (UTC), chosen from the table's `$partitions` metadata table (Athena lists a
 * table's registered partitions there: "List partitions for a specific table",
 * https://docs.aws.amazon.com/athena/latest/ug/querying-glue-catalog-listing-partitions.html), so
 * a registered partition whose entities were all deleted is the current one, with no rows. The
 * outer query also filters the partition key on the two periods, so only their partitions qualify.
 */
export function currentViewSql(spec: CurrentViewSpec): string {
  const q = (name: string) => `"${name}"`;
  const now = "current_timestamp AT TIME ZONE 'UTC'";
  const periods = `(date_format(${now}, '${spec.strftimeFormat}'), date_format(date_add('${spec.sqlUnit}', -1, ${now}), '${spec.strftimeFormat}'))`;
  const table = `${q(spec.databaseName)}.${q(spec.tableName)}`;
  const partitions = `${q(spec.databaseName)}.${q(`${spec.tableName}$partitions`)}`;
  const key = q(spec.partitionKey);
  return [
    `SELECT ${spec.columns.map(q).join(', ')}`,
    `FROM ${table}`,
    `WHERE ${key} IN ${periods}`,
    `AND ${key} = (SELECT max(${key}) FROM ${partitions} WHERE ${key} IN ${periods})`,
  ].join('\n');
}
