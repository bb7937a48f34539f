import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SparkStagingLifecycle, SparkStagingLifecycleProps } from '../../src';
import { acknowledgeNag } from '../../src/private/nag';
import { expectNoNagFindings } from '../helpers/nag';

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const bucket = new s3.Bucket(stack, 'Bucket', { versioned: true });
  return { app, stack, bucket };
}

function rules(stack: Stack): any[] {
  const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
  return Object.values(buckets)[0].Properties.LifecycleConfiguration.Rules;
}

describe('SparkStagingLifecycle', () => {
  test('with no prefix it produces exactly the root rule', () => {
    const { stack, bucket } = setup();
    new SparkStagingLifecycle(stack, 'Staging', { bucket });
    const root = rules(stack).filter(r => r.Id === 'spark-staging-files-expiration');
    expect(root).toEqual([{
      Id: 'spark-staging-files-expiration',
      Prefix: '.spark-staging',
      ExpirationInDays: 1,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      Status: 'Enabled',
    }]);
  });

  test('the root also expires _temporary/ and, once per bucket, aborts uploads and removes expired delete markers', () => {
    const { stack, bucket } = setup();
    new SparkStagingLifecycle(stack, 'Staging', { bucket });
    expect(rules(stack)).toEqual([
      { Id: 'abort-incomplete-uploads-and-expired-delete-markers', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
      { Id: 'spark-staging-files-expiration', Prefix: '.spark-staging', ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
      { Id: 'spark-temporary-files-expiration', Prefix: '_temporary/', ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
    ]);
  });

  test('one pair of rules per write location, under the location (a root rule does not catch them)', () => {
    const { stack, bucket } = setup();
    const staging = new SparkStagingLifecycle(stack, 'Staging', { bucket, prefixes: ['tables/orders/'] });
    staging.addPrefix('tables/customers');
    const prefixes = rules(stack).map(r => r.Prefix).filter(Boolean);
    expect(prefixes).toEqual([
      'tables/orders/.spark-staging', 'tables/orders/_temporary/',
      'tables/customers/.spark-staging', 'tables/customers/_temporary/',
    ]);
    expect(staging.prefixes).toEqual(['tables/orders/', 'tables/customers/']);
    expect(rules(stack).map(r => r.Id)).toContain('spark-staging-files-expiration:tables/customers/');
  });

  test('adding the same prefix twice adds nothing, even from a second lifecycle on the bucket', () => {
    const { stack, bucket } = setup();
    const a = new SparkStagingLifecycle(stack, 'A', { bucket, prefixes: ['t/'] });
    a.addPrefix('t/');
    a.addPrefix('t');
    new SparkStagingLifecycle(stack, 'B', { bucket, prefixes: ['t/'] });
    expect(rules(stack)).toHaveLength(3);
  });

  test('a custom expiration applies to current and noncurrent versions', () => {
    const { stack, bucket } = setup();
    new SparkStagingLifecycle(stack, 'Staging', { bucket, prefixes: ['x/'], expiration: Duration.days(3) });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([{
          Id: 'spark-staging-files-expiration:x/',
          Prefix: 'x/.spark-staging',
          ExpirationInDays: 3,
          NoncurrentVersionExpiration: { NoncurrentDays: 3 },
          Status: 'Enabled',
        }]),
      },
    });
  });

  test('a very long prefix gets a unique rule id within 255 characters', () => {
    const { stack, bucket } = setup();
    const long = `${'a'.repeat(300)}/`;
    new SparkStagingLifecycle(stack, 'Staging', { bucket, prefixes: [long, `${'a'.repeat(299)}b/`] });
    const ids = rules(stack).map(r => r.Id as string);
    expect(ids.every(id => id.length <= 255)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test.each<[string, (s: ReturnType<typeof setup>) => Partial<SparkStagingLifecycleProps>, string]>([
    ['an imported bucket', s => ({ bucket: s3.Bucket.fromBucketName(s.stack, 'Imported', 'some-bucket') }),
      "SparkStagingLifecycle at 'Stack/Staging': invalid prop 'bucket': received the imported bucket at 'Stack/Imported'; expected a bucket defined in this app (new s3.Bucket): the lifecycle configuration of an imported bucket cannot be managed"],
    ['a leading slash', () => ({ prefixes: ['/raw/'] }),
      "SparkStagingLifecycle at 'Stack/Staging': invalid prop 'prefixes': received \"/raw/\"; expected a key prefix without a leading '/' (S3 keys do not start with '/'), e.g. \"tables/orders/\""],
    ['a wildcard', () => ({ prefixes: ['tables/*/'] }),
      "SparkStagingLifecycle at 'Stack/Staging': invalid prop 'prefixes': received \"tables/*/\"; expected a literal key prefix without wildcards (S3 lifecycle filters match prefixes, not patterns)"],
    ['a fractional expiration', () => ({ expiration: Duration.hours(36) }),
      "SparkStagingLifecycle at 'Stack/Staging': invalid prop 'expiration': received 1 day 12 hours; expected a whole number of days >= 1 (S3 lifecycle rules count in days)"],
    ['a zero expiration', () => ({ expiration: Duration.days(0) }),
      "SparkStagingLifecycle at 'Stack/Staging': invalid prop 'expiration': received 0 days; expected a whole number of days >= 1 (S3 lifecycle rules count in days)"],
  ])('rejects %s', (_name, props, message) => {
    const s = setup();
    expect(() => new SparkStagingLifecycle(s.stack, 'Staging', { bucket: s.bucket, ...props(s) })).toThrow(message);
  });

  test('addPrefix rejects a wildcard with the prop name', () => {
    const { stack, bucket } = setup();
    const staging = new SparkStagingLifecycle(stack, 'Staging', { bucket });
    expect(() => staging.addPrefix('a?/')).toThrow("SparkStagingLifecycle at 'Stack/Staging': invalid prop 'prefix': received \"a?/\"");
  });

  test('more lifecycle rules than S3 allows per bucket fail synthesis with a clear error', () => {
    const { stack, bucket } = setup();
    const staging = new SparkStagingLifecycle(stack, 'Staging', { bucket });
    for (let i = 0; i < 499; i++) staging.addPrefix(`t${i}/`);
    expect(() => Template.fromStack(stack)).toThrow(
      "SparkStagingLifecycle at 'Stack/Staging': invalid prop 'prefixes': received 1001 lifecycle rules on the bucket; expected at most 1000 lifecycle rules per bucket (the S3 limit)");
  });

  test('exactly 1000 rules (the limit, counting the bucket\'s other rules) synthesize', () => {
    const { stack, bucket } = setup();
    bucket.addLifecycleRule({ id: 'other', noncurrentVersionExpiration: Duration.days(30) });
    const staging = new SparkStagingLifecycle(stack, 'Staging', { bucket });
    for (let i = 0; i < 498; i++) staging.addPrefix(`t${i}/`);
    expect(rules(stack)).toHaveLength(1000);
  });

  test('adds no finding of its own to a compliant bucket (cdk-nag, five packs)', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const logs = new s3.Bucket(stack, 'Logs', { enforceSSL: true, versioned: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
    const bucket = new s3.Bucket(stack, 'Bucket', {
      versioned: true,
      enforceSSL: true,
      encryption: s3.BucketEncryption.KMS,
      serverAccessLogsBucket: logs,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });
    new SparkStagingLifecycle(stack, 'Staging', { bucket, prefixes: ['t/'] });
    acknowledgeNag(stack, { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: 'test fixture buckets, replication is out of scope of this construct' },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: 'test fixture buckets, replication is out of scope of this construct' },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason: 'test fixture buckets, replication is out of scope of this construct' });
    acknowledgeNag(logs, ...['AwsSolutions-S1', 'HIPAA.Security-S3BucketLoggingEnabled', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled',
      'HIPAA.Security-S3DefaultEncryptionKMS', 'NIST.800.53.R5-S3DefaultEncryptionKMS', 'PCI.DSS.321-S3DefaultEncryptionKMS']
      .map(id => ({ id, reason: 'test fixture: the access log target bucket' })));
    expectNoNagFindings(stack);
  });
});
