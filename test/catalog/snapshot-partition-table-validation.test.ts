import { Duration } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CUSTOMER_COLUMNS, customersTable, customersTableProps } from './fixtures';
import {
  type LakeLayer, type RetainLastMergeOptions, SnapshotCompression, SnapshotGranularity, SnapshotPartitionTable, type SnapshotPartitionTableProps,
  SnapshotPeriodBasis,
} from '../../src';
import { lakeStack } from '../processing/fixtures';

const AT = "SnapshotPartitionTable at 'Stack/Customers': invalid prop";
const NAMING = "lowercase letters, digits and '_', starting with a letter, at most 255 characters (Glue and Athena naming)";
const COLUMNS = '(customer_id, email, country, updated_at)';
const NONCURRENT = "a whole number of days from 1 to 30 (S3 lifecycle rules count in whole days; the layer 'silver' expires noncurrent versions after 30 days, and S3 applies the shorter of two overlapping expirations, so a longer one would have no effect; 30 keeps the layer's)";
const SUPERSEDED = 'a whole number of minutes from 0 to 10080 (7 days)';
const col = (name: string, type = glue.Schema.STRING): glue.Column => ({ name, type });

describe('SnapshotPartitionTable rejects invalid props with a message naming the construct, the prop, the value and what is expected', () => {
  test.each<[string, Partial<SnapshotPartitionTableProps>, string]>([
    ['a table name with capitals', { tableName: 'Customers' },
      `${AT} 'tableName': received "Customers"; expected lowercase letters, digits and '_', starting with a letter, at most 247 characters (at most 247 so that '<tableName>_current' fits) (Glue and Athena naming)`],
    ['a table name with a dash', { tableName: 'customer-snapshots', currentView: false },
      `${AT} 'tableName': received "customer-snapshots"; expected ${NAMING}`],
    ['a table name starting with a digit', { tableName: '2customers', currentView: false }, `${AT} 'tableName': received "2customers"; expected ${NAMING}`],
    ['a 248-character table name with the view', { tableName: 't'.repeat(248) },
      `${AT} 'tableName': received "${'t'.repeat(248)}"; expected lowercase letters, digits and '_', starting with a letter, at most 247 characters (at most 247 so that '<tableName>_current' fits) (Glue and Athena naming)`],
    ['no columns', { columns: [] }, `${AT} 'columns': received [] (an empty list); expected at least one column`],
    ['duplicate column names', { columns: [...CUSTOMER_COLUMNS, col('email')] },
      `${AT} 'columns': received the column name "email" twice; expected unique column names`],
    ['a column name with capitals', { columns: [...CUSTOMER_COLUMNS, col('Email2')] }, `${AT} 'columns[4].name': received "Email2"; expected ${NAMING}`],
    ['a column named after a reserved word', { columns: [...CUSTOMER_COLUMNS, col('order')] },
      `${AT} 'columns[4].name': received "order"; expected a name that is not an SQL reserved word (in Spark SQL or DuckDB): the generated merge SQL does not quote names`],
    ['an underscore column (the merge reserves them)', { columns: [...CUSTOMER_COLUMNS, col('_deleted', glue.Schema.BOOLEAN)] },
      `${AT} 'columns[4].name': received "_deleted"; expected ${NAMING}`],
    ['an unknown column type', { columns: [...CUSTOMER_COLUMNS, { name: 'geo', type: { inputString: 'geometry', isPrimitive: true } }] },
      `${AT} 'columns[4].type': received "geometry"; expected a Glue column type (glue.Schema): a primitive, decimal, char, varchar, array, map or struct`],
    ['a partition key colliding with a column', { partitionKey: 'country' },
      `${AT} 'partitionKey': received "country"; expected a name that is not a data column (the partition key is a column of its own)`],
    ['a partition key with a dash', { partitionKey: 'as-of' }, `${AT} 'partitionKey': received "as-of"; expected ${NAMING}`],
    ['an empty primary key', { primaryKey: [] }, `${AT} 'primaryKey': received [] (an empty list); expected at least one column name`],
    ['a primary key not among the columns', { primaryKey: ['id'] }, `${AT} 'primaryKey': received "id"; expected one of the columns ${COLUMNS}`],
    ['a primary key column twice', { primaryKey: ['customer_id', 'customer_id'] },
      `${AT} 'primaryKey': received ["customer_id", "customer_id"]; expected distinct column names`],
    ['a primary key of a complex type', { columns: [...CUSTOMER_COLUMNS, col('tags', glue.Schema.array(glue.Schema.STRING))], primaryKey: ['tags'] },
      `${AT} 'primaryKey': received "tags"; expected a column of a primitive type (tags is array<string>)`],
    ['an effective date column not among the columns', { effectiveDateColumn: 'changed_at' },
      `${AT} 'effectiveDateColumn': received "changed_at"; expected one of the columns ${COLUMNS}`],
    ['an effective date column of type string', { effectiveDateColumn: 'email' },
      `${AT} 'effectiveDateColumn': received "email"; expected a date or timestamp column (email is string)`],
    ['an effective date column in the primary key', { primaryKey: ['customer_id', 'updated_at'] },
      `${AT} 'effectiveDateColumn': received "updated_at"; expected a column outside the primary key (it orders the mutations of one key)`],
    ['a retention shorter than two months', { retention: Duration.days(61) },
      `${AT} 'retention': received 61 days; expected a whole number of days >= 62 (two MONTH periods: the current and previous snapshots must survive)`],
    ['a retention shorter than two years', { granularity: SnapshotGranularity.YEAR, retention: Duration.days(365) },
      `${AT} 'retention': received 365 days; expected a whole number of days >= 732 (two YEAR periods: the current and previous snapshots must survive)`],
    ['a retention shorter than two days', { granularity: SnapshotGranularity.DAY, retention: Duration.days(1) },
      `${AT} 'retention': received 1 day; expected a whole number of days >= 2 (two DAY periods: the current and previous snapshots must survive)`],
    ['a retention in hours', { granularity: SnapshotGranularity.HOUR, retention: Duration.hours(5) },
      `${AT} 'retention': received 5 hours; expected a whole number of days >= 1 (S3 lifecycle rules count in days)`],
    ['a noncurrent-version expiration in hours', { noncurrentVersionExpiration: Duration.hours(12) },
      `${AT} 'noncurrentVersionExpiration': received 12 hours; expected ${NONCURRENT}`],
    ['a noncurrent-version expiration of 0 days', { noncurrentVersionExpiration: Duration.days(0) },
      `${AT} 'noncurrentVersionExpiration': received 0 days; expected ${NONCURRENT}`],
    ["a noncurrent-version expiration longer than the layer's", { noncurrentVersionExpiration: Duration.days(31) },
      `${AT} 'noncurrentVersionExpiration': received 31 days; expected ${NONCURRENT}`],
    ['an unknown period basis', { periodBasis: 'BUSINESS_DATE' as SnapshotPeriodBasis },
      `${AT} 'periodBasis': received "BUSINESS_DATE"; expected SnapshotPeriodBasis.LOAD_TIME or EFFECTIVE_DATE`],
    ['closing EFFECTIVE_DATE periods', { periodBasis: SnapshotPeriodBasis.EFFECTIVE_DATE, closePeriods: true },
      `${AT} 'closePeriods': received true; expected false with periodBasis SnapshotPeriodBasis.EFFECTIVE_DATE (closing applies to LOAD_TIME periods; `
      + 'an EFFECTIVE_DATE period already holds exactly the events dated up to its end)'],
    ['a superseded retention in seconds', { supersededRetention: Duration.seconds(90) },
      `${AT} 'supersededRetention': received 1 minute 30 seconds; expected ${SUPERSEDED}`],
    ['a superseded retention longer than 7 days', { supersededRetention: Duration.days(8) },
      `${AT} 'supersededRetention': received 8 days; expected ${SUPERSEDED}`],
    ['a superseded retention of 7 days and a minute', { supersededRetention: Duration.minutes(10081) },
      `${AT} 'supersededRetention': received 7 days 1 minute; expected ${SUPERSEDED}`],
    ['a prefix with a leading slash', { prefix: '/customers/' },
      `${AT} 'prefix': received "/customers/"; expected a literal key prefix of 1 to 900 characters without a leading '/' and without wildcards, e.g. "tables/customers/"`],
    ['a prefix with a wildcard', { prefix: 'customers/*' },
      `${AT} 'prefix': received "customers/*"; expected a literal key prefix of 1 to 900 characters without a leading '/' and without wildcards, e.g. "tables/customers/"`],
    ['an unknown compression', { compression: 'GZIP' as SnapshotCompression }, `${AT} 'compression': received "GZIP"; expected SnapshotCompression.SNAPPY or ZSTD`],
    ['a long description', { description: 'd'.repeat(2049) }, `${AT} 'description': received 2049 characters; expected at most 2048 characters`],
    ['no granularity', { granularity: undefined as unknown as SnapshotGranularity }, `${AT} 'granularity': received undefined; expected SnapshotGranularity.YEAR, MONTH, DAY or HOUR`],
  ])('%s', (_case, props, message) => {
    expect(() => customersTable(props)).toThrow(message);
  });

  test('a raw layer is refused', () => {
    const { stack, lake } = lakeStack();
    expect(() => new SnapshotPartitionTable(stack, 'Customers', {
      layer: lake.bronze,
      tableName: 'customers',
      columns: CUSTOMER_COLUMNS,
      primaryKey: ['customer_id'],
      effectiveDateColumn: 'updated_at',
      granularity: SnapshotGranularity.MONTH,
    })).toThrow(`${AT} 'layer': received the raw layer 'bronze'; expected a curated layer: snapshots are rebuilt and purged, and raw layers are immutable`);
  });

  test('two tables on one prefix with different noncurrent-version expirations are refused', () => {
    const { stack, lake } = customersTable();
    expect(() => new SnapshotPartitionTable(stack, 'CustomersByCountry', {
      ...customersTableProps(lake.silver), tableName: 'customers_by_country', prefix: 'customers', noncurrentVersionExpiration: Duration.days(1),
    })).toThrow("SnapshotPartitionTable at 'Stack/CustomersByCountry': invalid prop 'noncurrentVersionExpiration': received 1 day; expected 3 days, "
      + "as the table at 'Stack/Customers' has for the same prefix 'customers/' of the layer 'silver' (one lifecycle rule per prefix)");
  });

  test("the layer's retention on one table and a shorter one on another table of the same prefix are refused", () => {
    const { stack, lake } = customersTable({ noncurrentVersionExpiration: Duration.days(30) });
    expect(() => new SnapshotPartitionTable(stack, 'CustomersByCountry', {
      ...customersTableProps(lake.silver), tableName: 'customers_by_country', prefix: 'customers/',
    })).toThrow("SnapshotPartitionTable at 'Stack/CustomersByCountry': invalid prop 'noncurrentVersionExpiration': received 3 days; expected 30 days, "
      + "as the table at 'Stack/Customers' has for the same prefix 'customers/' of the layer 'silver' (one lifecycle rule per prefix)");
  });

  test.each<[string, Partial<SnapshotPartitionTableProps>, Partial<SnapshotPartitionTableProps>, string, string]>([
    ['different retentions', { retention: Duration.days(400) }, { retention: Duration.days(800) }, '800 days', '400 days'],
    ['a retention and none', {}, { retention: Duration.days(400) }, '400 days', 'no retention (snapshots are kept)'],
    ['no retention and one', { retention: Duration.days(400) }, {}, 'no retention (snapshots are kept)', '400 days'],
  ])('two tables on one prefix with %s are refused', (_case, first, second, received, expected) => {
    const { stack, lake } = customersTable(first);
    expect(() => new SnapshotPartitionTable(stack, 'CustomersByCountry', {
      ...customersTableProps(lake.silver), tableName: 'customers_by_country', prefix: 'customers/', ...second,
    })).toThrow(`SnapshotPartitionTable at 'Stack/CustomersByCountry': invalid prop 'retention': received ${received}; expected ${expected}, `
      + "as the table at 'Stack/Customers' has for the same prefix 'customers/' of the layer 'silver' (one lifecycle rule per prefix)");
  });

  test('a layer whose bucket is imported is refused, unless the table keeps the layer\'s retention (no rule to add)', () => {
    const { stack, lake } = lakeStack();
    const imported = s3.Bucket.fromBucketName(stack, 'Imported', 'imported-silver');
    const layer = Object.create(lake.silver, { bucket: { value: imported } }) as LakeLayer;
    expect(() => new SnapshotPartitionTable(stack, 'Customers', customersTableProps(layer))).toThrow(
      `${AT} 'layer': received the layer 'silver' with the imported bucket at 'Stack/Imported'; expected a layer whose bucket is defined in this app: `
      + "the table's noncurrent-version expiration is a lifecycle rule on that bucket, and an imported bucket's lifecycle cannot be managed "
      + "(or noncurrentVersionExpiration: 30 days, the layer's, for no rule)");
    const kept = new SnapshotPartitionTable(stack, 'Kept', { ...customersTableProps(layer), tableName: 'kept', noncurrentVersionExpiration: Duration.days(30) });
    expect(kept.noncurrentVersionExpiration.toDays()).toBe(30);
  });

  test.each<[RetainLastMergeOptions, string, string]>([
    [{ incomingView: 'order' }, 'incomingView', '"order"'],
    [{ baseView: 'Last-Month' }, 'baseView', '"Last-Month"'],
    [{ tombstonesView: 'merge_input' }, 'tombstonesView', '"merge_input"'],
    [{ tombstonesView: 't'.repeat(129) }, 'tombstonesView', `"${'t'.repeat(129)}"`],
  ])('retainLastMergeSql refuses the view names %j', (options, prop, received) => {
    const { table } = customersTable();
    expect(() => table.retainLastMergeSql(options)).toThrow(
      `SnapshotPartitionTable.retainLastMergeSql at 'Stack/Customers': invalid prop '${prop}': received ${received}; expected a view name of lowercase letters, digits and '_', starting with a letter, at most 128 characters, not an SQL reserved word and not starting with 'merge_'`);
  });

  test('retainLastMergeSql refuses two views with one name', () => {
    const { table } = customersTable();
    expect(() => table.retainLastMergeSql({ incomingView: 'events', tombstonesView: 'events' })).toThrow(
      'SnapshotPartitionTable.retainLastMergeSql at \'Stack/Customers\': invalid prop \'options\': received {"incomingView":"events","baseView":"base_snapshot","tombstonesView":"events"}; expected three different view names');
  });
});
