import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BronzeSilverGoldLake, GlueJob } from '../../src';
import { grantObjects, OBJECT_READ_ACTIONS, OBJECT_WRITE_ACTIONS } from '../../src/private/grants';
import { customersTable } from '../catalog/fixtures';
import { roleStatements } from '../helpers/iam';
import { render } from '../helpers/render';
import { script } from '../processing/fixtures';

const ENV = { account: '111111111111', region: 'eu-west-1' };


/** The S3 statements of the role's policy: object ARNs by action, and the ListBucket prefixes. */
function s3Access(stack: Stack, role: iam.Role) {
  const statements: any[] = roleStatements(Template.fromStack(stack), role);
  const objects: Record<string, string[]> = {};
  const listPrefixes: string[] = [];
  for (const s of statements) {
    const actions: string[] = [].concat(s.Action);
    if (actions.includes('s3:ListBucket')) {
      listPrefixes.push(...[].concat(s.Condition?.StringLike?.['s3:prefix'] ?? ['<any>']));
      continue;
    }
    for (const action of actions.filter(a => a.startsWith('s3:') && a !== 's3:GetBucketLocation')) {
      for (const r of [].concat(s.Resource)) (objects[action] ??= []).push(render(r).replace(/^<\w+\.Arn>\//, ''));
    }
  }
  for (const k of Object.keys(objects)) objects[k].sort();
  return { objects, listPrefixes: listPrefixes.sort() };
}

/** True when an IAM resource glob (`*` only) matches the key. */
function covers(globs: string[], key: string): boolean {
  return globs.some(g => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key));
}

function setup() {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const bucket = new s3.Bucket(stack, 'Bucket');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
  return { stack, bucket, role };
}

describe('prefix grants cover the keys Glue\'s S3 connector uses around an output path (issue 15, defect 10)', () => {
  test('read and write of orders/: the data, the bare "orders" key, the "orders_$folder$" marker, _temporary/ and staging files', () => {
    const { stack, bucket, role } = setup();
    grantObjects(bucket, role, 'orders/', [...OBJECT_READ_ACTIONS, ...OBJECT_WRITE_ACTIONS]);
    const { objects, listPrefixes } = s3Access(stack, role);
    // Reads: HEAD of the directory's bare key and of its marker, everything under it.
    for (const key of ['orders', 'orders_$folder$', 'orders/part-0000.parquet', 'orders/_temporary/0/task/part-0000.parquet',
      'orders/.spark-staging-1/part-0000', 'orders/date=2024-01-01_$folder$', 'orders/_SUCCESS']) {
      expect(covers(objects['s3:GetObject'], key)).toBe(true);
    }
    // Writes: the marker and everything under the directory; never the bare key (a file would hide the directory).
    for (const key of ['orders_$folder$', 'orders/part-0000.parquet', 'orders/_temporary/0/x', 'orders/date=2024-01-01_$folder$']) {
      expect(covers(objects['s3:PutObject'], key)).toBe(true);
      expect(covers(objects['s3:DeleteObject'], key)).toBe(true);
    }
    expect(covers(objects['s3:PutObject'], 'orders')).toBe(false);
    // Nothing beside the directory.
    for (const key of ['orders-archive/part-0000.parquet', 'ordersx', 'customers/part-0000.parquet', 'customers_$folder$']) {
      expect(covers(objects['s3:GetObject'], key)).toBe(false);
      expect(covers(objects['s3:PutObject'], key)).toBe(false);
    }
    expect(objects['s3:GetObject']).toEqual(['orders', 'orders/*', 'orders_$folder$']);
    expect(objects['s3:PutObject']).toEqual(['orders/*', 'orders_$folder$']);
    // Listing: under the directory, and the bare path (how a Hadoop file system tells a directory from a file).
    expect(listPrefixes).toEqual(['orders', 'orders/*']);
  });

  test('a nested prefix also covers the bare keys and markers of its parent directories, not their contents', () => {
    const { stack, bucket, role } = setup();
    grantObjects(bucket, role, 'tables/orders/', [...OBJECT_READ_ACTIONS, ...OBJECT_WRITE_ACTIONS]);
    const { objects, listPrefixes } = s3Access(stack, role);
    expect(objects['s3:GetObject']).toEqual(['tables', 'tables/orders', 'tables/orders/*', 'tables/orders_$folder$', 'tables_$folder$']);
    expect(objects['s3:PutObject']).toEqual(['tables/orders/*', 'tables/orders_$folder$', 'tables_$folder$']);
    expect(covers(objects['s3:GetObject'], 'tables/customers/part-0000.parquet')).toBe(false);
    expect(listPrefixes).toEqual(['tables/orders', 'tables/orders/*']);
  });

  test('read only: the bare key and markers are readable, nothing is writable', () => {
    const { stack, bucket, role } = setup();
    grantObjects(bucket, role, 'orders/', OBJECT_READ_ACTIONS);
    const { objects } = s3Access(stack, role);
    expect(objects['s3:GetObject']).toEqual(['orders', 'orders/*', 'orders_$folder$']);
    expect(objects['s3:GetObjectVersion']).toEqual(['orders/*', 'orders_$folder$']);
    expect(objects['s3:PutObject']).toBeUndefined();
  });

  test('the whole bucket: every object, listing unrestricted', () => {
    const { stack, bucket, role } = setup();
    grantObjects(bucket, role, '', OBJECT_READ_ACTIONS);
    const { objects, listPrefixes } = s3Access(stack, role);
    expect(objects['s3:GetObject']).toEqual(['*']);
    expect(listPrefixes).toEqual(['<any>']);
  });

  test('GlueJob.writesTo(layer, { prefix: "orders/" }) and LakeLayer.grantRead carry the same keys', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const lake = new BronzeSilverGoldLake(stack, 'Lake', { databasePrefix: 'sales' });
    const job = new GlueJob(stack, 'J', { script: script() }).writesTo(lake.silver, { prefix: 'orders/' });
    const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    lake.silver.grantRead(analyst, 'orders/');
    const writer = s3Access(stack, job.role);
    const silver = (keys: string[]) => keys.filter(k => !k.startsWith('jobs/') && !k.includes('cdk-hnb659fds'));
    expect(silver(writer.objects['s3:PutObject'])).toEqual(['orders/*', 'orders_$folder$']);
    expect(silver(writer.objects['s3:GetObject'])).toEqual(['orders', 'orders/*', 'orders_$folder$']);
    expect(writer.listPrefixes).toEqual(expect.arrayContaining(['orders', 'orders/*']));
    expect(s3Access(stack, analyst).objects['s3:GetObject']).toEqual(['orders', 'orders/*', 'orders_$folder$']);
  });

  test('a SnapshotPartitionTable written by a job: its location\'s bare key and marker too', () => {
    const { stack, table } = customersTable();
    const job = new GlueJob(stack, 'J', { script: script() }).writesTo(table);
    const { objects, listPrefixes } = s3Access(stack, job.role);
    const data = (keys: string[]) => keys.filter(k => k.includes('customers'));
    expect(data(objects['s3:PutObject'])).toEqual(['customers/*', 'customers_$folder$']);
    expect(data(objects['s3:GetObject'])).toEqual(['customers', 'customers/*', 'customers_$folder$']);
    expect(listPrefixes).toEqual(expect.arrayContaining(['customers', 'customers/*']));
  });
});
