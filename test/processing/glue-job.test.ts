import { App, CfnElement, Duration, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { lakeStack, newStack, onlyResource, script } from './fixtures';
import { BookmarkedJob, GlueJob, SharedJobResources } from '../../src';
import { EVENT_PATTERN_LIMIT } from '../../src/processing/failure-notifications';
import { REPROCESS_STATE_MACHINE_TAG } from '../../src/processing/reprocess-tag';
import { roleStatements as statementsOfRole } from '../helpers/iam';
import { expectNoNagFindings, nagV2Errors } from '../helpers/nag';
import { render } from '../helpers/render';

/** The statements of the job role's policy, by Sid when they have one. */
function roleStatements(template: Template, job: GlueJob): any[] {
  return statementsOfRole(template, job.role, { managed: true });
}

/** The policy attached to the role whose logical id starts with `rolePrefix`. */
function policyOfRole(template: Template, rolePrefix: string): any {
  return Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) => p.Properties.Roles[0].Ref.startsWith(rolePrefix));
}

/** The job's arguments, default and pinned (NonOverridableArguments) alike: where a key is read, not which map holds it. */
function allArguments(props: any): { [key: string]: any } {
  return { ...(props.DefaultArguments ?? {}), ...(props.NonOverridableArguments ?? {}) };
}

function jobProps(template: Template): any {
  return onlyResource(template, 'AWS::Glue::Job').props;
}

/** A glob of an IAM resource ARN (rendered with the fixture's partition) as a RegExp. */
function arnGlob(arn: string): RegExp {
  return new RegExp(`^${arn.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}


describe('GlueJob defaults', () => {
  const stack = newStack();
  const job = new GlueJob(stack, 'Orders', { script: script() });
  const template = Template.fromStack(stack);
  const props = jobProps(template);

  test('Glue 5.0, G.1X workers with auto scaling up to 10, standard execution class', () => {
    expect(props.GlueVersion).toBe('5.0');
    expect(props.WorkerType).toBe('G.1X');
    expect(props.NumberOfWorkers).toBe(10);
    expect(allArguments(props)['--enable-auto-scaling']).toBe('true');
    expect(props.ExecutionClass).toBeUndefined();
    expect(props.Command).toEqual(expect.objectContaining({ Name: 'glueetl', PythonVersion: '3' }));
  });

  test('60-minute timeout, no retries, one run at a time', () => {
    expect(props.Timeout).toBe(60);
    expect(props.MaxRetries).toBe(0);
    expect(props.ExecutionProperty).toEqual({ MaxConcurrentRuns: 1 });
  });

  test('metrics and observability metrics on, Spark UI off, bookmarks off, Data Catalog as metastore', () => {
    const args = allArguments(props);
    expect(args['--enable-metrics']).toBe('');
    expect(args['--enable-observability-metrics']).toBe('true');
    expect(args['--enable-spark-ui']).toBeUndefined();
    expect(args['--job-bookmark-option']).toBe('job-bookmark-disable');
    expect(args['--enable-glue-datacatalog']).toBe('true');
    expect(args['--env']).toBeUndefined();
  });

  test('the shared security configuration encrypts logs with KMS and bookmarks with CSE-KMS, and leaves S3 writes to each bucket\'s default encryption', () => {
    const config = onlyResource(template, 'AWS::Glue::SecurityConfiguration');
    expect(props.SecurityConfiguration).toEqual({ Ref: config.logicalId });
    expect(config.props.Name).toBe(job.shared.securityConfigurationName);
    const enc = config.props.EncryptionConfiguration;
    const key = { 'Fn::GetAtt': [expect.stringMatching(/^CdkGlueLakeSharedJobResourcesKey/), 'Arn'] };
    expect(enc.S3Encryptions).toEqual([{ S3EncryptionMode: 'DISABLED' }]);
    expect(enc.CloudWatchEncryption).toEqual({ CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: key });
    expect(enc.JobBookmarksEncryption).toEqual({ JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: key });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('--TempDir is the job\'s own prefix in the shared temporary bucket, which is KMS-encrypted and expires files', () => {
    expect(render(allArguments(props)['--TempDir'])).toMatch(/^s3:\/\/<CdkGlueLakeSharedJobResourcesTempBucket\w+>\/jobs\/Stack-Orders-[0-9A-F]{8}\/$/);
    expect(job.tempDir).toContain('/jobs/Stack-Orders-');
    const bucket = Object.values(template.findResources('AWS::S3::Bucket'))
      .find((b: any) => b.Properties.LifecycleConfiguration?.Rules?.some((r: any) => r.Id === 'temporary-files-expiration')) as any;
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({
      Id: 'temporary-files-expiration', ExpirationInDays: 3, Status: 'Enabled',
    }));
    // S3 refuses ExpiredObjectDeleteMarker beside Days in one expiration; Days removes expired delete
    // markers by itself (https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html).
    for (const rule of bucket.Properties.LifecycleConfiguration.Rules) {
      if (rule.ExpirationInDays !== undefined || rule.ExpirationDate !== undefined) expect(rule).not.toHaveProperty('ExpiredObjectDeleteMarker');
    }
    expect(bucket.Properties.LoggingConfiguration).toBeDefined();
  });

  test('logs go to encrypted log groups with a retention, named as Glue names them, which the role may write', () => {
    const args = allArguments(props);
    const prefix: string = args['--custom-logGroup-prefix'];
    expect(prefix).toBe(`/aws-glue/jobs/${job.shared.securityConfigurationName}`);
    expect(args['--custom-logStream-prefix']).toMatch(/^Stack-Orders-[0-9A-F]{8}$/);
    expect(args['--enable-continuous-cloudwatch-log']).toBe('true');
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties);
    const names = groups.map(g => g.LogGroupName);
    // Glue 5.0 writes to the two custom groups; the logs-v2 group exists only for Glue 3.0 and 4.0 jobs.
    expect(names.sort()).toEqual([`${prefix}/error`, `${prefix}/output`]);
    for (const g of groups) {
      expect(g.RetentionInDays).toBe(365);
      expect(g.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CdkGlueLakeSharedJobResourcesKey/), 'Arn'] });
    }
    // Every log group (and its streams) is covered by the role's log statement.
    const logs = roleStatements(template, job).find(s => s.Sid === 'WriteJobLogs');
    expect(logs.Action).toEqual(['logs:CreateLogGroup', 'logs:AssociateKmsKey', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    const globs = logs.Resource.map(render).map(arnGlob);
    for (const name of names) {
      for (const arn of [`arn:aws:logs:eu-west-1:111111111111:log-group:${name}`, `arn:aws:logs:eu-west-1:111111111111:log-group:${name}:log-stream:jr_1-driver`]) {
        expect(globs.some((g: RegExp) => g.test(arn))).toBe(true);
      }
    }
    expect(globs.some((g: RegExp) => g.test('arn:aws:logs:eu-west-1:111111111111:log-group:/aws-glue/jobs/output'))).toBe(false);
    // The continuous-logging group of Glue 3.0 and 4.0 is covered too.
    const v2 = `arn:aws:logs:eu-west-1:111111111111:log-group:/aws-glue/jobs/logs-v2-${job.shared.securityConfigurationName}:log-stream:jr_1`;
    expect(globs.some((g: RegExp) => g.test(v2))).toBe(true);
  });

  test('the key lets CloudWatch Logs use it for log groups of this account and region only', () => {
    const key = onlyResource(template, 'AWS::KMS::Key');
    const statement = key.props.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowCloudWatchLogsForGlueJobLogs');
    expect(statement.Principal).toEqual({ Service: 'logs.eu-west-1.amazonaws.com' });
    expect(render(statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toBe('arn:aws:logs:eu-west-1:111111111111:log-group:*');
  });

  test('the role trusts glue.amazonaws.com for this account only; its only managed policy is the shared job policy', () => {
    const role = onlyResource(template, 'AWS::IAM::Role');
    expect(role.props.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'glue.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    }]);
    const shared = onlyResource(template, 'AWS::IAM::ManagedPolicy');
    expect(role.props.ManagedPolicyArns).toEqual([{ Ref: shared.logicalId }]);
    // The role's own grants are one policy inline in the role: no AWS::IAM::Policy resource.
    template.resourceCountIs('AWS::IAM::Policy', 0);
    expect(role.props.Policies.map((p: any) => p.PolicyName)).toEqual(['Grants']);
  });

  test('the shared job policy holds what every job needs and nothing scoped to one job', () => {
    const shared = onlyResource(template, 'AWS::IAM::ManagedPolicy');
    expect(shared.props.PolicyDocument.Statement.map((s: any) => s.Sid).sort()).toEqual([
      'ListTempDirs', 'PutGlueMetrics', 'ReadJobRuntime', 'UseDefaultDatabaseOfSparkCatalog', 'UseSecurityConfigurationKey', 'UseTempDirKeyThroughS3', 'WriteJobLogs',
    ]);
    // Nothing of one job: not its name, not its script; the runtime zip (the same for every job) and
    // listing (not reading) the temporary bucket's job directories are shared.
    expect(JSON.stringify(shared.props)).not.toMatch(/Orders|\.py/);
    const bySid = Object.fromEntries(shared.props.PolicyDocument.Statement.map((s: any) => [s.Sid, s]));
    expect(bySid.ListTempDirs.Action).toBe('s3:ListBucket');
    expect(render(bySid.ListTempDirs.Resource)).toMatch(/^<CdkGlueLakeSharedJobResourcesTempBucket\w+\.Arn>$/);
    expect(bySid.ListTempDirs.Condition).toEqual({ StringLike: { 's3:prefix': ['jobs/*', 'spark-ui/*'] } });
    expect(bySid.ReadJobRuntime.Action).toBe('s3:GetObject');
    expect(render(bySid.ReadJobRuntime.Resource)).toMatch(/^arn:aws:s3:::cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.zip$/);
    const inline = statementsOfRole(template, job.role).map((s: any) => s.Sid).sort();
    expect(inline).toEqual(['ReadJobCode', 'UseTempDir']);
  });

  test('the role reads exactly the script object and the job runtime zip, uses its temp dir, the key, logs and Glue metrics', () => {
    const statements = roleStatements(template, job);
    const bySid = Object.fromEntries(statements.map(s => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      'ListTempDirs', 'PutGlueMetrics', 'ReadJobCode', 'ReadJobRuntime', 'UseDefaultDatabaseOfSparkCatalog', 'UseSecurityConfigurationKey', 'UseTempDir', 'UseTempDirKeyThroughS3', 'WriteJobLogs',
    ]);
    expect(bySid.ReadJobCode.Action).toBe('s3:GetObject');
    expect(render(bySid.ReadJobCode.Resource)).toMatch(/^arn:aws:s3:::cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.py$/);
    expect(render(bySid.ReadJobRuntime.Resource)).toMatch(/^arn:aws:s3:::cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.zip$/);
    expect(render(bySid.UseTempDir.Resource)).toMatch(/^<CdkGlueLakeSharedJobResourcesTempBucket\w+\.Arn>\/jobs\/Stack-Orders-[0-9A-F]{8}\/\*$/);
    expect(bySid.ListTempDirs.Condition.StringLike['s3:prefix']).toEqual(['jobs/*', 'spark-ui/*']);
    expect(bySid.UseSecurityConfigurationKey.Action).toEqual(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']);
    expect(bySid.PutGlueMetrics).toEqual(expect.objectContaining({
      Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
    }));
    // No statement but the metrics one uses a bare '*'.
    expect(statements.filter(s => s.Resource === '*').map(s => s.Sid)).toEqual(['PutGlueMetrics']);
  });

  test('the role uses the shared key through S3 (temporary files) or directly (client-side bookmark encryption), never through another service', () => {
    const bySid = Object.fromEntries(roleStatements(template, job).map(s => [s.Sid, s]));
    // SSE-KMS objects in the temporary bucket: S3 calls KMS for the role, so kms:ViaService is S3 of this region.
    expect(bySid.UseTempDirKeyThroughS3).toEqual(expect.objectContaining({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    }));
    // Job bookmarks (CSE-KMS): the job's own process calls KMS, so the request carries no kms:ViaService.
    expect(bySid.UseSecurityConfigurationKey.Condition).toEqual({ Null: { 'kms:ViaService': 'true' } });
    for (const sid of ['UseTempDirKeyThroughS3', 'UseSecurityConfigurationKey']) {
      expect(render(bySid[sid].Resource)).toMatch(/^<CdkGlueLakeSharedJobResourcesKey\w+\.Arn>$/);
    }
    // No other statement of the role names a KMS action.
    const kmsSids = roleStatements(template, job).filter(s => [s.Action].flat().some((a: string) => a.startsWith('kms:'))).map(s => s.Sid);
    expect(kmsSids.sort()).toEqual(['UseSecurityConfigurationKey', 'UseTempDirKeyThroughS3']);
  });

  test('Spark\'s Glue catalog client may read the default database, and create it when the account has none: on the catalog and database/default only', () => {
    // --enable-glue-datacatalog: the client calls GetDatabase('default') when it starts and
    // CreateDatabase('default') when that database does not exist (issue 15, defect 3).
    expect(allArguments(props)['--enable-glue-datacatalog']).toBe('true');
    const statement = roleStatements(template, job).find(s => s.Sid === 'UseDefaultDatabaseOfSparkCatalog');
    expect(statement).toEqual({
      Sid: 'UseDefaultDatabaseOfSparkCatalog',
      Effect: 'Allow',
      Action: ['glue:GetDatabase', 'glue:CreateDatabase'],
      Resource: expect.any(Array),
    });
    expect(statement.Resource.map(render)).toEqual([
      'arn:aws:glue:eu-west-1:111111111111:catalog',
      'arn:aws:glue:eu-west-1:111111111111:database/default',
    ]);
    // No other statement reaches the default database or other databases of the catalog.
    const others = roleStatements(template, job).filter(s => s.Sid !== 'UseDefaultDatabaseOfSparkCatalog');
    expect(JSON.stringify(others)).not.toContain(':database/');
  });

  test('implements glue.IJob: name, ARN, principal, metrics and event rules', () => {
    const asIJob: glue.IJob = job;
    expect(Stack.of(job).resolve(asIJob.jobName)).toEqual({ Ref: expect.stringMatching(/^Orders/) });
    expect(asIJob.grantPrincipal).toBe(job.role);
    expect(job.job).toBeInstanceOf(glue.PySparkEtlJob);
    const stack2 = newStack();
    const j2 = new GlueJob(stack2, 'J', { script: script(), jobName: 'orders-to-silver' });
    j2.onFailure('Failed');
    j2.metricFailure();
    const t2 = Template.fromStack(stack2);
    expect(Stack.of(j2).resolve(j2.jobArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:111111111111:job/', { Ref: expect.any(String) }]] });
    t2.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.glue'], detail: { jobName: [{ Ref: Match.stringLikeRegexp('^J') }], state: ['FAILED'] } }),
    });
    expect(jobProps(t2).Name).toBe('orders-to-silver');
  });
});

describe('GlueJob props', () => {
  test('every default can be overridden', () => {
    const stack = newStack();
    new GlueJob(stack, 'J', {
      script: script(),
      jobName: 'custom',
      description: 'Orders to silver',
      glueVersion: glue.GlueVersion.V4_0,
      workerType: glue.WorkerType.G_2X,
      maxWorkers: 4,
      autoScaling: false,
      executionClass: glue.ExecutionClass.FLEX,
      timeout: Duration.minutes(15),
      maxRetries: 2,
      maxConcurrentRuns: 3,
      enableMetrics: false,
      enableObservabilityMetrics: false,
      sparkUi: true,
      arguments: { '--orders_table': 'orders' },
      environment: 'prod',
      additionalPythonModules: ['pydantic==2.9.2', 'pyarrow==17.0.0'],
      tags: { team: 'sales' },
    });
    const props = jobProps(Template.fromStack(stack));
    expect(props).toEqual(expect.objectContaining({
      Name: 'custom',
      Description: 'Orders to silver',
      GlueVersion: '4.0',
      WorkerType: 'G.2X',
      NumberOfWorkers: 4,
      ExecutionClass: 'FLEX',
      Timeout: 15,
      MaxRetries: 2,
      ExecutionProperty: { MaxConcurrentRuns: 3 },
      Tags: { team: 'sales' },
    }));
    const args = allArguments(props);
    expect(args['--enable-auto-scaling']).toBeUndefined();
    expect(args['--enable-metrics']).toBeUndefined();
    expect(args['--enable-observability-metrics']).toBeUndefined();
    expect(args['--enable-spark-ui']).toBe('true');
    expect(render(args['--spark-event-logs-path'])).toMatch(/^s3:\/\/<CdkGlueLakeSharedJobResourcesTempBucket\w+>\/\/?spark-ui\/Stack-J-[0-9A-F]{8}\/$/);
    expect(args['--orders_table']).toBe('orders');
    expect(args['--env']).toBe('prod');
    expect(args['--additional-python-modules']).toBe('pydantic==2.9.2,pyarrow==17.0.0');
  });

  test('the Spark UI event logs are written under the job\'s own prefix', () => {
    const stack = newStack();
    const job = new GlueJob(stack, 'J', { script: script(), sparkUi: true });
    const temp = roleStatements(Template.fromStack(stack), job).find(s => s.Sid === 'UseTempDir');
    expect(temp.Resource.map(render)).toEqual([
      expect.stringMatching(/\/jobs\/Stack-J-[0-9A-F]{8}\/\*$/), expect.stringMatching(/\/spark-ui\/Stack-J-[0-9A-F]{8}\/\*$/),
    ]);
  });

  test('extra Python files are readable, object by object', () => {
    const stack = newStack();
    const job = new GlueJob(stack, 'J', { script: script(), extraPythonFiles: [glue.Code.fromAsset(__filename)] });
    const template = Template.fromStack(stack);
    const code = roleStatements(template, job).find(s => s.Sid === 'ReadJobCode');
    // The script and the extra file in the role; the runtime zip through the shared job policy.
    expect(code.Resource.map(render).sort((a: string, b: string) => a.slice(-3).localeCompare(b.slice(-3)))).toEqual([
      expect.stringMatching(/^arn:aws:s3:::cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.py$/),
      expect.stringMatching(/^arn:aws:s3:::cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.ts$/),
    ]);
    expect(allArguments(jobProps(template))['--extra-py-files']).toMatch(
      /^s3:\/\/cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.zip,s3:\/\/cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.ts$/);
  });

  test('connections: the role may read them and manage the network interfaces Glue creates', () => {
    const stack = newStack();
    const connection = glue.Connection.fromConnectionName(stack, 'C', 'vpc-connection');
    const job = new GlueJob(stack, 'J', { script: script(), connections: [connection] });
    const template = Template.fromStack(stack);
    expect(jobProps(template).Connections).toEqual({ Connections: ['vpc-connection'] });
    const read = roleStatements(template, job).find(s => s.Sid === 'ReadConnections');
    expect(read.Action).toBe('glue:GetConnection');
    expect(read.Resource.map(render)).toEqual([
      'arn:aws:glue:eu-west-1:111111111111:catalog', 'arn:aws:glue:eu-west-1:111111111111:connection/vpc-connection',
    ]);
    expectNoNagFindings(stack);
  });

  test('jobs of a stack share one security configuration, key, temporary bucket and set of log groups', () => {
    const stack = newStack();
    new GlueJob(stack, 'A', { script: script() });
    const before = Object.keys(Template.fromStack(stack).toJSON().Resources).length;
    const second = newStack();
    new GlueJob(second, 'A', { script: script() });
    new GlueJob(second, 'B', { script: script() });
    const template = Template.fromStack(second);
    template.resourceCountIs('AWS::Glue::SecurityConfiguration', 1);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    // One more job adds its role (its policy inline) and the job: two resources.
    expect(Object.keys(template.toJSON().Resources).length - before).toBe(2);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
  });

  test('a SharedJobResources can be passed (e.g. one per lake) with its own key and settings', () => {
    const { stack, lake } = lakeStack();
    const shared = new SharedJobResources(stack, 'JobsOfLake', {
      encryptionKey: lake.encryptionKey,
      accessLogsBucket: lake.accessLogsBucket,
      logRetention: Duration.days(30),
      tempFilesExpiration: Duration.days(1),
      securityConfigurationName: 'sales-jobs',
    });
    const job = new GlueJob(stack, 'J', { script: script(), shared });
    const template = Template.fromStack(stack);
    expect(job.shared).toBe(shared);
    expect(onlyResource(template, 'AWS::Glue::SecurityConfiguration').props.Name).toBe('sales-jobs');
    expect(allArguments(jobProps(template))['--custom-logGroup-prefix']).toBe('/aws-glue/jobs/sales-jobs');
    template.resourceCountIs('AWS::Glue::SecurityConfiguration', 1);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws-glue/jobs/sales-jobs/error', RetentionInDays: 30 });
    expectNoNagFindings(stack);
  });
});

describe('data wiring', () => {
  test('readsFrom grants read under the prefix and passes --input_<layer>_path and _database', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'J', { script: script() });
    job.readsFrom(lake.bronze, { prefix: 'orders/' });
    const template = Template.fromStack(stack);
    const args = allArguments(jobProps(template));
    expect(render(args['--input_bronze_path'])).toMatch(/^s3:\/\/<LakeBronzeBucket\w+>\/orders\/$/);
    expect(args['--input_bronze_database']).toEqual({ Ref: expect.stringMatching(/^LakeBronzeDatabase/) });
    const statements = roleStatements(template, job);
    const objects = statements.find(s => JSON.stringify(s.Resource).includes('/orders/*'));
    expect(objects.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(statements.some(s => ([] as string[]).concat(s.Action).includes('s3:PutObject') && JSON.stringify(s.Resource).includes('LakeBronze'))).toBe(false);
  });

  test('writesTo grants read and write under the prefix, registers it with the layer\'s staging lifecycle and passes --output_<layer>_*', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'J', { script: script() });
    job.writesTo(lake.silver, { prefix: 'orders/' });
    const template = Template.fromStack(stack);
    const args = allArguments(jobProps(template));
    expect(render(args['--output_silver_path'])).toMatch(/^s3:\/\/<LakeSilverBucket\w+>\/orders\/$/);
    expect(lake.silver.stagingLifecycle!.prefixes).toContain('orders/');
    const objects = roleStatements(template, job).find(s => JSON.stringify(s.Resource).includes('/orders/*'));
    expect([...objects.Action].sort()).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:GetObjectVersion', 's3:ListMultipartUploadParts', 's3:PutObject']);
  });

  test('argumentName names the arguments, so two locations of one layer can be told apart', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'J', { script: script() });
    job.readsFrom(lake.bronze, { prefix: 'orders/', argumentName: 'orders' }).readsFrom(lake.bronze, { prefix: 'customers/', argumentName: 'customers' });
    const args = jobProps(Template.fromStack(stack)).DefaultArguments;
    expect(Object.keys(args).filter(k => /_(path|database)$/.test(k)).sort()).toEqual(['--customers_database', '--customers_path', '--orders_database', '--orders_path']);
  });

  test('a job cannot write to a raw layer', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'J', { script: script() });
    expect(() => job.writesTo(lake.bronze)).toThrow(
      "GlueJob at 'Stack/J': invalid prop 'location': received the raw layer 'bronze'; expected a curated layer or a table in one: raw layers are immutable (deletes are denied) and have no Spark staging lifecycle");
  });

  test('two locations with the same argument names are refused', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'J', { script: script() });
    job.readsFrom(lake.bronze, { prefix: 'orders/' });
    expect(() => job.readsFrom(lake.bronze, { prefix: 'customers/' })).toThrow(
      "GlueJob at 'Stack/J': invalid prop 'argumentName': received \"input_bronze\"; expected a name that no other location or argument of this job uses (--input_bronze_path is taken); pass argumentName to tell two locations of one layer apart");
  });

  test('grantStartRun allows start, get, list and stop runs of this job only', () => {
    const stack = newStack();
    const job = new GlueJob(stack, 'J', { script: script() });
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    job.grantStartRun(operator);
    const policy = policyOfRole(Template.fromStack(stack), 'Operator');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{
      Action: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
      Effect: 'Allow',
      Resource: Stack.of(job).resolve(job.jobArn),
    }]);
  });
});

describe('scheduling and chaining', () => {
  test.each([
    [events.Schedule.cron({ minute: '0', hour: '2' }), 'cron(0 2 * * ? *)'],
    [events.Schedule.expression('cron(15 6 ? * MON-FRI *)'), 'cron(15 6 ? * MON-FRI *)'],
    [events.Schedule.rate(Duration.minutes(15)), 'cron(0/15 * * * ? *)'],
    [events.Schedule.rate(Duration.hours(1)), 'cron(0 * * * ? *)'],
    [events.Schedule.rate(Duration.hours(6)), 'cron(0 0/6 * * ? *)'],
    [events.Schedule.rate(Duration.days(1)), 'cron(0 0 * * ? *)'],
  ])('schedule %s becomes a Glue scheduled trigger with %s', (schedule, cron) => {
    const stack = newStack();
    const job = new GlueJob(stack, 'J', { script: script(), schedule });
    const trigger = onlyResource(Template.fromStack(stack), 'AWS::Glue::Trigger').props;
    expect(trigger).toEqual(expect.objectContaining({
      Type: 'SCHEDULED', Schedule: cron, StartOnCreation: true, Actions: [{ JobName: Stack.of(job).resolve(job.jobName) }],
    }));
  });

  test('jobs of a stack on one schedule share one trigger, up to 50 jobs each; other schedules and stacks get their own', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const daily = events.Schedule.cron({ minute: '0', hour: '2' });
    const jobs = Array.from({ length: 51 }, (_, i) => new GlueJob(stack, `Daily${i}`, { script: script(), schedule: daily }));
    const hourly = new GlueJob(stack, 'Hourly', { script: script(), schedule: events.Schedule.rate(Duration.hours(1)) });
    // The same expression written as a rate and as a cron is one schedule.
    const alsoHourly = new GlueJob(stack, 'AlsoHourly', { script: script(), schedule: events.Schedule.expression('cron(0 * * * ? *)') });
    const other = new Stack(app, 'Other', { env: { account: '111111111111', region: 'eu-west-1' } });
    const elsewhere = new GlueJob(other, 'Daily', { script: script(), schedule: daily });
    const triggers = Object.values(Template.fromStack(stack).findResources('AWS::Glue::Trigger')).map((t: any) => t.Properties);
    const names = (t: any) => t.Actions.map((a: any) => a.JobName);
    const resolveName = (j: GlueJob) => Stack.of(j).resolve(j.jobName);
    expect(triggers.map(t => [t.Type, t.Schedule, t.StartOnCreation, t.Actions.length])).toEqual([
      ['SCHEDULED', 'cron(0 2 * * ? *)', true, 50],
      ['SCHEDULED', 'cron(0 2 * * ? *)', true, 1],
      ['SCHEDULED', 'cron(0 * * * ? *)', true, 2],
    ]);
    expect([...names(triggers[0]), ...names(triggers[1])]).toEqual(jobs.map(resolveName));
    expect(names(triggers[2])).toEqual([resolveName(hourly), resolveName(alsoHourly)]);
    expect(triggers[2].Description).toBe('Starts on cron(0 * * * ? *) the Glue jobs Stack/Hourly, Stack/AlsoHourly');
    expect(triggers[0].Description.length).toBeLessThanOrEqual(2048);
    const otherTriggers = Object.values(Template.fromStack(other).findResources('AWS::Glue::Trigger')).map((t: any) => t.Properties);
    expect(otherTriggers.map(names)).toEqual([[Stack.of(elsewhere).resolve(elsewhere.jobName)]]);
  });

  test('runsAfter starts the job when every upstream run SUCCEEDS (one conditional trigger)', () => {
    const stack = newStack();
    const bronze = new GlueJob(stack, 'ToSilver', { script: script() });
    const other = new GlueJob(stack, 'Other', { script: script() });
    const gold = new GlueJob(stack, 'ToGold', { script: script() });
    gold.runsAfter(bronze).runsAfter(other).runsAfter(bronze);
    const triggers = Object.values(Template.fromStack(stack).findResources('AWS::Glue::Trigger')).map((t: any) => t.Properties);
    expect(triggers).toEqual([{
      Type: 'CONDITIONAL',
      StartOnCreation: true,
      Description: 'Starts Stack/ToGold when its upstream jobs succeed',
      Actions: [{ JobName: Stack.of(gold).resolve(gold.jobName) }],
      Predicate: {
        Logical: 'AND',
        Conditions: [
          { LogicalOperator: 'EQUALS', JobName: Stack.of(bronze).resolve(bronze.jobName), State: 'SUCCEEDED' },
          { LogicalOperator: 'EQUALS', JobName: Stack.of(other).resolve(other.jobName), State: 'SUCCEEDED' },
        ],
      },
    }]);
  });

  test('a chain cannot loop', () => {
    const stack = newStack();
    const a = new GlueJob(stack, 'A', { script: script() });
    const b = new GlueJob(stack, 'B', { script: script() });
    const c = new GlueJob(stack, 'C', { script: script() });
    b.runsAfter(a);
    c.runsAfter(b);
    expect(() => a.runsAfter(c)).toThrow("GlueJob at 'Stack/A': invalid prop 'upstream': received the construct at 'Stack/C'; expected a job that does not already run after 'Stack/A' (the chain would be a cycle)");
    expect(() => a.runsAfter(a)).toThrow("GlueJob at 'Stack/A': invalid prop 'upstream': received the construct at 'Stack/A'; expected another job: a job cannot run after itself");
  });
});

describe('failure notifications', () => {
  test('one rule per topic sends a readable message when a run fails or times out (the states Glue sends events for, stopped runs aside)', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Alerts', { enforceSSL: true });
    new GlueJob(stack, 'A', { script: script(), jobName: 'orders-to-silver', failureTopic: topic });
    new GlueJob(stack, 'B', { script: script(), jobName: 'silver-to-gold', failureTopic: topic });
    const template = Template.fromStack(stack);
    const rule = onlyResource(template, 'AWS::Events::Rule').props;
    expect(rule.EventPattern).toEqual({
      'source': ['aws.glue'],
      'detail-type': ['Glue Job State Change'],
      'detail': { state: ['FAILED', 'TIMEOUT'], jobName: ['orders-to-silver', 'silver-to-gold'] },
    });
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/DeadLetters/), 'Arn'] });
    expect(rule.Targets[0].RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
    // Glue's error message can quote data: the message links to the run instead (test/processing/failure-notifications.test.ts renders it).
    expect(rule.Targets[0].InputTransformer.InputTemplate).toBe(
      '"Glue job <detail-jobName> run <detail-jobRunId> ended in state <detail-state> at <time> in <region>. '
      + 'Its error message is not included (it can quote data): read it on the run\'s page, '
      + 'https://<region>.console.aws.amazon.com/gluestudio/home?region=<region>#/job/<detail-jobName>/run/<detail-jobRunId>"');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' })]) }),
    });
  });

  test('100 jobs in one stack: every rule\'s pattern stays within the EventBridge limit and every job is covered once', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Alerts');
    const names = Array.from({ length: 100 }, (_, i) => `sales-lake-dev-orders-pipeline-step-${String(i).padStart(3, '0')}`);
    names.forEach((jobName, i) => new GlueJob(stack, `Job${i}`, { script: script(), jobName, failureTopic: topic }));
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).map((r: any) => r.Properties.EventPattern);
    expect(rules.length).toBeGreaterThan(1);
    expect(rules.length).toBeLessThanOrEqual(4);
    for (const pattern of rules) expect(JSON.stringify(pattern).length).toBeLessThanOrEqual(EVENT_PATTERN_LIMIT);
    expect(rules.flatMap(p => p.detail.jobName).sort()).toEqual([...names].sort());
  });
});

describe('BookmarkedJob', () => {
  test('enables bookmarks, keeps one run at a time and creates the reprocessing state machine', () => {
    const stack = newStack();
    const job = new BookmarkedJob(stack, 'Events', { script: script() });
    const template = Template.fromStack(stack);
    const props = jobProps(template);
    expect(allArguments(props)['--job-bookmark-option']).toBe('job-bookmark-enable');
    expect(props.ExecutionProperty).toEqual({ MaxConcurrentRuns: 1 });
    expect(job.reprocessStateMachine).toBeDefined();
    const sm = onlyResource(template, 'AWS::StepFunctions::StateMachine').props;
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.LoggingConfiguration.Level).toBe('ALL');
    const logGroup = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties)
      .find(g => g.LogGroupName.startsWith('/aws/vendedlogs/states/'));
    expect(logGroup.KmsKeyId).toBeDefined();
    expect(logGroup.RetentionInDays).toBe(365);
  });

  test('the state machine may run, reset and stop this job only', () => {
    const stack = newStack();
    const job = new BookmarkedJob(stack, 'Events', { script: script() });
    const smRole = job.reprocessStateMachine!.role;
    const statements = statementsOfRole(Template.fromStack(stack), smRole);
    const jobArn = Stack.of(job).resolve(job.jobArn);
    const glueStatements = statements.filter((s: any) => [].concat(s.Action).some((a: string) => a.startsWith('glue:')));
    expect(glueStatements.flatMap((s: any) => [].concat(s.Action)).sort()).toEqual(
      ['glue:BatchStopJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:ResetJobBookmark', 'glue:StartJobRun']);
    for (const s of glueStatements) expect([].concat(s.Resource).map(render)).toEqual([render(jobArn)]);
  });

  test('raising maxConcurrentRuns warns that runs share one bookmark state', () => {
    const stack = newStack();
    new BookmarkedJob(stack, 'Events', { script: script(), maxConcurrentRuns: 2 });
    Annotations.fromStack(stack).hasWarning('/Stack/Events', Match.stringLikeRegexp('maxConcurrentRuns is 2: concurrent runs of a bookmarked job share one bookmark state'));
  });

  test('reprocessing: false creates no state machine, and grantReprocess then explains why it cannot', () => {
    const stack = newStack();
    const job = new BookmarkedJob(stack, 'Events', { script: script(), reprocessing: false });
    Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(() => job.grantReprocess(new iam.AccountRootPrincipal())).toThrow(
      "BookmarkedJob at 'Stack/Events': invalid prop 'reprocessing': received false; expected true to grant reprocessing (the job has no reprocessing state machine)");
  });

  test('grantReprocess allows starting and following executions of this state machine, and reading the job\'s tags', () => {
    const stack = newStack();
    const job = new BookmarkedJob(stack, 'Events', { script: script() });
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    job.grantReprocess(operator);
    const policy = policyOfRole(Template.fromStack(stack), 'Operator');
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [].concat(s.Action)).sort();
    expect(actions).toEqual(['glue:GetJob', 'glue:GetTags', 'states:DescribeExecution', 'states:GetExecutionHistory', 'states:StartExecution', 'states:StopExecution']);
    const getTags = policy.Properties.PolicyDocument.Statement.find((s: any) => [].concat(s.Action).includes('glue:GetTags' as never));
    expect(JSON.stringify(getTags.Resource)).toContain(':job/');
  });
});

describe('BookmarkedJob reprocessing tag (how the CLI finds the state machine from the job name)', () => {
  /** The synthesized resource of a construct (its default child, followed down to the CloudFormation resource). */
  function resourceOf(template: Template, construct: Construct): { logicalId: string; resource: any } {
    let element: Construct = construct;
    while (!CfnElement.isCfnElement(element)) element = element.node.defaultChild as Construct;
    const logicalId = Stack.of(construct).getLogicalId(element);
    return { logicalId, resource: template.toJSON().Resources[logicalId] };
  }

  /** The ARN CloudFormation gives a state machine of this name in the fixture's account and region (partition aws). */
  function stateMachineArn(name: string): string {
    return `arn:aws:states:eu-west-1:111111111111:stateMachine:${name}`;
  }

  test('the job is tagged with exactly the ARN of its state machine, named after the construct path', () => {
    const stack = newStack();
    new BookmarkedJob(stack, 'Events', { script: script() });
    const template = Template.fromStack(stack);
    const sm = onlyResource(template, 'AWS::StepFunctions::StateMachine').props;
    expect(sm.StateMachineName).toMatch(/^Stack-Events-Reprocessing-[0-9A-F]{8}$/);
    expect(jobProps(template).Tags).toEqual({
      [REPROCESS_STATE_MACHINE_TAG]: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:states:eu-west-1:111111111111:stateMachine:${sm.StateMachineName}`]] },
    });
  });

  test('in an environment-agnostic stack the ARN is built from the partition, region and account pseudo parameters', () => {
    const stack = new Stack(new App(), 'Stack');
    new BookmarkedJob(stack, 'Events', { script: script() });
    const template = Template.fromStack(stack);
    const name = onlyResource(template, 'AWS::StepFunctions::StateMachine').props.StateMachineName;
    expect(jobProps(template).Tags[REPROCESS_STATE_MACHINE_TAG]).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:stateMachine:${name}`]],
    });
  });

  test('the state machine name is a valid Step Functions name, within 80 characters for a deep construct path', () => {
    const stack = newStack();
    const deep = new Construct(new Construct(stack, 'A'.repeat(60)), 'B'.repeat(60));
    new BookmarkedJob(deep, 'Events', { script: script() });
    const template = Template.fromStack(stack);
    const name = onlyResource(template, 'AWS::StepFunctions::StateMachine').props.StateMachineName;
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(name).toMatch(/-Reprocessing-[0-9A-F]{8}$/);
    expect(render(jobProps(template).Tags[REPROCESS_STATE_MACHINE_TAG])).toBe(stateMachineArn(name));
  });

  test('the job\'s own tags are kept beside the reprocessing tag', () => {
    const stack = newStack();
    new BookmarkedJob(stack, 'Events', { script: script(), tags: { 'team': 'data', 'cost-center': '42' } });
    const template = Template.fromStack(stack);
    const name = onlyResource(template, 'AWS::StepFunctions::StateMachine').props.StateMachineName;
    const tags = jobProps(template).Tags;
    expect(Object.keys(tags).sort()).toEqual(['cost-center', REPROCESS_STATE_MACHINE_TAG, 'team'].sort());
    expect(tags).toMatchObject({ 'team': 'data', 'cost-center': '42' });
    expect(render(tags[REPROCESS_STATE_MACHINE_TAG])).toBe(stateMachineArn(name));
  });

  test('a stack-wide tag of the same key does not replace the ARN on the job', () => {
    const stack = newStack();
    new BookmarkedJob(stack, 'Events', { script: script() });
    Tags.of(stack).add(REPROCESS_STATE_MACHINE_TAG, 'something-else');
    Tags.of(stack).add('owner', 'lake-team');
    const template = Template.fromStack(stack);
    const name = onlyResource(template, 'AWS::StepFunctions::StateMachine').props.StateMachineName;
    const tags = jobProps(template).Tags;
    expect(Object.keys(tags).sort()).toEqual([REPROCESS_STATE_MACHINE_TAG, 'owner'].sort());
    expect(render(tags[REPROCESS_STATE_MACHINE_TAG])).toBe(stateMachineArn(name));
  });

  test('reprocessing: false puts no reprocessing tag on the job and keeps its own tags', () => {
    const stack = newStack();
    new BookmarkedJob(stack, 'Events', { script: script(), reprocessing: false, tags: { team: 'data' } });
    expect(jobProps(Template.fromStack(stack)).Tags).toEqual({ team: 'data' });
  });

  test('two BookmarkedJobs in one stack get different state machine names, each job tagged with its own', () => {
    const stack = newStack();
    const events_ = new BookmarkedJob(stack, 'Events', { script: script() });
    const clicks = new BookmarkedJob(stack, 'Clicks', { script: script() });
    const template = Template.fromStack(stack);
    const names = [events_, clicks].map(job => {
      const name = resourceOf(template, job.reprocessStateMachine!).resource.Properties.StateMachineName;
      expect(render(resourceOf(template, job).resource.Properties.Tags[REPROCESS_STATE_MACHINE_TAG])).toBe(stateMachineArn(name));
      return name;
    });
    expect(new Set(names).size).toBe(2);
  });

  test('a Glue 4.0 job gets the continuous-logging group (logs-v2) of the security configuration, encrypted with the retention; a 5.0 job does not', () => {
    const five = newStack();
    new GlueJob(five, 'Five', { script: script() });
    expect(Object.values(Template.fromStack(five).findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties.LogGroupName))
      .not.toContainEqual(expect.stringContaining('logs-v2'));
    const four = newStack();
    const job = new GlueJob(four, 'Four', { script: script(), glueVersion: glue.GlueVersion.V4_0 });
    new GlueJob(four, 'AnotherFour', { script: script(), glueVersion: glue.GlueVersion.V4_0 });
    const groups = Object.values(Template.fromStack(four).findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties)
      .filter(g => g.LogGroupName.includes('logs-v2'));
    expect(groups).toEqual([expect.objectContaining({
      LogGroupName: `/aws-glue/jobs/logs-v2-${job.shared.securityConfigurationName}`,
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^CdkGlueLakeSharedJobResourcesKey/), 'Arn'] },
    })]);
    expect(job.shared.logGroups).toHaveLength(3);
  });

  test('no cycle: the stack synthesizes and the job depends on nothing of the state machine, which references the job', () => {
    const stack = newStack();
    const job = new BookmarkedJob(stack, 'Events', { script: script(), tags: { team: 'data' } });
    const template = Template.fromStack(stack);
    const smIds = [job.reprocessStateMachine!, job.reprocessStateMachine!.role].map(c => resourceOf(template, c).logicalId);
    const { logicalId: jobId, resource } = resourceOf(template, job);
    expect(resource.DependsOn ?? []).toEqual([]);
    // The tag refers to pseudo parameters only, never to a resource.
    const refs = JSON.stringify(resource.Properties.Tags).match(/"(Ref|Fn::GetAtt)":\[?"[^"]+"/g) ?? [];
    expect(refs).toEqual(['"Ref":"AWS::Partition"']);
    // The other direction exists: the state machine's definition and role policy name the job.
    expect(JSON.stringify(template.toJSON().Resources[smIds[0]].Properties)).toContain(jobId);
    expect(JSON.stringify(statementsOfRole(template, job.reprocessStateMachine!.role))).toContain(jobId);
  });
});

describe('cdk-nag', () => {
  test('jobs wired to a lake, with schedule, chain, notifications and reprocessing: zero unacknowledged findings in the five packs', () => {
    const { stack, lake } = lakeStack();
    const topic = new sns.Topic(stack, 'Alerts', { enforceSSL: true, masterKey: lake.encryptionKey });
    const orders = new GlueJob(stack, 'Orders', {
      script: script(), environment: 'dev', failureTopic: topic, sparkUi: true, schedule: events.Schedule.cron({ minute: '0', hour: '2' }),
    });
    orders.readsFrom(lake.bronze, { prefix: 'orders/' }).writesTo(lake.silver, { prefix: 'orders/' });
    const events_ = new BookmarkedJob(stack, 'Events', { script: script(), failureTopic: topic });
    events_.readsFrom(lake.bronze, { prefix: 'events/' }).writesTo(lake.silver, { prefix: 'events/' }).runsAfter(orders);
    expectNoNagFindings(stack);
  });

  test('cdk-nag 2 (AwsSolutions, HIPAA, NIST, PCI) reports no errors either', () => {
    const { stack, lake } = lakeStack();
    const job = new BookmarkedJob(stack, 'Events', { script: script() });
    job.readsFrom(lake.bronze, { prefix: 'events/' }).writesTo(lake.silver, { prefix: 'events/' });
    expect(nagV2Errors(stack.node.root as any, stack)).toEqual([]);
  });
});
