/**
 * How often a `SnapshotPartitionTable` keeps a full copy of its data: one partition per year,
 * month, day or hour. Periods are always computed in UTC.
 *
 * Each granularity knows the format of its partition values (e.g. `2026-11` for `MONTH`), how to
 * compute the partition value of a date and the previous period's, and the matching Athena
 * partition projection settings (for tables of your own: `SnapshotPartitionTable` registers its
 * partitions instead).
 *
 * @example
 * SnapshotGranularity.MONTH.partitionValue(new Date('2026-11-21T10:00:00Z')); // '2026-11'
 * SnapshotGranularity.MONTH.previousPartitionValue(new Date('2026-01-05T00:00:00Z')); // '2025-12'
 */
export class SnapshotGranularity {
  /** One snapshot per year: `yyyy`, e.g. `2026`. */
  public static readonly YEAR = new SnapshotGranularity('YEAR', 'yyyy', '%Y', 'YEARS', 'year', 366);
  /** One snapshot per month: `yyyy-MM`, e.g. `2026-11`. */
  public static readonly MONTH = new SnapshotGranularity('MONTH', 'yyyy-MM', '%Y-%m', 'MONTHS', 'month', 31);
  /** One snapshot per day: `yyyy-MM-dd`, e.g. `2026-11-21`. */
  public static readonly DAY = new SnapshotGranularity('DAY', 'yyyy-MM-dd', '%Y-%m-%d', 'DAYS', 'day', 1);
  /** One snapshot per hour: `yyyy-MM-dd-HH` (24-hour clock, UTC), e.g. `2026-11-21-09`. */
  public static readonly HOUR = new SnapshotGranularity('HOUR', 'yyyy-MM-dd-HH', '%Y-%m-%d-%H', 'HOURS', 'hour', 1 / 24);

  /** The granularity's name: `YEAR`, `MONTH`, `DAY` or `HOUR`. */
  public readonly name: string;

  /**
   * The partition value format as a Java date pattern (`yyyy-MM`): Athena partition projection's
   * `format` and Spark's `date_format` pattern.
   */
  public readonly format: string;

  /**
   * The same format as a `strftime` pattern (`%Y-%m`): Python's `datetime.strftime` and Athena's
   * (Trino's) `date_format`.
   */
  public readonly strftimeFormat: string;

  /** The Athena partition projection interval unit (`YEARS`, `MONTHS`, `DAYS`, `HOURS`); the interval is 1. */
  public readonly intervalUnit: string;

  /** The Trino `date_add` unit of one period (`year`, `month`, `day`, `hour`). */
  public readonly sqlUnit: string;

  /** The longest period in days (366 for a year, 31 for a month, 1 for a day, 1/24 for an hour). */
  public readonly maxDays: number;

  private constructor(name: string, format: string, strftimeFormat: string, intervalUnit: string, sqlUnit: string, maxDays: number) {
    this.name = name;
    this.format = format;
    this.strftimeFormat = strftimeFormat;
    this.intervalUnit = intervalUnit;
    this.sqlUnit = sqlUnit;
    this.maxDays = maxDays;
  }

  /**
   * The partition value of the period that contains `date` (UTC), e.g. `2026-11` for any instant of
   * November 2026 with `MONTH`.
   */
  public partitionValue(date: Date): string {
    const t = date.getTime();
    if (Number.isNaN(t)) {
      throw new Error(`SnapshotGranularity.${this.name}: received an invalid Date; expected a valid instant`);
    }
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const parts = [pad(date.getUTCFullYear(), 4), pad(date.getUTCMonth() + 1), pad(date.getUTCDate()), pad(date.getUTCHours())];
    return parts.slice(0, this.fieldCount).join('-');
  }

  /** The partition value of the period before the one that contains `date` (UTC). */
  public previousPartitionValue(date: Date): string {
    return this.partitionValue(this.shift(this.periodStart(date), -1));
  }

  /**
   * The first instant (UTC) of the period that contains `date`, e.g. `2026-11-01T00:00:00Z` for any
   * instant of November 2026 with `MONTH`.
   */
  public periodStart(date: Date): Date {
    const n = this.fieldCount;
    return utc(date.getUTCFullYear(), n > 1 ? date.getUTCMonth() : 0, n > 2 ? date.getUTCDate() : 1, n > 3 ? date.getUTCHours() : 0);
  }

  /**
   * The first instant (UTC) of the period named by a partition value, e.g. `2026-11` gives
   * `2026-11-01T00:00:00Z` with `MONTH`. Throws when the value does not have the granularity's format.
   */
  public parsePartitionValue(value: string): Date {
    const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value);
    const fields = m ? m.slice(1).filter(f => f !== undefined).map(Number) : [];
    const [y, mo = 1, d = 1, h = 0] = fields;
    const date = m && fields.length === this.fieldCount ? this.periodStart(utc(y, mo - 1, d, h)) : undefined;
    if (!date || this.partitionValue(date) !== value) {
      throw new Error(`SnapshotGranularity.${this.name}: received ${JSON.stringify(value)}; expected a partition value in the format ${this.format}`);
    }
    return date;
  }

  /** The partition value of the period before `value`, e.g. `2026-01` gives `2025-12` with `MONTH`. */
  public previousPeriod(value: string): string {
    return this.partitionValue(this.shift(this.parsePartitionValue(value), -1));
  }

  /** The number of date fields of the format: 1 (year) to 4 (hour). */
  private get fieldCount(): number {
    return this.format.split('-').length;
  }

  /** `start` (a period start) moved by `periods` whole periods, in UTC. */
  private shift(start: Date, periods: number): Date {
    const d = new Date(start.getTime());
    switch (this.fieldCount) {
      case 1: d.setUTCFullYear(d.getUTCFullYear() + periods); break;
      case 2: d.setUTCMonth(d.getUTCMonth() + periods); break;
      case 3: d.setUTCDate(d.getUTCDate() + periods); break;
      default: d.setUTCHours(d.getUTCHours() + periods);
    }
    return d;
  }
}

/** A UTC date, with years below 100 kept as given (`Date.UTC` maps 0-99 to 1900-1999). */
function utc(year: number, monthIndex: number, day: number, hour: number): Date {
  const d = new Date(Date.UTC(2000, monthIndex, day, hour));
  d.setUTCFullYear(year, monthIndex, day);
  return d;
}
