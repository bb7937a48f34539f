// A property of the retain-last merge SQL, executed in DuckDB: loading a stream of change events in
// incremental batches gives, after every batch, the state a full-history recomputation gives.
//
// The streams are random but seeded (the same on every run, whatever the machine's speed): small key,
// date and value domains so that equal dates, deletes against stored rows, late events older than a
// tombstone and null dates and keys happen often. Each stream is split into random batches (some
// empty); after each batch the state is what the job runtime keeps (the winners with `_deleted`
// false as rows, those with `_deleted` true as tombstones holding only the key and the date) and is
// the base of the next batch. The oracle computes fold(all events so far) directly in TypeScript.
//
// The streams run side by side in one table whose primary key starts with the stream's number:
// the statement ranks rows per primary key (PARTITION BY), so streams never meet, and one statement
// per round of batches runs every stream (a few hundred streams in a few seconds).
import * as glue from 'aws-cdk-lib/aws-glue';
import { customersTable } from './fixtures';
import {
  canonicalRows, columnTypes, DELETED, type JsonRow, loadDuckDbView, type MergeTableSpec, stateOf, VIEWS,
} from './merge-cases';
import { DuckDb } from '../helpers/duckdb';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const SEED = 20261119;
const STREAMS = 300;
const MAX_EVENTS = 24;
const MAX_BATCHES = 5;

const TABLE: MergeTableSpec = {
  columns: [
    { name: 'stream_id', type: 'int' },
    { name: 'customer_id', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'tags', type: 'array<string>' },
    { name: 'country', type: 'string' },
    { name: 'updated_at', type: 'timestamp' },
  ],
  primaryKey: ['stream_id', 'customer_id'],
  effectiveDateColumn: 'updated_at',
  granularity: 'MONTH',
};
/** The columns after the key and the date, in declared order: the tie-break of the total order. */
const REST = ['email', 'tags', 'country'];

const { table } = customersTable({
  tableName: 'customers_by_stream',
  columns: [
    { name: 'stream_id', type: glue.Schema.INTEGER },
    { name: 'customer_id', type: glue.Schema.STRING },
    { name: 'email', type: glue.Schema.STRING },
    { name: 'tags', type: glue.Schema.array(glue.Schema.STRING) },
    { name: 'country', type: glue.Schema.STRING },
    { name: 'updated_at', type: glue.Schema.TIMESTAMP },
  ],
  primaryKey: ['stream_id', 'customer_id'],
  effectiveDateColumn: 'updated_at',
});
const MERGE = table.retainLastMergeSql();

/** The Park-Miller "minimal standard" generator: seeded, uniform in [0, 1), exact in double arithmetic. */
function prng(seed: number): () => number {
  const M = 2147483647;
  let state = (seed % (M - 1)) + 1;
  return () => {
    state = (state * 48271) % M;
    return (state - 1) / (M - 1);
  };
}

type Random = () => number;
const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)];

const KEYS = ['c1', 'c1', 'c2', 'c2', 'c3', null] as const;
const DATES = ['2026-11-01T08:00:00', '2026-11-01T08:00:00', '2026-11-01T09:00:00', '2026-11-02T08:00:00', '2026-11-03T08:00:00', null] as const;
const EMAILS = [null, 'a@x', 'b@x'] as const;
const TAGS: readonly ((string | null)[] | null)[] = [null, [], ['a'], ['a', 'b'], ['b'], ['a', null]];
const COUNTRIES = [null, 'FR', 'DE'] as const;
const DELETES = [false, false, false, true, true, null] as const;

function randomEvent(random: Random, stream: number): JsonRow {
  return {
    stream_id: stream,
    customer_id: pick(random, KEYS),
    email: pick(random, EMAILS),
    tags: pick(random, TAGS),
    country: pick(random, COUNTRIES),
    updated_at: pick(random, DATES),
    [DELETED]: pick(random, DELETES),
  };
}

/** A stream of events split into 1 to MAX_BATCHES batches at random cut points (batches may be empty). */
function randomStream(random: Random, stream: number): JsonRow[][] {
  const events = Array.from({ length: Math.floor(random() * (MAX_EVENTS + 1)) }, () => randomEvent(random, stream));
  const batches = 1 + Math.floor(random() * MAX_BATCHES);
  const cuts = Array.from({ length: batches - 1 }, () => Math.floor(random() * (events.length + 1))).sort((a, b) => a - b);
  return [0, ...cuts].map((start, i) => events.slice(start, i < cuts.length ? cuts[i] : events.length));
}

/** Compares two values descending with nulls last: > 0 when `a` ranks before `b`. */
function desc(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a > b ? 1 : a < b ? -1 : 0;
}

/** The order of the merge: > 0 when `a` wins over `b`. Complex values by their JSON text (DuckDB's `to_json` of these arrays). */
function ranks(a: JsonRow, b: JsonRow): number {
  const byDate = desc(a.updated_at as string | null, b.updated_at as string | null);
  if (byDate !== 0) return byDate;
  const byDelete = Number(a[DELETED] === true) - Number(b[DELETED] === true);
  if (byDelete !== 0) return byDelete;
  for (const column of REST) {
    const text = (v: unknown) => (v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));
    const c = desc(text(a[column]), text(b[column]));
    if (c !== 0) return c;
  }
  return 0;
}

/** fold(events): per primary key the greatest event by the merge's order, `_deleted` as a boolean; null keys dropped. */
function fold(events: JsonRow[]): JsonRow[] {
  const winners = new Map<string, JsonRow>();
  for (const event of events) {
    if (TABLE.primaryKey.some(k => event[k] === null)) continue;
    const key = JSON.stringify(TABLE.primaryKey.map(k => event[k]));
    const row = { ...event, [DELETED]: event[DELETED] === true };
    const current = winners.get(key);
    if (!current || ranks(row, current) > 0) winners.set(key, row);
  }
  return [...winners.values()];
}

/** A state in comparable form: its rows and its tombstones (key and date), canonical and sorted. */
function comparable(state: { base: JsonRow[]; tombstones: JsonRow[] }) {
  return { base: canonicalRows(state.base, columnTypes(TABLE, false)), tombstones: canonicalRows(state.tombstones, columnTypes(TABLE, false)) };
}

let db: DuckDb;
beforeAll(async () => { db = await DuckDb.open(); });
afterAll(() => db.close());

/**
 * Runs every stream through `sql` batch by batch; returns the number of (stream, batch) pairs whose
 * state differs from the oracle's, and the first difference.
 */
async function foldThroughSql(sql: string, streams: JsonRow[][][]): Promise<{ checked: number; mismatches: number; first?: unknown }> {
  const rounds = Math.max(...streams.map(s => s.length));
  let state = { base: [] as JsonRow[], tombstones: [] as JsonRow[] };
  let checked = 0;
  let mismatches = 0;
  let first: unknown;
  for (let round = 0; round < rounds; round++) {
    const batch = streams.flatMap(s => s[round] ?? []);
    await loadDuckDbView(db, VIEWS.base, columnTypes(TABLE, false), state.base);
    await loadDuckDbView(db, VIEWS.tombstones, columnTypes(TABLE, false), state.tombstones);
    await loadDuckDbView(db, VIEWS.incoming, columnTypes(TABLE, true), batch);
    const result = canonicalRows(await db.rows(sql), columnTypes(TABLE, true));
    state = stateOf(TABLE, result);
    for (const [i, stream] of streams.entries()) {
      const ofStream = (rows: JsonRow[]) => rows.filter(r => r.stream_id === i);
      const actual = comparable({ base: ofStream(state.base), tombstones: ofStream(state.tombstones) });
      const expected = comparable(stateOf(TABLE, fold(stream.slice(0, round + 1).flat())));
      checked++;
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches++;
        first ??= { stream: i, batches: stream.slice(0, round + 1), actual, expected };
      }
    }
  }
  return { checked, mismatches, first };
}

const random = prng(SEED);
const STREAM_BATCHES = Array.from({ length: STREAMS }, (_, i) => randomStream(random, i));

describe('retain-last merge in DuckDB: incremental batches give the full-history state', () => {
  test(`${STREAMS} seeded random streams, after every batch`, async () => {
    const { checked, mismatches, first } = await foldThroughSql(MERGE, STREAM_BATCHES);
    expect(first).toBeUndefined();
    expect(mismatches).toBe(0);
    expect(checked).toBeGreaterThan(STREAMS);
  });

  test('the streams exercise the corner cases: several batches, deletes, equal dates, null dates and keys', () => {
    const events = STREAM_BATCHES.flat(2);
    expect(STREAM_BATCHES.filter(s => s.length > 1 && s.filter(b => b.length > 0).length > 1).length).toBeGreaterThan(STREAMS / 2);
    expect(events.filter(e => e[DELETED] === true).length).toBeGreaterThan(events.length / 5);
    expect(events.filter(e => e.updated_at === null).length).toBeGreaterThan(0);
    expect(events.filter(e => e.customer_id === null).length).toBeGreaterThan(0);
    expect(events.filter(e => e[DELETED] === null).length).toBeGreaterThan(0);
  });

  test.each([
    ['tombstones are ignored (a deleted key comes back with an older event)', (sql: string) => sql.replace(`FROM ${VIEWS.tombstones}`, `FROM ${VIEWS.tombstones} WHERE FALSE`)],
    ['an upsert beats a delete at the same date', (sql: string) => sql.replace(`${DELETED} DESC`, `${DELETED} ASC`)],
    ['the remaining columns are not compared (equal dates: the input order decides)', (sql: string) => sql.replace(/, email DESC NULLS LAST.*\) AS _merge_rank/, ') AS _merge_rank')],
  ])('the property fails when %s', async (_case, mutate) => {
    const mutated = mutate(MERGE);
    expect(mutated).not.toBe(MERGE);
    const { mismatches } = await foldThroughSql(mutated, STREAM_BATCHES);
    expect(mismatches).toBeGreaterThan(0);
  });
});
