// The corner cases of the retain-last merge (merge-cases.json), shared by the DuckDB test, the test that
// keeps test/catalog/merge-sql/*.sql equal to the generated SQL, and the Spark SQL test (Python).
import * as fs from 'fs';
import * as path from 'path';
import type * as glue from 'aws-cdk-lib/aws-glue';
import { customersTable } from './fixtures';
import { SnapshotGranularity } from '../../src';
import { DuckDb } from '../helpers/duckdb';

/** A value of a row as JSON holds it: timestamps as ISO strings, maps and structs as objects. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonRow = { [column: string]: Json };

/** A table of the cases: Glue (Hive) column types, primary key, effective-date column, granularity name. */
export interface MergeTableSpec {
  readonly columns: { readonly name: string; readonly type: string }[];
  readonly primaryKey: string[];
  readonly effectiveDateColumn: string;
  readonly granularity: 'YEAR' | 'MONTH' | 'DAY' | 'HOUR';
}

/** A merge run after the case's first one, on the previous result as the base state (`stateOf`). */
export interface MergeRerun {
  readonly incoming?: JsonRow[];
  readonly expected: JsonRow[];
}

export interface MergeCase {
  readonly name: string;
  readonly note?: string;
  readonly table: string;
  /** The base state's live rows (the table's columns). */
  readonly base: JsonRow[];
  /** The base state's tombstones (the table's columns; only the primary key and the effective date set). */
  readonly tombstones: JsonRow[];
  /** The events (the table's columns plus `_deleted`). */
  readonly incoming: JsonRow[];
  /** The merge's result: the table's columns plus `_deleted`, one row per primary key. */
  readonly expected: JsonRow[];
  readonly then?: MergeRerun[];
}

/** The views the merge SQL reads by default. */
export const VIEWS = { incoming: 'incoming', base: 'base_snapshot', tombstones: 'base_tombstones' } as const;

export interface MergeCases {
  readonly tables: { [name: string]: MergeTableSpec };
  readonly cases: MergeCase[];
}

export const MERGE_CASES_FILE = path.join(__dirname, 'merge-cases.json');
export const MERGE_SQL_DIR = path.join(__dirname, 'merge-sql');
export const DELETED = '_deleted';

export const MERGE_CASES: MergeCases = JSON.parse(fs.readFileSync(MERGE_CASES_FILE, 'utf8'));

/** The Glue type of a Hive type string: complex types (array, struct, map) are not primitive. */
export function glueType(hive: string): glue.Type {
  return { inputString: hive, isPrimitive: !/^(array|struct|map)</i.test(hive.trim()) };
}

/** The customers-like SnapshotPartitionTable named `name` in merge-cases.json, built as the constructs build it. */
export function mergeCaseTable(name: string) {
  const spec = MERGE_CASES.tables[name];
  if (!spec) throw new Error(`merge-cases.json: no table ${name}`);
  return customersTable({
    tableName: name,
    columns: spec.columns.map(c => ({ name: c.name, type: glueType(c.type) })),
    primaryKey: spec.primaryKey,
    effectiveDateColumn: spec.effectiveDateColumn,
    granularity: SnapshotGranularity[spec.granularity],
  }).table;
}

/** A parsed Hive type. */
export type HiveType =
  | { readonly kind: 'primitive'; readonly name: string }
  | { readonly kind: 'array'; readonly element: HiveType }
  | { readonly kind: 'map'; readonly key: HiveType; readonly value: HiveType }
  | { readonly kind: 'struct'; readonly fields: { readonly name: string; readonly type: HiveType }[] };

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '<' || s[i] === '(') {
      depth++;
    } else if (s[i] === '>' || s[i] === ')') {
      depth--;
    } else if (s[i] === ',' && depth === 0) {
      parts.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(s.slice(start).trim());
  return parts;
}

export function parseHiveType(hive: string): HiveType {
  const t = hive.trim().toLowerCase();
  const m = /^(array|map|struct)<(.*)>$/.exec(t);
  if (!m) return { kind: 'primitive', name: t };
  const inner = splitTopLevel(m[2]);
  if (m[1] === 'array') return { kind: 'array', element: parseHiveType(inner[0]) };
  if (m[1] === 'map') return { kind: 'map', key: parseHiveType(inner[0]), value: parseHiveType(inner[1]) };
  return {
    kind: 'struct',
    fields: inner.map(f => ({ name: f.slice(0, f.indexOf(':')).trim(), type: parseHiveType(f.slice(f.indexOf(':') + 1)) })),
  };
}

const DUCKDB_PRIMITIVES: { [hive: string]: string } = Object.fromEntries([
  ['string', 'VARCHAR'], ['boolean', 'BOOLEAN'], ['tinyint', 'TINYINT'], ['smallint', 'SMALLINT'], ['int', 'INTEGER'],
  ['integer', 'INTEGER'], ['bigint', 'BIGINT'], ['float', 'FLOAT'], ['double', 'DOUBLE'], ['date', 'DATE'], ['timestamp', 'TIMESTAMP'],
]);

/** The DuckDB type of a Hive type: `array<string>` -> `VARCHAR[]`, `struct<a:int>` -> `STRUCT(a INTEGER)`. */
export function duckDbType(t: HiveType): string {
  switch (t.kind) {
    case 'array': return `${duckDbType(t.element)}[]`;
    case 'map': return `MAP(${duckDbType(t.key)}, ${duckDbType(t.value)})`;
    case 'struct': return `STRUCT(${t.fields.map(f => `${f.name} ${duckDbType(f.type)}`).join(', ')})`;
    default: {
      const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(t.name);
      if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
      const type = DUCKDB_PRIMITIVES[t.name];
      if (!type) throw new Error(`merge-cases.json: no DuckDB type for ${t.name}`);
      return type;
    }
  }
}

/** `2026-11-01 08:00:00.500000` or `2026-11-01T08:00:00.5Z` -> `2026-11-01T08:00:00.5`: one spelling per instant. */
export function canonicalTimestamp(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:Z|\+00(?::?00)?)?$/.exec(value);
  if (!m) throw new Error(`not a UTC timestamp: ${value}`);
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]}T${m[2]}${fraction ? `.${fraction}` : ''}`;
}

/**
 * A value in one comparable form, directed by its type: timestamps canonical, maps as objects with
 * sorted keys (DuckDB returns them as key/value lists), structs as objects in field order.
 */
export function canonicalValue(value: unknown, t: HiveType): Json {
  if (value === null || value === undefined) return null;
  switch (t.kind) {
    case 'array': return (value as unknown[]).map(v => canonicalValue(v, t.element));
    case 'struct': {
      const o = value as { [k: string]: unknown };
      return Object.fromEntries(t.fields.map(f => [f.name, canonicalValue(o[f.name], f.type)]));
    }
    case 'map': {
      const entries: [string, unknown][] = Array.isArray(value)
        ? (value as { key: unknown; value: unknown }[]).map(e => [String(e.key), e.value])
        : Object.entries(value as object);
      return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonicalValue(v, t.value)]));
    }
    default:
      if (t.name === 'timestamp') return canonicalTimestamp(value as string);
      if (/^(tinyint|smallint|int|integer|bigint|float|double)$/.test(t.name)) return Number(value);
      return value as Json;
  }
}

/** The column types of a table, and the incoming events' (with `_deleted`). */
export function columnTypes(table: MergeTableSpec, incoming: boolean): [string, HiveType][] {
  const cols: [string, HiveType][] = table.columns.map(c => [c.name, parseHiveType(c.type)]);
  return incoming ? [...cols, [DELETED, parseHiveType('boolean')]] : cols;
}

/** Rows in one comparable form, sorted by their JSON: equal row sets give equal arrays. */
export function canonicalRows(rows: { [column: string]: unknown }[], columns: [string, HiveType][]): JsonRow[] {
  return rows
    .map(r => Object.fromEntries(columns.map(([name, t]) => [name, canonicalValue(r[name], t)])))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * The base state the job runtime keeps after a merge whose result is `rows`: the winners with
 * `_deleted` false are the partition's rows, those with `_deleted` true are tombstones, of which
 * only the primary key and the effective date are stored.
 */
export function stateOf(table: MergeTableSpec, rows: JsonRow[]): { base: JsonRow[]; tombstones: JsonRow[] } {
  const strip = (r: JsonRow): JsonRow => Object.fromEntries(table.columns.map(c => [c.name, r[c.name] ?? null]));
  const kept = new Set([...table.primaryKey, table.effectiveDateColumn]);
  return {
    base: rows.filter(r => r[DELETED] !== true).map(strip),
    tombstones: rows.filter(r => r[DELETED] === true)
      .map(r => Object.fromEntries(table.columns.map(c => [c.name, kept.has(c.name) ? r[c.name] ?? null : null]))),
  };
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * (Re)creates the DuckDB table `name` with `columns` holding `rows`: each row's JSON is cast to the
 * table's struct type, so complex values need no SQL literals. Every row must name every column.
 */
export async function loadDuckDbView(db: DuckDb, name: string, columns: [string, HiveType][], rows: JsonRow[]): Promise<void> {
  for (const row of rows) {
    const keys = Object.keys(row).sort();
    const expected = columns.map(([c]) => c).sort();
    if (JSON.stringify(keys) !== JSON.stringify(expected)) {
      throw new Error(`merge-cases.json: a row of ${name} has the columns ${keys.join(', ')}; expected ${expected.join(', ')}`);
    }
  }
  const defs = columns.map(([c, t]) => `${c} ${duckDbType(t)}`).join(', ');
  await db.rows(`CREATE OR REPLACE TABLE ${name} (${defs})`);
  if (rows.length === 0) return;
  const values = rows.map(r => `(${sqlString(JSON.stringify(r))})`).join(', ');
  await db.rows(
    `INSERT INTO ${name} SELECT ${columns.map(([c]) => `r.${c}`).join(', ')} `
    + `FROM (SELECT CAST(CAST(j AS JSON) AS STRUCT(${defs})) AS r FROM (VALUES ${values}) AS v(j))`,
  );
}
