import { App, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  BronzeSilverGoldLake, BronzeSilverGoldLakeProps, LakeContextKeys, LakeLayer, LayerDefinition, LayerKind, RawDataProtection,
} from '../../src';
import { expectNoNagFindings, nagV2Errors } from '../helpers/nag';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function lakeStack(props?: BronzeSilverGoldLakeProps, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stack = new Stack(app, 'LakeStack', { env: ENV });
  const lake = new BronzeSilverGoldLake(stack, 'Lake', props);
  return { app, stack, lake, template: () => Template.fromStack(stack) };
}

/** The logical id of the bucket of a layer. */
function bucketId(stack: Stack, lake: BronzeSilverGoldLake, layer: string): string {
  return stack.getLogicalId(lake.layer(layer).bucket.node.defaultChild as any);
}

describe('BronzeSilverGoldLake defaults', () => {
  const { stack, lake, template } = lakeStack();
  const t = template();

  test('three layers bronze (raw), silver and gold (curated), in order', () => {
    expect(lake.layers.map(l => [l.name, l.kind])).toEqual([
      ['bronze', LayerKind.RAW], ['silver', LayerKind.CURATED], ['gold', LayerKind.CURATED],
    ]);
    expect(lake.bronze.isRaw).toBe(true);
    expect(lake.silver.isRaw).toBe(false);
  });

  test('one customer-managed key with rotation, retained', () => {
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, PendingWindowInDays: 30 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('five buckets: access logs, three layers, query results; all retained, public access blocked, TLS only', () => {
    t.resourceCountIs('AWS::S3::Bucket', 5);
    const buckets = t.findResources('AWS::S3::Bucket');
    for (const b of Object.values(buckets)) {
      expect(b.DeletionPolicy).toBe('Retain');
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
      expect(b.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    }
    const policies = t.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(5);
    for (const p of Object.values(policies)) {
      const statements = p.Properties.PolicyDocument.Statement;
      expect(statements).toEqual(expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]));
    }
  });

  test('the access-log bucket uses SSE-S3 and expires logs after 90 days', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'access-logs-expiration', ExpirationInDays: 90 })]) },
    });
  });

  test('every layer bucket: SSE-KMS with the lake key and a bucket key, access logs under the layer prefix', () => {
    for (const layer of ['bronze', 'silver', 'gold']) {
      const b = t.toJSON().Resources[bucketId(stack, lake, layer)];
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^LakeKey/), 'Arn'] } },
      }]);
      expect(b.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: expect.stringMatching(/^LakeAccessLogs/) }, LogFilePrefix: `${layer}/`,
      });
    }
  });

  test('the log bucket lets the S3 logging service write each source under its own prefix only', () => {
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^LakeAccessLogs'), 'Arn'] }, '/bronze/*']] },
          Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId(stack, lake, 'bronze'), 'Arn'] } }, StringEquals: { 'aws:SourceAccount': '111111111111' } },
        })]),
      },
    });
  });

  test('bronze denies object and version deletes to everyone, and moves to Intelligent-Tiering after 30 days', () => {
    const id = bucketId(stack, lake, 'bronze');
    const policy = Object.values(t.findResources('AWS::S3::BucketPolicy')).find(p => p.Properties.Bucket.Ref === id)!;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'DenyDeletesOfRawData',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] },
    });
    const rules = t.toJSON().Resources[id].Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual({ Id: 'intelligent-tiering', Status: 'Enabled', Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }] });
    expect(rules).toContainEqual({ Id: 'abort-incomplete-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } });
    expect(t.toJSON().Resources[id].Properties.ObjectLockEnabled).toBeUndefined();
    expect(lake.bronze.stagingLifecycle).toBeUndefined();
  });

  test('curated layers expire noncurrent versions after 30 days and own a root SparkStagingLifecycle', () => {
    for (const layer of ['silver', 'gold']) {
      const rules = t.toJSON().Resources[bucketId(stack, lake, layer)].Properties.LifecycleConfiguration.Rules;
      expect(rules).toContainEqual({ Id: 'noncurrent-versions-expiration', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
      expect(rules).toContainEqual({
        Id: 'spark-staging-files-expiration',
        Prefix: '.spark-staging',
        ExpirationInDays: 1,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled',
      });
      expect(lake.layer(layer).stagingLifecycle?.prefixes).toEqual(['']);
    }
  });

  test('one Glue database per layer named <prefix>_<layer>, located in its bucket, retained', () => {
    t.resourceCountIs('AWS::Glue::Database', 3);
    for (const layer of ['bronze', 'silver', 'gold']) {
      t.hasResource('AWS::Glue::Database', {
        Properties: {
          CatalogId: '111111111111',
          DatabaseInput: Match.objectLike({
            Name: `lakestack_lake_${layer}`,
            LocationUri: { 'Fn::Join': ['', ['s3://', { Ref: bucketId(stack, lake, layer) }, '/']] },
          }),
        },
        DeletionPolicy: 'Retain',
      });
    }
    expect(lake.databasePrefix).toBe('lakestack_lake');
  });

  test('an Athena workgroup: engine v3, enforced, KMS-encrypted results, 10 GiB scan limit, metrics', () => {
    t.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'lakestack_lake_workgroup',
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^LakeQueryResults') }, '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LakeKey'), 'Arn'] } },
          ExpectedBucketOwner: '111111111111',
        },
      },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'query-results-expiration', ExpirationInDays: 7 })]) },
      LoggingConfiguration: { LogFilePrefix: 'athena-results/' },
    });
    expect(stack.resolve(lake.workgroup!.workgroupName)).toEqual({ Ref: expect.stringMatching(/^LakeWorkgroup/) });
  });

  test('asking for a layer the lake does not have throws a clear error', () => {
    expect(() => lake.layer('platinum')).toThrow(
      'BronzeSilverGoldLake at \'LakeStack/Lake\': invalid prop \'layer(name)\': received "platinum"; expected the name of one of the lake\'s layers: "bronze", "silver", "gold"');
  });

  test('s3Uri points into the layer bucket', () => {
    expect(stack.resolve(lake.silver.s3Uri('orders/'))).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId(stack, lake, 'silver') }, '/orders/']] });
  });

  test('pins the logical ids of the stateful resources (a change replaces them and loses data)', () => {
    const ids = Object.entries(t.toJSON().Resources as Record<string, any>)
      .filter(([, r]) => ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Glue::Database', 'AWS::Athena::WorkGroup'].includes(r.Type))
      .map(([id, r]) => `${r.Type} ${id}`).sort();
    expect(ids).toEqual([
      'AWS::Athena::WorkGroup LakeWorkgroupCB5ADEE6',
      'AWS::Glue::Database LakeBronzeDatabase22279C74',
      'AWS::Glue::Database LakeGoldDatabase675BF8B1',
      'AWS::Glue::Database LakeSilverDatabase4B1680DC',
      'AWS::KMS::Key LakeKey7B6C155C',
      'AWS::S3::Bucket LakeAccessLogs4431AB8D',
      'AWS::S3::Bucket LakeBronzeBucket4D17A87A',
      'AWS::S3::Bucket LakeGoldBucket18B2C89D',
      'AWS::S3::Bucket LakeQueryResultsD271E3DC',
      'AWS::S3::Bucket LakeSilverBucket15BA027D',
    ]);
  });

  test('has zero unacknowledged cdk-nag findings in the five packs', () => {
    expectNoNagFindings(stack);
  });
});

describe('custom layers', () => {
  const layers = [
    LayerDefinition.raw('landing', { intelligentTieringAfter: Duration.days(0), databaseName: 'landing_zone' }),
    LayerDefinition.curated('conformed', { noncurrentVersionExpiration: Duration.days(7) }),
    LayerDefinition.curated('data-products'),
    LayerDefinition.curated('exports'),
  ];

  test('any ordered list of layers, with their options', () => {
    const { lake, template } = lakeStack({ layers, databasePrefix: 'sales' });
    const t = template();
    expect(lake.layers.map(l => l.name)).toEqual(['landing', 'conformed', 'data-products', 'exports']);
    t.resourceCountIs('AWS::Glue::Database', 4);
    for (const name of ['landing_zone', 'sales_conformed', 'sales_data_products', 'sales_exports']) {
      t.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: name }) });
    }
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([{ Id: 'noncurrent-versions-expiration', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 7 } }]) },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'intelligent-tiering', Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }] })]) },
    });
    expect(() => lake.bronze).toThrow("invalid prop 'layer(name)': received \"bronze\"");
    expect(lake.layer('data-products').node.id).toBe('DataProducts');
  });

  test('a single curated layer works (fewer than three)', () => {
    const { lake } = lakeStack({ layers: [LayerDefinition.curated('only')] });
    expect(lake.layers).toHaveLength(1);
  });

  test('has zero unacknowledged cdk-nag findings in the five packs', () => {
    const { stack } = lakeStack({ layers, athenaWorkgroup: false });
    expectNoNagFindings(stack);
  });

  test('Object Lock in governance mode replaces the deny policy', () => {
    const locked = LayerDefinition.bronze({ protection: RawDataProtection.objectLock(Duration.days(365)) });
    const { stack, lake, template } = lakeStack({ layers: [locked] });
    const t = template();
    t.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } } },
    });
    const id = bucketId(stack, lake, 'bronze');
    const policy = Object.values(t.findResources('AWS::S3::BucketPolicy')).find(p => p.Properties.Bucket.Ref === id)!;
    expect(JSON.stringify(policy)).not.toContain('DenyDeletesOfRawData');
  });

  test('RawDataProtection.none() leaves only versioning', () => {
    const { template } = lakeStack({ layers: [LayerDefinition.bronze({ protection: RawDataProtection.none() })] });
    expect(JSON.stringify(template().toJSON())).not.toContain('DenyDeletesOfRawData');
  });

  test('the workgroup is optional and its settings configurable', () => {
    expect(lakeStack({ athenaWorkgroup: false }).template().findResources('AWS::Athena::WorkGroup')).toEqual({});
    const { template } = lakeStack({ workgroupName: 'analysts', queryBytesScannedCutoff: Size.gibibytes(1), queryResultsExpiration: Duration.days(2) });
    template().hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'analysts', WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 1024 ** 3 }) });
    template().hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'query-results-expiration', ExpirationInDays: 2 })]) } });
  });
});

describe('grants', () => {
  function granted(fn: (lake: BronzeSilverGoldLake, role: iam.Role) => void) {
    const { stack, lake } = lakeStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    fn(lake, role);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(p => p.Properties.PolicyDocument.Statement);
    return { stack, lake, statements };
  }

  test('grantRead is scoped to the prefix: objects, list condition, key through S3, catalog of this database', () => {
    const { stack, lake, statements } = granted((l, role) => l.silver.grantRead(role, 'orders/'));
    const bucket = bucketId(stack, lake, 'silver');
    const key = (k: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, k]] });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: [key('/orders/*'), key('/orders_$folder$')],
    });
    // The bare key of the directory: a Hadoop file system reads it to tell a directory from a file.
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 's3:GetObject', Resource: key('/orders') });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['orders/*', 'orders'] } },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LakeKey/), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
    const glue = statements.find(s => JSON.stringify(s.Action).includes('glue:GetTable'));
    expect(glue.Action).not.toContain('glue:CreateTable');
    expect(stack.resolve(glue.Resource)).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:111111111111:catalog']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:111111111111:database/', { Ref: expect.stringMatching(/^LakeSilverDatabase/) }]] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:111111111111:table/', { Ref: expect.stringMatching(/^LakeSilverDatabase/) }, '/*']] },
    ]);
    expect(JSON.stringify(statements)).not.toContain('s3:PutObject');
  });

  test('grantWrite adds put/delete and catalog reads, table/partition changes only for named tables, but no object read', () => {
    const { statements } = granted((lake, role) => lake.gold.grantWrite(role, 'products/', ['products']));
    const s3Objects = statements.find(s => JSON.stringify(s.Action).includes('s3:PutObject'));
    expect(s3Objects.Action).toEqual(['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']);
    const glue = statements.filter(s => JSON.stringify(s.Action).includes('glue:'));
    expect(glue).toHaveLength(2);
    expect(glue[0].Action).not.toContain('glue:CreateTable');
    expect(glue[1].Action).toEqual(expect.arrayContaining(['glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable', 'glue:BatchCreatePartition', 'glue:BatchDeletePartition']));
    expect(JSON.stringify(glue[1].Resource[2])).toMatch(/table\/",\{"Ref":"LakeGoldDatabase\w+"\},"\/products"/);
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'] }));
    expect(JSON.stringify(statements)).not.toContain('s3:GetObject"');
  });

  test('grantReadWrite without a prefix covers the whole bucket without a list condition', () => {
    const { statements } = granted((lake, role) => lake.bronze.grantReadWrite(role));
    const list = statements.find(s => s.Action === 's3:ListBucket');
    expect(list.Condition).toBeUndefined();
    const objects = statements.find(s => JSON.stringify(s.Action).includes('s3:GetObject'));
    expect(objects.Action).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject']));
  });

  test('no wildcard resource anywhere in a grant', () => {
    const { statements } = granted((l, role) => {
      l.silver.grantReadWrite(role, 'x/');
      l.bronze.grantRead(role);
    });
    expect(statements.every(s => s.Resource !== '*' && !(Array.isArray(s.Resource) && s.Resource.includes('*')))).toBe(true);
  });

  test.each(['/orders/', 'orders/*'])('a grant rejects the prefix %p', (prefix) => {
    const { stack, lake } = lakeStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    expect(() => lake.silver.grantRead(role, prefix)).toThrow(
      `LakeLayer at 'LakeStack/Lake/Silver': invalid prop 'prefix': received ${JSON.stringify(prefix)}; expected a key prefix without a leading '/' and without wildcards, e.g. "orders/"`);
  });
});

describe('removal-policy interlock', () => {
  test('DESTROY without the context flag reverts to RETAIN with a warning', () => {
    const { stack, lake, template } = lakeStack({ removalPolicy: RemovalPolicy.DESTROY });
    expect(lake.removalPolicy).toBe(RemovalPolicy.RETAIN);
    const t = template();
    for (const b of Object.values(t.findResources('AWS::S3::Bucket'))) expect(b.DeletionPolicy).toBe('Retain');
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    Annotations.fromStack(stack).hasWarning('/LakeStack/Lake', Match.stringLikeRegexp("removalPolicy DESTROY was requested but the context key 'cdk-glue-lake:removeDataOnDestroy' is not true"));
  });

  test('DESTROY with the flag deletes and empties every bucket, and bronze lets only the emptying role delete', () => {
    const { stack, lake, template } = lakeStack({ removalPolicy: RemovalPolicy.DESTROY }, { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true });
    expect(lake.removalPolicy).toBe(RemovalPolicy.DESTROY);
    const t = template();
    for (const b of Object.values(t.findResources('AWS::S3::Bucket'))) expect(b.DeletionPolicy).toBe('Delete');
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 5);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::Glue::Database', { DeletionPolicy: 'Delete' });
    t.hasResourceProperties('AWS::Athena::WorkGroup', { RecursiveDeleteOption: true });
    const id = bucketId(stack, lake, 'bronze');
    const policy = Object.values(t.findResources('AWS::S3::BucketPolicy')).find(p => p.Properties.Bucket.Ref === id)!;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
      Sid: 'DenyDeletesOfRawData',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092', 'Arn'] } } },
    }));
    // the emptying role is allowed by the auto-delete statement, and the deny exempts exactly that role
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
      Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': ['CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092', 'Arn'] } },
    }));
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('removalPolicy DESTROY'))).toHaveLength(0);
  });

  test('DESTROY with the flag passes cdk-nag (the auto-delete provider is acknowledged with reasons)', () => {
    const { stack } = lakeStack({ removalPolicy: RemovalPolicy.DESTROY }, { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true });
    expectNoNagFindings(stack);
  });

  test('the string "true" from the command line (-c key=true) also allows DESTROY', () => {
    const { lake } = lakeStack({ removalPolicy: RemovalPolicy.DESTROY }, { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: 'true' });
    expect(lake.removalPolicy).toBe(RemovalPolicy.DESTROY);
  });
});

describe('cdk-nag 2 users', () => {
  test('the acknowledgements are written as cdk_nag rules_to_suppress metadata that cdk-nag 2 honours', () => {
    const { app, stack } = lakeStack();
    const errors = nagV2Errors(app, stack);
    expect(errors).toEqual([]);
    const logs = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))
      .find(b => b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm === 'AES256')!;
    expect(logs.Metadata.cdk_nag.rules_to_suppress).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: 'AwsSolutions-S1', reason: expect.stringContaining('server access log destination') }),
    ]));
  });
});

describe('invalid input', () => {
  test.each<[string, BronzeSilverGoldLakeProps, string]>([
    ['no layers', { layers: [] },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'layers': received [] (an empty list); expected at least one layer, e.g. [LayerDefinition.bronze(), LayerDefinition.silver()]"],
    ['duplicate layer names', { layers: [LayerDefinition.bronze(), LayerDefinition.curated('bronze')] },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'layers': received [\"bronze\", \"bronze\"]; expected unique layer names; \"bronze\" appears more than once"],
    ['an uppercase layer name', { layers: [LayerDefinition.curated('Silver')] },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'layers': received \"Silver\"; expected a layer name of lowercase letters, digits and '-', starting with a letter and not ending with '-' (it names a bucket prefix and a Glue database)"],
    ['an underscore in a layer name', { layers: [LayerDefinition.curated('my_layer')] },
      "invalid prop 'layers': received \"my_layer\"; expected a layer name of lowercase letters, digits and '-'"],
    ['a too long layer name', { layers: [LayerDefinition.curated('a'.repeat(33))] },
      `BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'layers': received "${'a'.repeat(33)}"; expected a layer name of at most 32 characters (it names a Glue database and construct ids)`],
    ['a database prefix with a hyphen', { databasePrefix: 'my-lake' },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'databasePrefix': received \"my-lake\"; expected lowercase letters, digits and '_', starting with a letter, at most 222 characters (Glue and Athena database naming)"],
    ['a database name override with uppercase', { layers: [LayerDefinition.curated('silver', { databaseName: 'Silver' })] },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'layers[silver].databaseName': received \"Silver\"; expected lowercase letters, digits and '_', starting with a letter, at most 255 characters"],
    ['a fractional noncurrent expiration', { layers: [LayerDefinition.curated('silver', { noncurrentVersionExpiration: Duration.hours(12) })] },
      "LakeLayer at 'LakeStack/Lake/Silver': invalid prop 'noncurrentVersionExpiration': received 12 hours; expected a whole number of days >= 1 (S3 lifecycle rules count in days)"],
    ['a zero noncurrent expiration', { layers: [LayerDefinition.curated('silver', { noncurrentVersionExpiration: Duration.days(0) })] },
      "LakeLayer at 'LakeStack/Lake/Silver': invalid prop 'noncurrentVersionExpiration': received 0 days; expected a whole number of days >= 1"],
    ['a fractional tiering age', { layers: [LayerDefinition.bronze({ intelligentTieringAfter: Duration.hours(36) })] },
      "LakeLayer at 'LakeStack/Lake/Bronze': invalid prop 'intelligentTieringAfter': received 1 day 12 hours; expected a whole number of days >= 0 (S3 lifecycle rules count in days)"],
    ['a zero Object Lock retention', { layers: [LayerDefinition.bronze({ protection: RawDataProtection.objectLock(Duration.days(0)) })] },
      "LakeLayer at 'LakeStack/Lake/Bronze': invalid prop 'protection': received 0 days; expected a whole number of days >= 1 (S3 lifecycle rules count in days)"],
    ['an Object Lock retention over 100 years', { layers: [LayerDefinition.bronze({ protection: RawDataProtection.objectLock(Duration.days(36501)) })] },
      "LakeLayer at 'LakeStack/Lake/Bronze': invalid prop 'protection': received 36501 days; expected an Object Lock retention of at most 36500 days (100 years)"],
    ['an access-log retention in hours', { accessLogsRetention: Duration.hours(5) },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'accessLogsRetention': received 5 hours; expected a whole number of days >= 1 (S3 lifecycle rules count in days)"],
    ['a zero query-results expiration', { queryResultsExpiration: Duration.days(0) },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'queryResultsExpiration': received 0 days; expected a whole number of days >= 1"],
    ['a scan limit under Athena\'s minimum', { queryBytesScannedCutoff: Size.mebibytes(5) },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'queryBytesScannedCutoff': received 5242880 bytes; expected at least 10000000 bytes (10 MB, the Athena minimum)"],
    ['a workgroup name with a space', { workgroupName: 'my workgroup' },
      "BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'workgroupName': received \"my workgroup\"; expected letters, digits, '.', '_' and '-', 1 to 128 characters"],
  ])('rejects %s', (_name, props, message) => {
    expect(() => lakeStack(props)).toThrow(message);
  });

  test('rejects Object Lock together with an effective DESTROY', () => {
    expect(() => lakeStack(
      { removalPolicy: RemovalPolicy.DESTROY, layers: [LayerDefinition.bronze({ protection: RawDataProtection.objectLock(Duration.days(30)) })] },
      { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true },
    )).toThrow("BronzeSilverGoldLake at 'LakeStack/Lake': invalid prop 'removalPolicy': received \"RemovalPolicy.DESTROY\"; expected RETAIN while layer 'bronze' uses RawDataProtection.objectLock()");
  });
});

describe('LakeLayer used on its own', () => {
  function layerStack(databaseName: string, removalPolicy?: RemovalPolicy) {
    const stack = new Stack(new App(), 'S');
    const layer = new LakeLayer(stack, 'Layer', {
      definition: LayerDefinition.silver(),
      databaseName,
      removalPolicy,
      encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
      accessLogsBucket: new s3.Bucket(stack, 'Logs'),
    });
    return { stack, layer };
  }

  test('applies the removal-policy interlock itself', () => {
    const { stack } = layerStack('my_db', RemovalPolicy.DESTROY);
    Template.fromStack(stack).hasResource('AWS::Glue::Database', { DeletionPolicy: 'Retain' });
    Annotations.fromStack(stack).hasWarning('/S/Layer', Match.stringLikeRegexp('the data is RETAINED'));
  });

  test('validates the database name', () => {
    expect(() => layerStack('My-Db')).toThrow(
      "LakeLayer at 'S/Layer': invalid prop 'databaseName': received \"My-Db\"; expected lowercase letters, digits and '_', starting with a letter, at most 255 characters (Glue and Athena database naming)");
  });
});
