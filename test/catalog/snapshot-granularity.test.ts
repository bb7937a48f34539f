import { SnapshotGranularity } from '../../src';

const { YEAR, MONTH, DAY, HOUR } = SnapshotGranularity;
const at = (iso: string) => new Date(iso);

describe('SnapshotGranularity', () => {
  test.each([
    [YEAR, 'yyyy', '%Y', 'YEARS', '2026'],
    [MONTH, 'yyyy-MM', '%Y-%m', 'MONTHS', '2026-11'],
    [DAY, 'yyyy-MM-dd', '%Y-%m-%d', 'DAYS', '2026-11-21'],
    [HOUR, 'yyyy-MM-dd-HH', '%Y-%m-%d-%H', 'HOURS', '2026-11-21-09'],
  ])('%s: formats %s / %s, unit %s, value of 2026-11-21T09:30Z is %s', (g, format, strftime, unit, value) => {
    expect(g.format).toBe(format);
    expect(g.strftimeFormat).toBe(strftime);
    expect(g.intervalUnit).toBe(unit);
    expect(g.partitionValue(at('2026-11-21T09:30:15.123Z'))).toBe(value);
  });

  test.each([
    // around the turn of the year
    [YEAR, '2027-01-01T00:00:00Z', '2027', '2026'],
    [MONTH, '2027-01-01T00:00:00Z', '2027-01', '2026-12'],
    [DAY, '2027-01-01T00:00:00Z', '2027-01-01', '2026-12-31'],
    [HOUR, '2027-01-01T00:00:00Z', '2027-01-01-00', '2026-12-31-23'],
    [MONTH, '2026-12-31T23:59:59.999Z', '2026-12', '2026-11'],
    // month ends and leap years
    [MONTH, '2026-03-31T12:00:00Z', '2026-03', '2026-02'],
    [DAY, '2028-03-01T05:00:00Z', '2028-03-01', '2028-02-29'],
    [DAY, '2026-03-01T05:00:00Z', '2026-03-01', '2026-02-28'],
    [YEAR, '2028-02-29T10:00:00Z', '2028', '2027'],
    // DST changes do not exist in UTC: Europe's 2026-03-29 01:00Z and 2026-10-25 01:00Z switches
    [HOUR, '2026-03-29T01:00:00Z', '2026-03-29-01', '2026-03-29-00'],
    [HOUR, '2026-03-29T02:00:00Z', '2026-03-29-02', '2026-03-29-01'],
    [HOUR, '2026-10-25T01:00:00Z', '2026-10-25-01', '2026-10-25-00'],
    [DAY, '2026-10-25T00:30:00Z', '2026-10-25', '2026-10-24'],
    // an instant given with an offset is placed in its UTC period
    [DAY, '2026-11-21T23:30:00-05:00', '2026-11-22', '2026-11-21'],
    [HOUR, '2026-11-21T01:15:00+02:00', '2026-11-20-23', '2026-11-20-22'],
  ])('%s at %s: current %s, previous %s (UTC)', (g, iso, current, previous) => {
    expect(g.partitionValue(at(iso))).toBe(current);
    expect(g.previousPartitionValue(at(iso))).toBe(previous);
    expect(g.previousPeriod(current)).toBe(previous);
  });

  test('periodStart and parsePartitionValue give the first instant of the period', () => {
    expect(MONTH.periodStart(at('2026-11-21T09:30:00Z')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(HOUR.periodStart(at('2026-11-21T09:30:00Z')).toISOString()).toBe('2026-11-21T09:00:00.000Z');
    expect(YEAR.parsePartitionValue('2026').toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(DAY.parsePartitionValue('2028-02-29').toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  test.each([
    [MONTH, '2026-13'], [MONTH, '2026-11-01'], [DAY, '2026-02-30'], [HOUR, '2026-11-21-24'], [YEAR, '26'], [DAY, '2026/11/21'],
  ])('%s refuses the partition value %s', (g, value) => {
    expect(() => g.parsePartitionValue(value))
      .toThrow(`SnapshotGranularity.${g.name}: received ${JSON.stringify(value)}; expected a partition value in the format ${g.format}`);
  });

  test('an invalid Date is refused', () => {
    expect(() => MONTH.partitionValue(new Date('nope'))).toThrow('SnapshotGranularity.MONTH: received an invalid Date; expected a valid instant');
  });
});
