import { App, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CUSTOMER_COLUMNS, customersTable, customersTableProps } from './fixtures';
import {
  BronzeSilverGoldLake, GlueJob, LakeContextKeys, LayerDefinition, SnapshotCompression, SnapshotGranularity, SnapshotPartitionTable,
  type SnapshotPartitionTableProps, SnapshotPeriodBasis,
} from '../../src';
import { roleStatements } from '../helpers/iam';
import { expectNoNagFindings, nagV2Errors } from '../helpers/nag';
import { lakeStack, script } from '../processing/fixtures';

/** The table's and the view's Glue resources. */
function tables(stack: Stack) {
  const found = Template.fromStack(stack).findResources('AWS::Glue::Table');
  const all: any[] = Object.entries(found).map(([id, r]) => ({ id, ...(r as object) }));
  return {
    table: all.find(r => r.Properties.TableInput.TableType === 'EXTERNAL_TABLE')!,
    view: all.find(r => r.Properties.TableInput.TableType === 'VIRTUAL_VIEW'),
  };
}

/** Evaluates Fn::Join, Fn::Base64 and Ref (from `refs`, by logical id prefix) as CloudFormation would. */
function evaluate(value: any, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (value['Fn::Join']) return value['Fn::Join'][1].map((v: any) => evaluate(v, refs)).join(value['Fn::Join'][0]);
  if (value['Fn::Base64']) return Buffer.from(evaluate(value['Fn::Base64'], refs)).toString('base64');
  if (typeof value['Fn::Sub'] === 'string') {
    return value['Fn::Sub'].replace(/\$\{([^}]*)\}/g, (_: string, name: string) => name.startsWith('!') ? `\${${name.slice(1)}}` : evaluate({ Ref: name }, refs));
  }
  if (value.Ref) {
    const prefix = Object.keys(refs).find(p => value.Ref.startsWith(p));
    if (!prefix) throw new Error(`no value for Ref ${value.Ref}`);
    return refs[prefix];
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

/** The Athena (Presto) view definition encoded in the view's original text. */
function decodeView(stack: Stack): { originalSql: string; catalog: string; schema: string; columns: { name: string; type: string }[] } {
  const text = evaluate(tables(stack).view!.Properties.TableInput.ViewOriginalText, { LakeSilverDatabase: 'sales_silver' });
  const m = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(text);
  if (!m) throw new Error(`not a Presto view: ${text}`);
  return JSON.parse(Buffer.from(m[1], 'base64').toString('utf8'));
}

/** The statements of a role's own policy (inline, or aws-cdk-lib's DefaultPolicy). */
function statements(stack: Stack, role: iam.Role): any[] {
  return roleStatements(Template.fromStack(stack), role);
}

const join = (...parts: any[]) => ({ 'Fn::Join': ['', parts] });
/**
 * The `Fn::Sub` the library writes for a join in its own resources' properties (compactJoins): its
 * text is `pattern`, where `${Name*}` stands for a reference to a logical id starting with `Name`.
 */
const sub = (pattern: string) => ({
  'Fn::Sub': expect.stringMatching(new RegExp(`^${pattern.split(/(\$\{[^}]*\})/).map(part => /^\$\{.*\}$/.test(part)
    ? `\\$\\{${part.slice(2, -1).replace(/[.]/g, '\\.').replace('*', '\\w*')}\\}`
    : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('')}$`)),
});
const glueArn = (resource: string) => join('arn:', { Ref: 'AWS::Partition' }, `:glue:eu-west-1:111111111111:${resource}`);

describe('SnapshotPartitionTable: the table', () => {
  test.each([
    ['YEAR', 'yyyy'],
    ['MONTH', 'yyyy-MM'],
    ['DAY', 'yyyy-MM-dd'],
    ['HOUR', 'yyyy-MM-dd-HH'],
  ])('%s: a Parquet table partitioned by period (%s), without partition projection: its partitions are registered', (name, format) => {
    const granularity = (SnapshotGranularity as any)[name] as SnapshotGranularity;
    const { stack } = customersTable({ granularity });
    const { table } = tables(stack);
    expect(table.Properties.TableInput).toEqual(expect.objectContaining({
      Name: 'customers',
      TableType: 'EXTERNAL_TABLE',
      Parameters: {
        'EXTERNAL': 'TRUE',
        'classification': 'parquet',
        'parquet.compression': 'SNAPPY',
      },
      PartitionKeys: [{ Name: 'snapshot', Type: 'string', Comment: `The snapshot period (${format}, UTC)` }],
    }));
    expect(JSON.stringify(table.Properties)).not.toMatch(/projection\.|storage\.location\.template/);
    expect(table.Properties.TableInput.StorageDescriptor).toEqual({
      Columns: [
        { Name: 'customer_id', Type: 'string' },
        { Name: 'email', Type: 'string' },
        { Name: 'country', Type: 'string' },
        { Name: 'updated_at', Type: 'timestamp' },
      ],
      Location: sub('s3://${LakeSilverBucket*}/customers/'),
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
      Compressed: false,
      StoredAsSubDirectories: false,
    });
    expect(table.Properties.DatabaseName).toEqual({ Ref: expect.stringMatching(/^LakeSilverDatabase/) });
  });

  test('a configured partition key, prefix and ZSTD compression', () => {
    const { stack, table } = customersTable({
      partitionKey: 'as_of',
      prefix: 'crm/customers',
      compression: SnapshotCompression.ZSTD,
      granularity: SnapshotGranularity.DAY,
    });
    const input = tables(stack).table.Properties.TableInput;
    expect(input.Parameters).toEqual({ 'EXTERNAL': 'TRUE', 'classification': 'parquet', 'parquet.compression': 'ZSTD' });
    expect(input.PartitionKeys).toEqual([{ Name: 'as_of', Type: 'string', Comment: 'The snapshot period (yyyy-MM-dd, UTC)' }]);
    expect(input.StorageDescriptor.Location).toEqual(sub('s3://${LakeSilverBucket*}/crm/customers/'));
    expect(table.prefix).toBe('crm/customers/');
    expect(stack.resolve(table.partitionLocation('2026-11-21'))).toEqual(join('s3://', { Ref: expect.stringMatching(/^LakeSilverBucket/) }, '/crm/customers/as_of=2026-11-21/'));
    expect(() => table.partitionLocation('2026-11')).toThrow('expected a partition value in the format yyyy-MM-dd');
  });

  test('Hive-style partition paths under the table location', () => {
    const { stack, table } = customersTable();
    expect(stack.resolve(table.location)).toEqual(join('s3://', { Ref: expect.stringMatching(/^LakeSilverBucket/) }, '/customers/'));
    expect(stack.resolve(table.partitionLocation('2026-11'))).toEqual(join('s3://', { Ref: expect.stringMatching(/^LakeSilverBucket/) }, '/customers/snapshot=2026-11/'));
  });

  test('defaults: periods by load time, not closed, superseded folders kept 6 hours; the description names the basis', () => {
    const { stack, table } = customersTable();
    expect(table.periodBasis).toBe(SnapshotPeriodBasis.LOAD_TIME);
    expect(table.closePeriods).toBe(false);
    expect(table.supersededRetention.toMinutes()).toBe(360);
    expect(tables(stack).table.Properties.TableInput.Description).toBe(
      "Snapshot table: one full copy per month (UTC, periods by load time) in partition 'snapshot', primary key (customer_id), newest by updated_at");
    const byDate = customersTable({ periodBasis: SnapshotPeriodBasis.EFFECTIVE_DATE });
    expect(tables(byDate.stack).table.Properties.TableInput.Description).toBe(
      "Snapshot table: one full copy per month (UTC, periods by updated_at) in partition 'snapshot', primary key (customer_id), newest by updated_at");
  });

  test('the table definition is retained by default and destroyed only with the context flag', () => {
    expect(tables(customersTable().stack).table.DeletionPolicy).toBe('Retain');
    const reverted = customersTable({ removalPolicy: RemovalPolicy.DESTROY });
    expect(tables(reverted.stack).table.DeletionPolicy).toBe('Retain');
    Annotations.fromStack(reverted.stack).hasWarning('/Stack/Customers', Match.stringLikeRegexp('RETAIN'));

    const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const lake = new BronzeSilverGoldLake(stack, 'Lake');
    new SnapshotPartitionTable(stack, 'Customers', {
      layer: lake.silver,
      tableName: 'customers',
      columns: CUSTOMER_COLUMNS,
      primaryKey: ['customer_id'],
      effectiveDateColumn: 'updated_at',
      granularity: SnapshotGranularity.MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { table, view } = tables(stack);
    expect([table.DeletionPolicy, view!.DeletionPolicy]).toEqual(['Delete', 'Delete']);
  });

  test('is a glue.ITable with the table ARN', () => {
    const { stack, table } = customersTable();
    const asTable: glue.ITable = table;
    expect(stack.resolve(asTable.tableArn)).toEqual(
      join('arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:111111111111:table/', { Ref: expect.stringMatching(/^LakeSilverDatabase/) }, '/customers'));
    expect(asTable.tableName).toBe('customers');
  });
});

describe('SnapshotPartitionTable: the _current view', () => {
  test('a Glue VIRTUAL_VIEW in the Presto encoding Athena reads', () => {
    const { stack } = customersTable();
    const { view, table } = tables(stack);
    expect(view!.Properties.TableInput).toEqual(expect.objectContaining({
      Name: 'customers_current',
      TableType: 'VIRTUAL_VIEW',
      Parameters: { presto_view: 'true', comment: 'Presto View' },
      ViewExpandedText: '/* Presto View */',
      StorageDescriptor: {
        Columns: [
          { Name: 'customer_id', Type: 'string' },
          { Name: 'email', Type: 'string' },
          { Name: 'country', Type: 'string' },
          { Name: 'updated_at', Type: 'timestamp' },
          { Name: 'snapshot', Type: 'string' },
        ],
        SerdeInfo: {},
      },
    }));
    expect(view!.DependsOn).toEqual([table.id]);
  });

  test.each([
    ['MONTH', '%Y-%m', 'month'],
    ['HOUR', '%Y-%m-%d-%H', 'hour'],
  ])('%s: the decoded definition reads the newest registered partition of the current and previous periods (%s), rows or not', (name, format, unit) => {
    const granularity = (SnapshotGranularity as any)[name] as SnapshotGranularity;
    const { stack } = customersTable({ granularity });
    const view = decodeView(stack);
    const periods = `(date_format(current_timestamp AT TIME ZONE 'UTC', '${format}'), date_format(date_add('${unit}', -1, current_timestamp AT TIME ZONE 'UTC'), '${format}'))`;
    // The period comes from Athena's `$partitions` metadata table (the registered partitions), not from
    // the rows: a current period whose entities were all deleted is current, and empty.
    expect(view.originalSql).toBe([
      'SELECT "customer_id", "email", "country", "updated_at", "snapshot"',
      'FROM "sales_silver"."customers"',
      `WHERE "snapshot" IN ${periods}`,
      `AND "snapshot" = (SELECT max("snapshot") FROM "sales_silver"."customers$partitions" WHERE "snapshot" IN ${periods})`,
    ].join('\n'));
    expect(view.catalog).toBe('awsdatacatalog');
    expect(view.schema).toBe('sales_silver');
  });

  test('view columns carry Athena (Trino) types', () => {
    const { stack } = customersTable({
      columns: [
        { name: 'id', type: glue.Schema.BIG_INT },
        { name: 'amount', type: glue.Schema.decimal(12, 2) },
        { name: 'code', type: glue.Schema.char(3) },
        { name: 'name', type: glue.Schema.varchar(40) },
        { name: 'ratio', type: glue.Schema.FLOAT },
        { name: 'small', type: glue.Schema.SMALL_INT },
        { name: 'blob', type: glue.Schema.BINARY },
        { name: 'active', type: glue.Schema.BOOLEAN },
        { name: 'tags', type: glue.Schema.array(glue.Schema.STRING) },
        { name: 'attrs', type: glue.Schema.map(glue.Schema.STRING, glue.Schema.INTEGER) },
        { name: 'address', type: glue.Schema.struct([{ name: 'city', type: glue.Schema.STRING }, { name: 'zip', type: glue.Schema.array(glue.Schema.INTEGER) }]) },
        { name: 'valid_on', type: glue.Schema.DATE },
      ],
      primaryKey: ['id'],
      effectiveDateColumn: 'valid_on',
    });
    expect(decodeView(stack).columns).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'amount', type: 'decimal(12,2)' },
      { name: 'code', type: 'char(3)' },
      { name: 'name', type: 'varchar(40)' },
      { name: 'ratio', type: 'real' },
      { name: 'small', type: 'smallint' },
      { name: 'blob', type: 'varbinary' },
      { name: 'active', type: 'boolean' },
      { name: 'tags', type: 'array(varchar)' },
      { name: 'attrs', type: 'map(varchar, integer)' },
      { name: 'address', type: 'row(city varchar, zip array(integer))' },
      { name: 'valid_on', type: 'date' },
      { name: 'snapshot', type: 'varchar' },
    ]);
  });

  test('currentView: false creates no view', () => {
    const { stack, table } = customersTable({ currentView: false });
    expect(tables(stack).view).toBeUndefined();
    expect(table.currentViewName).toBeUndefined();
  });
});

describe('SnapshotPartitionTable: lifecycle', () => {
  test("the table's location takes one lifecycle rule (noncurrent versions), no Spark staging rules: loads write into run folders of their own", () => {
    const { stack } = customersTable();
    const rules = bucketRules(stack).filter((r: any) => (r.Prefix ?? '').startsWith('customers/'));
    expect(rules).toEqual([{ Id: 'snapshot-noncurrent-versions:customers/', Prefix: 'customers/', NoncurrentVersionExpiration: { NoncurrentDays: 3 }, Status: 'Enabled' }]);
  });

  test('retention: snapshots under the table prefix expire', () => {
    const { stack } = customersTable({ retention: Duration.days(400) });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([{ Id: 'snapshot-retention:customers/', Prefix: 'customers/', ExpirationInDays: 400, Status: 'Enabled' }]),
      },
    });
  });

  test('two tables on one prefix with the same retention: one rule', () => {
    const { stack, lake } = customersTable({ retention: Duration.days(400) });
    new SnapshotPartitionTable(stack, 'CustomersByCountry', {
      ...customersTableProps(lake.silver), tableName: 'customers_by_country', prefix: 'customers/', retention: Duration.days(400),
    });
    const ids = bucketRules(stack).map(r => r.Id).filter((id: string) => id.startsWith('snapshot-retention:'));
    expect(ids).toEqual(['snapshot-retention:customers/']);
  });

  test('retention rules of long prefixes keep unique ids within 255 characters', () => {
    const { stack, lake } = customersTable();
    const long = 'p'.repeat(300);
    for (const name of ['a', 'b']) {
      new SnapshotPartitionTable(stack, name.toUpperCase(), {
        ...customersTableProps(lake.silver), tableName: name, prefix: `${long}/${name}/`, retention: Duration.days(400),
      });
    }
    const rules = bucketRules(stack).filter(r => String(r.Id).startsWith('snapshot-retention:'));
    expect(rules.map(r => r.Prefix)).toEqual([`${long}/a/`, `${long}/b/`]);
    expect(new Set(rules.map(r => r.Id)).size).toBe(2);
    rules.forEach(r => expect(r.Id.length).toBeLessThanOrEqual(255));
  });

  test('no retention rule by default', () => {
    const { stack } = customersTable();
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const ids = Object.values(buckets).flatMap((b: any) => (b.Properties.LifecycleConfiguration?.Rules ?? []).map((r: any) => r.Id));
    expect(ids.filter((id: string) => id.startsWith('snapshot-retention'))).toEqual([]);
  });
});

/** The lifecycle rules of a layer's bucket (`Silver`, `Gold`), by the bucket's logical id prefix. */
function bucketRules(stack: Stack, layer = 'Silver'): any[] {
  const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
  const id = Object.keys(buckets).find(k => k.startsWith(`Lake${layer}Bucket`));
  if (!id) throw new Error(`no bucket of the layer ${layer}`);
  return buckets[id].Properties.LifecycleConfiguration.Rules;
}

const noncurrentRules = (rules: any[]) => rules.filter(r => String(r.Id).startsWith('snapshot-noncurrent-versions:'));

describe("SnapshotPartitionTable: noncurrent versions under the table's prefix", () => {
  test('by default they expire after 3 days, beside the layer-wide 30-day rule', () => {
    const { stack, table } = customersTable();
    const rules = bucketRules(stack);
    expect(noncurrentRules(rules)).toEqual([
      { Id: 'snapshot-noncurrent-versions:customers/', Prefix: 'customers/', NoncurrentVersionExpiration: { NoncurrentDays: 3 }, Status: 'Enabled' },
    ]);
    expect(rules).toContainEqual({ Id: 'noncurrent-versions-expiration', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' });
    expect(table.noncurrentVersionExpiration.toDays()).toBe(3);
  });

  test("the delete markers of purged files go once their old versions expire: the bucket-wide rule of the layer's SparkStagingLifecycle", () => {
    const { stack } = customersTable();
    const rules = bucketRules(stack);
    // The table's rule only expires noncurrent versions; the delete marker left on each purged file's key is an
    // expired object delete marker once that version is gone, and this rule (no prefix: the whole bucket) removes it.
    expect(rules).toContainEqual({
      Id: 'abort-incomplete-uploads-and-expired-delete-markers',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      ExpiredObjectDeleteMarker: true,
      Status: 'Enabled',
    });
  });

  test('a chosen expiration, whole days, up to the layer\'s', () => {
    const { stack, table } = customersTable({ noncurrentVersionExpiration: Duration.days(1) });
    expect(noncurrentRules(bucketRules(stack))).toEqual([
      { Id: 'snapshot-noncurrent-versions:customers/', Prefix: 'customers/', NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
    ]);
    expect(table.noncurrentVersionExpiration.toDays()).toBe(1);
  });

  test("the layer's own retention keeps the layer's: no rule for the table", () => {
    const { stack, table } = customersTable({ noncurrentVersionExpiration: Duration.days(30) });
    const rules = bucketRules(stack);
    expect(noncurrentRules(rules)).toEqual([]);
    expect(rules).toContainEqual({ Id: 'noncurrent-versions-expiration', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' });
    expect(table.noncurrentVersionExpiration.toDays()).toBe(30);
  });

  test('a layer that keeps noncurrent versions less than 3 days: the default is the layer\'s, and no rule', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const lake = new BronzeSilverGoldLake(stack, 'Lake', {
      databasePrefix: 'sales',
      layers: [LayerDefinition.bronze(), LayerDefinition.silver({ noncurrentVersionExpiration: Duration.days(2) })],
    });
    const table = new SnapshotPartitionTable(stack, 'Customers', customersTableProps(lake.silver));
    expect(noncurrentRules(bucketRules(stack))).toEqual([]);
    expect(table.noncurrentVersionExpiration.toDays()).toBe(2);
  });

  test('a layer that keeps them longer: a table may keep them up to the layer\'s retention', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const lake = new BronzeSilverGoldLake(stack, 'Lake', {
      databasePrefix: 'sales',
      layers: [LayerDefinition.bronze(), LayerDefinition.silver({ noncurrentVersionExpiration: Duration.days(90) })],
    });
    new SnapshotPartitionTable(stack, 'Customers', { ...customersTableProps(lake.silver), noncurrentVersionExpiration: Duration.days(45) });
    expect(noncurrentRules(bucketRules(stack))).toEqual([
      { Id: 'snapshot-noncurrent-versions:customers/', Prefix: 'customers/', NoncurrentVersionExpiration: { NoncurrentDays: 45 }, Status: 'Enabled' },
    ]);
  });

  test('two tables on one bucket: one rule each, on its own prefix; a table in another layer: a rule on that bucket', () => {
    const { stack, lake } = customersTable();
    new SnapshotPartitionTable(stack, 'Orders', {
      ...customersTableProps(lake.silver), tableName: 'orders', prefix: 'sales/orders', noncurrentVersionExpiration: Duration.days(1),
    });
    new SnapshotPartitionTable(stack, 'Products', { ...customersTableProps(lake.gold), tableName: 'products' });
    expect(noncurrentRules(bucketRules(stack))).toEqual([
      { Id: 'snapshot-noncurrent-versions:customers/', Prefix: 'customers/', NoncurrentVersionExpiration: { NoncurrentDays: 3 }, Status: 'Enabled' },
      { Id: 'snapshot-noncurrent-versions:sales/orders/', Prefix: 'sales/orders/', NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
    ]);
    expect(noncurrentRules(bucketRules(stack, 'Gold'))).toEqual([
      { Id: 'snapshot-noncurrent-versions:products/', Prefix: 'products/', NoncurrentVersionExpiration: { NoncurrentDays: 3 }, Status: 'Enabled' },
    ]);
  });

  test('two tables on one prefix with the same expiration: one rule', () => {
    const { stack, lake } = customersTable();
    new SnapshotPartitionTable(stack, 'CustomersByCountry', { ...customersTableProps(lake.silver), tableName: 'customers_by_country', prefix: 'customers/' });
    expect(noncurrentRules(bucketRules(stack))).toEqual([
      { Id: 'snapshot-noncurrent-versions:customers/', Prefix: 'customers/', NoncurrentVersionExpiration: { NoncurrentDays: 3 }, Status: 'Enabled' },
    ]);
  });

  test('a long prefix gets a unique rule id within S3\'s 255 characters', () => {
    const { stack, lake } = customersTable();
    const long = `${'p'.repeat(300)}`;
    new SnapshotPartitionTable(stack, 'A', { ...customersTableProps(lake.silver), tableName: 'a', prefix: `${long}/a/` });
    new SnapshotPartitionTable(stack, 'B', { ...customersTableProps(lake.silver), tableName: 'b', prefix: `${long}/b/` });
    const ids = noncurrentRules(bucketRules(stack)).map(r => r.Id as string);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    ids.forEach(id => expect(id.length).toBeLessThanOrEqual(255));
    expect(noncurrentRules(bucketRules(stack)).map(r => r.Prefix)).toEqual(['customers/', `${long}/a/`, `${long}/b/`]);
  });
});

describe('SnapshotPartitionTable: grants', () => {
  test('grantRead: objects under the table prefix, the key through S3, this table and its view only', () => {
    const { stack, table } = customersTable();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    table.grantRead(role);
    const s = stack.resolve(statements(stack, role));
    const silverArn = { 'Fn::GetAtt': [expect.stringMatching(/^LakeSilverBucket/), 'Arn'] };
    const tableArn = (name: string) => join('arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:111111111111:table/', { Ref: expect.stringMatching(/^LakeSilverDatabase/) }, name);
    expect(s).toEqual([
      { Action: ['s3:GetObject', 's3:GetObjectVersion'], Effect: 'Allow', Resource: [join(silverArn, '/customers/*'), join(silverArn, '/customers_$folder$')] },
      { Action: 's3:GetObject', Effect: 'Allow', Resource: join(silverArn, '/customers') },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: silverArn, Condition: { StringLike: { 's3:prefix': ['customers/*', 'customers'] } } },
      { Action: 's3:GetBucketLocation', Effect: 'Allow', Resource: silverArn },
      {
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LakeKey/), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      },
      {
        Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        Effect: 'Allow',
        Resource: [
          glueArn('catalog'),
          join('arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:111111111111:database/', { Ref: expect.stringMatching(/^LakeSilverDatabase/) }),
          tableArn('/customers'),
          tableArn('/customers_current'),
        ],
      },
    ]);
    expect(JSON.stringify(stack.resolve(s))).not.toMatch(/table\/[^"]*\/\*/);
  });

  test('grantWrite: put and delete under the prefix and partition management, never the table definition', () => {
    const { stack, table } = customersTable();
    const role = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
    table.grantWrite(role);
    const s = stack.resolve(statements(stack, role));
    expect(s[0]).toEqual({
      Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Effect: 'Allow', Resource: expect.anything(),
    });
    const glueActions: string[] = s.find((st: any) => Array.isArray(st.Action) && st.Action.includes('glue:GetTable')).Action;
    expect(glueActions).toEqual(expect.arrayContaining(['glue:BatchCreatePartition', 'glue:BatchDeletePartition', 'glue:UpdatePartition']));
    expect(glueActions).not.toEqual(expect.arrayContaining(['glue:UpdateTable']));
    expect(glueActions.filter(a => /Table$|Tables$/.test(a) && !a.startsWith('glue:Get'))).toEqual([]);
    expect(s.find((st: any) => st.Action.includes?.('kms:GenerateDataKey'))).toBeDefined();
  });

  test('grantReadWrite: read and write object actions together', () => {
    const { stack, table } = customersTable({ currentView: false });
    const role = new iam.Role(stack, 'Both', { assumedBy: new iam.AccountRootPrincipal() });
    table.grantReadWrite(role);
    const s = stack.resolve(statements(stack, role));
    expect(s[0].Action).toEqual(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']);
    const glueStatement = s.find((st: any) => Array.isArray(st.Action) && st.Action.includes('glue:GetTable'));
    expect(glueStatement.Resource).toHaveLength(3);
  });

  test("grantReadWrite covers what a load does: run folders, the runtime's bookkeeping under <prefix>_state/, reading and switching partitions", () => {
    const { stack, table } = customersTable();
    const role = new iam.Role(stack, 'Loader', { assumedBy: new iam.AccountRootPrincipal() });
    table.grantReadWrite(role);
    const s = stack.resolve(statements(stack, role));
    const silverArn = { 'Fn::GetAtt': [expect.stringMatching(/^LakeSilverBucket/), 'Arn'] };
    // `customers/*` holds `customers/snapshot=2026-11/run-.../` and `customers/_state/snapshot=2026-11/publication.json`.
    expect(s[0].Resource).toEqual([join(silverArn, '/customers/*'), join(silverArn, '/customers_$folder$')]);
    expect(s).toContainEqual({ Action: 's3:ListBucket', Effect: 'Allow', Resource: silverArn, Condition: { StringLike: { 's3:prefix': ['customers/*', 'customers'] } } });
    const glueStatement = s.find((st: any) => Array.isArray(st.Action) && st.Action.includes('glue:GetTable'));
    expect(glueStatement.Action).toEqual(expect.arrayContaining([
      'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:CreatePartition', 'glue:UpdatePartition',
    ]));
    expect(glueStatement.Action).not.toContain('glue:UpdateTable');
  });
});

describe('SnapshotPartitionTable: jobs', () => {
  test('a writer job receives the table layout and the merge SQL as arguments', () => {
    const { stack, lake, table } = customersTable({ compression: SnapshotCompression.ZSTD });
    const job = new GlueJob(stack, 'Load', { script: script() });
    job.readsFrom(lake.bronze, { prefix: 'customers/' }).writesTo(table);
    const args = stack.resolve((job.job.node.defaultChild as glue.CfnJob).defaultArguments);
    expect(args).toEqual(expect.objectContaining({
      '--output_customers_database': { Ref: expect.stringMatching(/^LakeSilverDatabase/) },
      '--output_customers_table': 'customers',
      '--output_customers_path': sub('s3://${LakeSilverBucket*}/customers/'),
      '--output_customers_partition_key': 'snapshot',
      '--output_customers_granularity': 'MONTH',
      '--output_customers_partition_format': '%Y-%m',
      '--output_customers_current_view': 'customers_current',
      '--output_customers_primary_key': 'customer_id',
      '--output_customers_effective_date_column': 'updated_at',
      '--output_customers_compression': 'zstd',
      '--output_customers_period_basis': 'LOAD_TIME',
      '--output_customers_close_periods': 'false',
      '--output_customers_superseded_retention_minutes': '360',
    }));
    // The runtime builds the merge from the table's columns (runtime/tests/test_merge_sql.py: the same text).
    expect(Object.keys(args).filter(k => k.endsWith('_merge_sql'))).toEqual([]);
  });

  test.each<[string, Partial<SnapshotPartitionTableProps>, string, string, string]>([
    ['closing LOAD_TIME periods, superseded folders kept 30 minutes', { closePeriods: true, supersededRetention: Duration.minutes(30) }, 'LOAD_TIME', 'true', '30'],
    ['EFFECTIVE_DATE periods, superseded folders deleted by the next load', { periodBasis: SnapshotPeriodBasis.EFFECTIVE_DATE, supersededRetention: Duration.minutes(0) }, 'EFFECTIVE_DATE', 'false', '0'],
    ['the longest retention, 7 days', { supersededRetention: Duration.days(7) }, 'LOAD_TIME', 'false', '10080'],
    ['a retention in hours', { supersededRetention: Duration.hours(1) }, 'LOAD_TIME', 'false', '60'],
  ])('a writer receives the period basis, whether to close periods and the superseded retention: %s', (_case, props, basis, close, minutes) => {
    const { stack, table } = customersTable(props);
    const job = new GlueJob(stack, 'Load', { script: script() });
    job.writesTo(table);
    const args = stack.resolve((job.job.node.defaultChild as glue.CfnJob).defaultArguments);
    expect([args['--output_customers_period_basis'], args['--output_customers_close_periods'], args['--output_customers_superseded_retention_minutes']])
      .toEqual([basis, close, minutes]);
    expect([table.periodBasis, table.closePeriods]).toEqual([basis, close === 'true']);
  });

  test('a token retention given in minutes is passed as is', () => {
    const { stack, lake } = lakeStack();
    const minutes = new CfnParameter(stack, 'RetentionMinutes', { type: 'Number' });
    const table = new SnapshotPartitionTable(stack, 'Customers', {
      ...customersTableProps(lake.silver),
      supersededRetention: Duration.minutes(minutes.valueAsNumber),
    });
    const job = new GlueJob(stack, 'Load', { script: script() });
    job.writesTo(table);
    const args = stack.resolve((job.job.node.defaultChild as glue.CfnJob).defaultArguments);
    expect(args['--output_customers_superseded_retention_minutes']).toEqual({ Ref: 'RetentionMinutes' });
  });

  test('a reader job receives the layout (no merge SQL) and read access only', () => {
    const { stack, table } = customersTable({ primaryKey: ['customer_id', 'country'] });
    const job = new GlueJob(stack, 'Report', { script: script() });
    job.readsFrom(table, { argumentName: 'customers' });
    const args = stack.resolve((job.job.node.defaultChild as glue.CfnJob).defaultArguments);
    expect(Object.keys(args).filter(k => k.startsWith('--customers_')).sort()).toEqual([
      '--customers_current_view', '--customers_database', '--customers_granularity', '--customers_partition_format',
      '--customers_partition_key', '--customers_path', '--customers_table',
    ]);
    const onTable = stack.resolve(statements(stack, job.role as iam.Role))
      .filter((st: any) => /LakeSilver/.test(JSON.stringify(st.Resource)));
    expect(onTable.map((st: any) => [].concat(st.Action).sort())).toEqual([
      ['s3:GetObject', 's3:GetObjectVersion'], ['s3:GetObject'], ['s3:ListBucket'], ['s3:GetBucketLocation'],
      ['glue:BatchGetPartition', 'glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable', 'glue:GetTables'],
    ]);
  });

  test('a prefix is refused when binding a table', () => {
    const { stack, table } = customersTable();
    const job = new GlueJob(stack, 'Load', { script: script() });
    expect(() => job.writesTo(table, { prefix: 'x/' })).toThrow(
      "GlueJob at 'Stack/Load': invalid prop 'prefix': received \"x/\"; expected no prefix for the table 'customers': a table is read and written whole, at its own location");
  });

  test('cdk-nag: a lake, the table, a writer job and a reader role have no unacknowledged findings', () => {
    const { stack, lake, table } = customersTable({ retention: Duration.days(400) });
    const job = new GlueJob(stack, 'Load', { script: script() });
    job.readsFrom(lake.bronze, { prefix: 'customers/' }).writesTo(table);
    new GlueJob(stack, 'Report', { script: script() }).readsFrom(table);
    expectNoNagFindings(stack);
  });

  test('cdk-nag 2 (AwsSolutions, HIPAA, NIST, PCI) reports no errors either', () => {
    const { stack, lake, table } = customersTable();
    new GlueJob(stack, 'Load', { script: script() }).readsFrom(lake.bronze, { prefix: 'customers/' }).writesTo(table);
    expect(nagV2Errors(stack.node.root as any, stack)).toEqual([]);
  });

  test('a layer bound alongside keeps its own arguments', () => {
    const { stack, lake } = lakeStack();
    const t = new SnapshotPartitionTable(stack, 'Accounts', {
      layer: lake.gold,
      tableName: 'accounts',
      columns: CUSTOMER_COLUMNS,
      primaryKey: ['customer_id'],
      effectiveDateColumn: 'updated_at',
      granularity: SnapshotGranularity.YEAR,
    });
    const job = new GlueJob(stack, 'Load', { script: script() });
    job.writesTo(t).writesTo(lake.gold, { prefix: 'other/' });
    const args = stack.resolve((job.job.node.defaultChild as glue.CfnJob).defaultArguments);
    expect(args['--output_accounts_granularity']).toBe('YEAR');
    expect(args['--output_gold_path']).toEqual(sub('s3://${LakeGoldBucket*}/other/'));
  });
});
