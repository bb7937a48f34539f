import { Token } from 'aws-cdk-lib';

/**
 * Glue's minimum schedule precision, in minutes: "the minimum precision for a schedule is 5 minutes"
 * and "cron expressions that lead to rates faster than 5 minutes are not supported"
 * (https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html).
 */
export const GLUE_MIN_SCHEDULE_MINUTES = 5;

/** Why a schedule cannot be a Glue scheduled trigger. */
export type GlueScheduleProblem = 'syntax' | 'tooFrequent';

/** The Glue cron of a schedule, or the reason there is none. */
export type GlueCronResult = { readonly cron: string } | { readonly problem: GlueScheduleProblem; readonly everyMinutes?: number };

/**
 * The Glue cron of a schedule: a cron expression as is (validated), or the cron equivalent of a
 * rate; refused when its syntax is not Glue's or when two runs would be less than 5 minutes apart.
 * Unresolved tokens are returned as they are.
 */
export function toGlueCron(expression: string): GlueCronResult {
  if (Token.isUnresolved(expression)) return { cron: expression };
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) return { problem: 'syntax' };
    if (fields[2] !== '?' && fields[4] !== '?') return { problem: 'syntax' };
    const gap = shortestGapMinutes(fields);
    if (gap === undefined) return { problem: 'syntax' };
    if (gap < GLUE_MIN_SCHEDULE_MINUTES) return { problem: 'tooFrequent', everyMinutes: gap };
    return { cron: expression };
  }
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!rate) return { problem: 'syntax' };
  const n = Number(rate[1]);
  const unit = rate[2].replace(/s$/, '');
  if (unit === 'minute' && n >= 1 && n < GLUE_MIN_SCHEDULE_MINUTES) return { problem: 'tooFrequent', everyMinutes: n };
  if (unit === 'minute' && n >= 1 && 60 % n === 0) return { cron: `cron(0/${n} * * * ? *)` };
  if (unit === 'minute' && n === 60) return { cron: 'cron(0 * * * ? *)' };
  if (unit === 'hour' && n >= 1 && 24 % n === 0) return { cron: n === 1 ? 'cron(0 * * * ? *)' : `cron(0 0/${n} * * ? *)` };
  if (unit === 'day' && n === 1) return { cron: 'cron(0 0 * * ? *)' };
  return { problem: 'syntax' };
}

/**
 * The shortest time between two runs of a cron, in minutes, from its minutes and hours fields
 * (`undefined` when either field is not Glue's syntax). The last run of a day and the first of the
 * next count too whenever the day fields allow two consecutive days.
 */
function shortestGapMinutes(fields: string[]): number | undefined {
  const minutes = expandField(fields[0], 0, 59);
  const hours = expandField(fields[1], 0, 23);
  if (!minutes || !hours) return undefined;
  const times = hours.flatMap(h => minutes.map(m => h * 60 + m)).sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i] - times[i - 1]);
  if (consecutiveDaysPossible(fields[2], fields[4])) gap = Math.min(gap, times[0] + 24 * 60 - times[times.length - 1]);
  return gap;
}

const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * Whether the day-of-month and day-of-week fields let a cron run on two consecutive days. When a
 * field uses syntax this check does not read (`L`, `W`, `#`), it answers yes: refusing a rare valid
 * schedule is better than letting Glue refuse it at deploy time.
 */
function consecutiveDaysPossible(dayOfMonth: string, dayOfWeek: string): boolean {
  if (dayOfMonth !== '?') {
    if (dayOfMonth === '*') return true;
    const days = expandField(dayOfMonth, 1, 31);
    // The last day of a month and the 1st of the next are consecutive too.
    return !days || days.some(d => days.includes(d + 1)) || (days.includes(1) && days.some(d => d >= 28));
  }
  if (dayOfWeek === '*' || dayOfWeek === '?') return true;
  const numeric = dayOfWeek.toUpperCase().replace(/[A-Z]{3}/g, name => {
    const i = WEEKDAYS.indexOf(name);
    return i < 0 ? name : String(i + 1);
  });
  const days = expandField(numeric, 1, 7);
  return !days || days.some(d => days.includes((d % 7) + 1));
}

/** The values of a minutes or hours field (`,` lists of `*`, `n`, `n-m`, each optionally `/step`). */
function expandField(field: string, min: number, max: number): number[] | undefined {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return undefined;
    const from = m[1] === '*' ? min : Number(m[2]);
    // `n/step` runs from n to the end of the range; `n` alone is n; `n-m` is the range.
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to || step < 1) return undefined;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values.size > 0 ? [...values] : undefined;
}
