import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** One value of a row: SQL literals are written by `sqlLiteral`. */
export type Cell = string | number | boolean | null | string[];
export type Row = Record<string, Cell>;

/** A temporary view's content: DuckDB column definitions and rows. */
export interface ViewData {
  readonly columns: Record<string, string>;
  readonly rows: Row[];
}

function sqlLiteral(value: Cell, type: string): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (Array.isArray(value)) return `CAST([${value.map(v => `'${v.replace(/'/g, "''")}'`).join(', ')}] AS ${type})`;
  if (typeof value === 'string') return `CAST('${value.replace(/'/g, "''")}' AS ${type})`;
  return `CAST(${value} AS ${type})`;
}

/** An in-memory DuckDB database that runs generated SQL over views created from rows. */
export class DuckDb {
  public static async open(): Promise<DuckDb> {
    const instance = await DuckDBInstance.create(':memory:');
    return new DuckDb(instance, await instance.connect());
  }

  private constructor(private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection) {}

  /** (Re)creates `name` as a table holding `data` (an empty table when there are no rows). */
  public async setView(name: string, data: ViewData): Promise<void> {
    const defs = Object.entries(data.columns).map(([c, t]) => `${c} ${t}`).join(', ');
    await this.connection.run(`CREATE OR REPLACE TABLE ${name} (${defs})`);
    for (const row of data.rows) {
      const values = Object.entries(data.columns).map(([c, t]) => sqlLiteral(row[c] === undefined ? null : row[c], t));
      await this.connection.run(`INSERT INTO ${name} VALUES (${values.join(', ')})`);
    }
  }

  /** Runs `sql` and returns its rows with timestamps as ISO-like strings, sorted by their JSON for stable comparison. */
  public async rows(sql: string): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql);
    const rows = reader.getRowObjectsJson() as Row[];
    return rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  public close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
