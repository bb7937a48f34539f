import {
  PARTITION_ID_PATTERN,
  SCHEDULE_INTERVAL_MINUTES,
  executionName,
  retryDelaySeconds,
  slotStamp,
  slotStart,
} from '../../src/orchestration/registry';

/** Step Functions' execution name rule: at most 80 characters, none of these. */
const FORBIDDEN_IN_NAMES = /[\s?*<>{}[\]"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

describe('retryDelaySeconds', () => {
  test.each<[number, number, number, number]>([
    [1, 900, 86400, 900],
    [2, 900, 86400, 1800],
    [6, 900, 86400, 28800],
    [7, 900, 86400, 57600],
    [8, 900, 86400, 86400],
    [1000, 900, 86400, 86400],
    [3, 3600, 10800, 10800],
    [1, 7200, 7200, 7200],
    [5, 7200, 7200, 7200],
  ])('failure %i, first delay %i s, maximum %i s: due %i s after its slot', (failures, base, max, expected) => {
    expect(retryDelaySeconds(failures, base, max)).toBe(expected);
  });

  test.each([0, -1, 1.5])('a failure count of %s is refused', failures => {
    expect(() => retryDelaySeconds(failures, 900, 86400)).toThrow(`failures: expected a whole number >= 1, got ${failures}`);
  });
});

describe('slotStart', () => {
  test.each([
    ['2026-11-21T10:15:00.000Z', 15, '2026-11-21T10:15:00.000Z'],
    ['2026-11-21T10:29:59.999Z', 15, '2026-11-21T10:15:00.000Z'],
    ['2026-11-21T10:30:00.000Z', 15, '2026-11-21T10:30:00.000Z'],
    ['2026-11-21T10:59:59.000Z', 60, '2026-11-21T10:00:00.000Z'],
    ['2026-11-21T11:00:00.000Z', 60, '2026-11-21T11:00:00.000Z'],
    ['2026-11-21T05:59:00.000Z', 360, '2026-11-21T00:00:00.000Z'],
    ['2026-11-21T06:00:00.000Z', 360, '2026-11-21T06:00:00.000Z'],
    ['2026-11-21T00:00:00.000Z', 1440, '2026-11-21T00:00:00.000Z'],
    ['2026-11-21T23:59:59.999Z', 1440, '2026-11-21T00:00:00.000Z'],
    ['2026-11-22T00:00:00.000Z', 1440, '2026-11-22T00:00:00.000Z'],
    ['2026-11-21T10:15:42.123Z', 1, '2026-11-21T10:15:00.000Z'],
  ])('%s with a %i-minute interval starts at %s', (time, interval, expected) => {
    expect(slotStart(new Date(time), interval).toISOString()).toBe(expected);
  });

  test.each(SCHEDULE_INTERVAL_MINUTES.map(i => [i]))('a %i-minute slot is aligned to UTC midnight and contains the time', interval => {
    const time = new Date('2026-11-21T17:43:27.456Z');
    const slot = slotStart(time, interval);
    const midnight = Date.UTC(2026, 10, 21);
    expect((slot.getTime() - midnight) % (interval * 60_000)).toBe(0);
    expect(slot.getTime()).toBeLessThanOrEqual(time.getTime());
    expect(time.getTime()).toBeLessThan(slot.getTime() + interval * 60_000);
  });

  test('every interval divides a day, so that slots align with a UTC cron', () => {
    for (const interval of SCHEDULE_INTERVAL_MINUTES) {
      expect(1440 % interval).toBe(0);
    }
  });
});

describe('slotStamp', () => {
  test.each([
    ['2026-11-21T10:15:00.000Z', '20261121T1015Z'],
    ['2026-01-02T03:04:00.000Z', '20260102T0304Z'],
    ['2026-11-21T00:00:00.000Z', '20261121T0000Z'],
    // seconds and milliseconds are dropped: a stamp names a minute
    ['2026-11-21T10:15:42.123Z', '20261121T1015Z'],
  ])('%s -> %s', (slot, stamp) => {
    expect(slotStamp(new Date(slot))).toBe(stamp);
  });
});

describe('executionName', () => {
  const slot = new Date('2026-11-21T10:15:00Z');

  test('is the partition id and the slot stamp', () => {
    expect(executionName('sales.eu-west_1', slot)).toBe('sales.eu-west_1-20261121T1015Z');
  });

  test('is the same for any time in the same slot, different in the next one', () => {
    const a = executionName('p1', slotStart(new Date('2026-11-21T10:15:00Z'), 15));
    const b = executionName('p1', slotStart(new Date('2026-11-21T10:29:59Z'), 15));
    const c = executionName('p1', slotStart(new Date('2026-11-21T10:30:00Z'), 15));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  test('a 64-character partition id gives a 79-character name that Step Functions accepts', () => {
    const id = `a${'bc_d-e'.repeat(9)}`.padEnd(64, 'z');
    expect(id).toHaveLength(64);
    expect(PARTITION_ID_PATTERN.test(id)).toBe(true);
    const name = executionName(id, slot);
    expect(name).toHaveLength(79);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).not.toMatch(FORBIDDEN_IN_NAMES);
    expect(name).toMatch(/^[0-9A-Za-z_-]+$/);
  });
});

describe('PARTITION_ID_PATTERN', () => {
  test.each([
    'a',
    '0',
    'sales',
    'Sales-EU-west_1',
    '2026-11-21',
    'x'.repeat(64),
  ])('accepts %j', id => {
    expect(PARTITION_ID_PATTERN.test(id)).toBe(true);
  });

  test.each([
    ['empty', ''],
    ['65 characters', 'x'.repeat(65)],
    ['a leading dash', '-a'],
    ['a leading dot', '.a'],
    ['a dot (Step Functions logs only executions named with 0-9, A-Z, a-z, - and _)', 'sales.eu'],
    ['a leading underscore', '_a'],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a colon', 'a:b'],
    ['a hash', 'a#b'],
    ['a trailing newline', 'a\n'],
    ['a non-ASCII letter', 'caf\u00e9'],
  ])('rejects an id with %s', (_, id) => {
    expect(PARTITION_ID_PATTERN.test(id)).toBe(false);
  });

  test('every accepted character is allowed in an execution name that CloudWatch Logs logging accepts (0-9, A-Z, a-z, - and _)', () => {
    const allowed = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    expect(PARTITION_ID_PATTERN.test(`a${allowed}`.slice(0, 64))).toBe(true);
    expect(allowed).not.toMatch(FORBIDDEN_IN_NAMES);
    expect(allowed).toMatch(/^[0-9A-Za-z_-]+$/);
  });
});
