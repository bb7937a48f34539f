import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { DEV, PIPELINE_ENV, PROD, SalesLakeFactory, synthesizePipeline } from './fixtures';
import { DataLakePipeline, GlueJob, LakeStageConfig } from '../../src';
import { expectNoNagFindings } from '../helpers/nag';
import { SCRIPT } from '../processing/fixtures';

/** The CodePipeline stages as `Name: Action(runOrder), ...` lines. */
function stageLayout(template: Template): string[] {
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any;
  return pipeline.Properties.Stages.map((s: any) => `${s.Name}: ${s.Actions.map((a: any) => `${a.Name}(${a.RunOrder})`).join(', ')}`);
}

/** A CodeBuild project's build spec, parsed (a Fn::Join with the partition is rendered with `<partition>`). */
function buildSpecOf(template: Template, logicalIdPrefix: string): any {
  const [id, project] = Object.entries(template.findResources('AWS::CodeBuild::Project')).find(([logicalId]) => logicalId.startsWith(logicalIdPrefix))!;
  const spec = project.Properties.Source.BuildSpec;
  const text = typeof spec === 'string' ? spec : spec['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : '<partition>')).join('');
  return { id, project: project.Properties, spec: JSON.parse(text) };
}

/** Where the pipeline stack's CLI bundle asset is published (from the cloud assembly's asset manifest). */
function cliAsset(app: App): { bucket: string; key: string } {
  const assembly = app.synth();
  const manifests = assembly.artifacts.filter(a => a.manifest.type === 'cdk:asset-manifest');
  for (const artifact of manifests) {
    const file = JSON.parse(fs.readFileSync(path.join(assembly.directory, (artifact.manifest.properties as any).file), 'utf8'));
    for (const [hash, asset] of Object.entries<any>(file.files ?? {})) {
      if (!String(asset.source.path).endsWith('.js')) continue;
      const destination: any = Object.values(asset.destinations)[0];
      return { bucket: destination.bucketName.replace('${AWS::Partition}', 'aws'), key: destination.objectKey ?? `${hash}.js` };
    }
  }
  throw new Error('no .js file asset in the cloud assembly');
}

/** The stack of a stage with the given construct id. */
function stageStack(stage: Stage, id: string): Stack {
  const stack = stage.node.findAll().find(c => Stack.isStack(c) && c.node.id === id);
  if (!stack) throw new Error(`no stack '${id}' in stage ${stage.stageName}`);
  return stack as Stack;
}

describe('DataLakePipeline stages', () => {
  test('Source, Build, UpdatePipeline, Assets, then one deploy stage per configured stage in order; approval first in the stages that ask', () => {
    const { template } = synthesizePipeline();
    expect(stageLayout(template).map(line => line.split(':')[0])).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'Dev', 'Prod']);
    const [dev, prod] = stageLayout(template).slice(4);
    expect(dev).not.toContain('Approve');
    expect(prod).toBe('Prod: Approve(1), SalesLake.Prepare(2), SalesLake.Deploy(3)');
    // The integration test runs after every stack of the stage is deployed.
    const access = 'LakeIntegrationTestAccess-Delivery-LakePipeline-ab37317c';
    expect(dev).toBe(`Dev: ${access}.Prepare(1), SalesLake.Prepare(1), ${access}.Deploy(2), SalesLake.Deploy(2), IntegrationTest(3)`);
  });

  test('any number of stages, no hard-coded names: three stages, approvals where asked', () => {
    const qa: LakeStageConfig = { name: 'Qa', account: '333333333333', region: 'us-east-1', requireApproval: true, values: { ordersInput: 'orders/' } };
    const { template, factory } = synthesizePipeline({ stages: [DEV, qa, PROD] });
    expect(stageLayout(template).slice(4)).toEqual([
      expect.stringMatching(/^Dev: (?!.*Approve)/),
      'Qa: Approve(1), SalesLake.Prepare(2), SalesLake.Deploy(3)',
      'Prod: Approve(1), SalesLake.Prepare(2), SalesLake.Deploy(3)',
    ]);
    expect(factory.calls).toEqual(['Dev', 'Qa', 'Prod']);
  });

  test('the factory builds each stage in the stage\'s account and region, with the stage\'s values', () => {
    const { pipeline } = synthesizePipeline();
    expect(pipeline.stages.map(s => [s.stageName, s.account, s.region])).toEqual([
      ['Dev', '111111111111', 'eu-west-1'],
      ['Prod', '222222222222', 'eu-west-1'],
    ]);
    const lake = stageStack(pipeline.stages[0], 'SalesLake');
    expect(lake.stackName).toBe('Dev-SalesLake');
    const job = Object.values(Template.fromStack(lake).findResources('AWS::Glue::Job'))[0] as any;
    expect(job.Properties.Tags).toEqual({ 'lake-integ': 'dev' });
    expect(JSON.stringify(job.Properties.DefaultArguments)).toContain('/orders/');
  });

  test('the approval names the stage, account and region', () => {
    const { template } = synthesizePipeline();
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any;
    const approve = pipeline.Properties.Stages.find((s: any) => s.Name === 'Prod').Actions[0];
    expect(approve.ActionTypeId).toEqual({ Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' });
    expect(approve.Configuration.CustomData).toBe('Deploy the lake to stage Prod (account 222222222222, eu-west-1)?');
  });
});

describe('DataLakePipeline in different checkouts', () => {
  /** Synthesizes the pipeline from a copy of the app in `dir` (the working directory, as in CodeBuild), job script by absolute path. */
  function layoutIn(dir: string): string[] {
    fs.mkdirSync(path.join(dir, 'jobs'), { recursive: true });
    fs.copyFileSync(SCRIPT, path.join(dir, 'jobs', 'orders.py'));
    const previous = process.cwd();
    process.chdir(dir);
    try {
      const factory = {
        createStacks: (stage: Stage) => {
          const lakeStack = new Stack(stage, 'Lake');
          new GlueJob(lakeStack, 'Orders', { script: glue.Code.fromAsset(path.join(dir, 'jobs', 'orders.py')) });
        },
      };
      return stageLayout(synthesizePipeline({ stages: [PROD], stageFactory: factory }).template);
    } finally {
      process.chdir(previous);
    }
  }

  test('the Assets actions are named the same wherever the repository is checked out (no self-update on every build)', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-checkout-'));
    try {
      const first = layoutIn(path.join(base, 'src1234'));
      const second = layoutIn(path.join(base, 'src5678'));
      expect(first.find(l => l.startsWith('Assets:'))).toMatch(/^Assets: CdkGlueLakeSharedJobResources_JobRuntime\(1\), Orders_Resource_Code[0-9a-f]{32}\(1\)$/);
      expect(second).toEqual(first);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('DataLakePipeline build', () => {
  test('Node defaults: npm ci, npm test, npx cdk synth into cdk.out; not privileged (no Docker)', () => {
    const { template } = synthesizePipeline();
    const { spec, project } = buildSpecOf(template, 'LakePipelineBuildSynth');
    expect(spec.phases).toEqual({ install: { commands: ['npm ci'] }, build: { commands: ['npm test', 'npx cdk synth'] } });
    expect(spec.artifacts['base-directory']).toBe('cdk.out');
    expect(project.Environment).toMatchObject({ Image: 'aws/codebuild/standard:7.0', ComputeType: 'BUILD_GENERAL1_SMALL', PrivilegedMode: false });
    const privileged = Object.values(template.findResources('AWS::CodeBuild::Project')).map((p: any) => p.Properties.Environment.PrivilegedMode);
    expect(privileged.every(p => p === false)).toBe(true);
  });

  test('commands of a Python app, and Docker when asked (Build and UpdatePipeline only)', () => {
    const { template } = synthesizePipeline({
      installCommands: ['npm install -g aws-cdk@2', 'pip install -r requirements.txt'],
      testCommands: ['pytest'],
      synthCommands: ['cdk synth'],
      synthOutputDirectory: 'infra/cdk.out',
      dockerEnabled: true,
    });
    const { spec, project } = buildSpecOf(template, 'LakePipelineBuildSynth');
    expect(spec.phases.install.commands).toEqual(['npm install -g aws-cdk@2', 'pip install -r requirements.txt']);
    expect(spec.phases.build.commands).toEqual(['pytest', 'cdk synth']);
    expect(spec.artifacts['base-directory']).toBe('infra/cdk.out');
    expect(project.Environment.PrivilegedMode).toBe(true);
    expect(buildSpecOf(template, 'LakePipelineDeliveryUpdatePipeline').project.Environment.PrivilegedMode).toBe(true);
    expect(buildSpecOf(template, 'LakePipelineDevIntegrationTest').project.Environment.PrivilegedMode).toBe(false);
  });

  test('an empty testCommands list runs no tests', () => {
    const { template } = synthesizePipeline({ testCommands: [] });
    expect(buildSpecOf(template, 'LakePipelineBuildSynth').spec.phases.build.commands).toEqual(['npx cdk synth']);
  });
});

describe('DataLakePipeline artifacts', () => {
  test('a customer managed key with rotation, usable by the stage accounts\' deploy roles only', () => {
    const { template } = synthesizePipeline();
    const keys = Object.values(template.findResources('AWS::KMS::Key')) as any[];
    expect(keys).toHaveLength(1);
    expect(keys[0].Properties.EnableKeyRotation).toBe(true);
    expect(keys[0].DeletionPolicy).toBe('Retain');
    const statements = keys[0].Properties.KeyPolicy.Statement;
    // Besides the deploy roles below, the key admits only this account's root (the key policy
    // default), CloudWatch Logs (the build log group) and denies grants not for AWS resources.
    const others = statements.filter((s: any) => !(s.Effect === 'Allow' && JSON.stringify(s.Principal).includes(':role/')));
    expect(others.map((s: any) => [s.Effect, s.Sid ?? JSON.stringify(s.Principal)])).toEqual(expect.arrayContaining([
      ['Allow', expect.stringContaining(':iam::000000000000:root')],
      ['Deny', 'DenyGrantsExceptForAwsResources'],
    ]));
    for (const s of others.filter((x: any) => x.Effect === 'Allow' && !JSON.stringify(x.Principal).includes(':root'))) {
      expect(s.Principal).toEqual({ Service: expect.stringMatching(/^logs\./) });
      expect(s.Condition).toBeDefined();
    }
    expect(others).toHaveLength(3);
    const crossAccount = statements
      .filter((s: any) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes(':role/'))
      .map((s: any) => [JSON.stringify(s.Principal).match(/iam::(\d{12}):role\/([^"]+)/)!.slice(1).join(':'), s.Action]);
    expect(crossAccount).toEqual([
      ['111111111111:cdk-hnb659fds-deploy-role-111111111111-eu-west-1', ['kms:Decrypt', 'kms:DescribeKey']],
      ['222222222222:cdk-hnb659fds-deploy-role-222222222222-eu-west-1', ['kms:Decrypt', 'kms:DescribeKey']],
    ]);
    // Every CodeBuild project encrypts its output with the same key.
    const projectKeys = Object.values(template.findResources('AWS::CodeBuild::Project')).map((p: any) => p.Properties.EncryptionKey['Fn::GetAtt'][0]);
    expect(new Set(projectKeys)).toEqual(new Set([Object.keys(template.findResources('AWS::KMS::Key'))[0]]));
  });

  test('the artifact bucket: KMS with the key, TLS only, public access blocked, access logs, expiring artifacts', () => {
    const { template, pipeline, stack } = synthesizePipeline();
    const bucketId = stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as s3.CfnBucket);
    const keyId = stack.getLogicalId(pipeline.artifactKey.node.defaultChild as any);
    const logsId = Object.keys(template.findResources('AWS::S3::Bucket')).find(id => id.startsWith('LakePipelineAccessLogs'))!;
    const bucket = template.toJSON().Resources[bucketId];
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    }]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'artifacts/' });
    expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({ ExpirationInDays: 90, Status: 'Enabled' });
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find((p: any) => p.Properties.Bucket.Ref === bucketId) as any;
    const denies = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Deny').map((s: any) => s.Condition);
    expect(denies).toEqual(expect.arrayContaining([
      { Bool: { 'aws:SecureTransport': 'false' } },
      { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    ]));
    const logs = template.toJSON().Resources[logsId];
    expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(logs.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(90);
  });

  test('the pipeline is CodePipeline V2 using the artifact bucket', () => {
    const { template, pipeline, stack } = synthesizePipeline({ pipelineName: 'sales-lake-delivery' });
    const cp = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any;
    expect(cp.Properties.PipelineType).toBe('V2');
    expect(cp.Properties.Name).toBe('sales-lake-delivery');
    expect(cp.Properties.ArtifactStore.Location).toEqual({ Ref: stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as s3.CfnBucket) });
    expect(cp.Properties.ArtifactStore.EncryptionKey.Type).toBe('KMS');
  });
});

describe('DataLakePipeline integration test', () => {
  test('the step runs the library\'s own CLI bundle, shipped as an asset of the pipeline and checked by its hash, against the stage\'s tagged jobs, as the stage\'s test role', () => {
    const { app, template } = synthesizePipeline();
    const { spec, project } = buildSpecOf(template, 'LakePipelineDevIntegrationTest');
    expect(spec.phases.install).toEqual({ 'runtime-versions': { nodejs: '20' } });
    const bundle = fs.readFileSync(path.join(__dirname, '..', '..', 'assets', 'cli', 'main', 'cdk-glue-lake.js'));
    const sha256 = crypto.createHash('sha256').update(bundle).digest('hex');
    const { bucket, key } = cliAsset(app);
    expect(spec.phases.build.commands).toEqual([
      `aws s3 cp --only-show-errors s3://${bucket}/${key} cdk-glue-lake.js`,
      `echo '${sha256}  cdk-glue-lake.js' | sha256sum --check --strict`,
      'node cdk-glue-lake.js run-jobs --region eu-west-1 --role-arn \'arn:<partition>:iam::111111111111:role/lake-it-Dev-e4042f60\' '
      + '--tag lake-integ=dev --timeout 1h',
    ]);
    // Nothing is fetched from a package registry at run time.
    expect(JSON.stringify(spec)).not.toMatch(/npx|npm /);
    // The CLI's own timeout (1 h) comes first; the build's leaves time to install it and report.
    expect(project.TimeoutInMinutes).toBe(75);
    expect(project.Environment.PrivilegedMode).toBe(false);
  });

  test('jobs by name, max duration, timeout and a pinned CLI package are passed as flags (quoted when needed)', () => {
    const dev: LakeStageConfig = {
      ...DEV,
      integrationTest: { jobNames: ['orders to silver', 'events-to-silver'], maxDuration: Duration.minutes(10), timeout: Duration.minutes(90) },
    };
    const { template } = synthesizePipeline({ stages: [dev], cliPackage: '@acme/cdk-glue-lake@1.4.2' });
    const { spec, project } = buildSpecOf(template, 'LakePipelineDevIntegrationTest');
    expect(spec.phases.build.commands).toEqual([
      'npx --yes @acme/cdk-glue-lake@1.4.2 run-jobs --region eu-west-1 --role-arn \'arn:<partition>:iam::111111111111:role/lake-it-Dev-e4042f60\' '
      + '--job \'orders to silver\' --job events-to-silver --max-duration 10m --timeout 1h30m',
    ]);
    expect(project.TimeoutInMinutes).toBe(105);
  });

  test('the step role may only assume the stage\'s test role and read the CLI bundle', () => {
    const { app, template } = synthesizePipeline();
    const roles = template.findResources('AWS::IAM::Role', { Properties: { RoleName: 'lake-it-step-Dev-e4042f60' } });
    const [roleId, role] = Object.entries(roles)[0] as [string, any];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' } },
    ]);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const assume = statements.filter((s: any) => ([] as string[]).concat(s.Action).includes('sts:AssumeRole'));
    expect(assume).toEqual([{
      Sid: 'AssumeTheStageIntegrationTestRole',
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/lake-it-Dev-e4042f60']] },
    }]);
    // The CLI bundle: that one object of the asset bucket, read only.
    const { bucket, key } = cliAsset(app);
    const cli = statements.filter((s: any) => s.Sid === 'ReadTheCliBundle');
    expect(cli).toEqual([{ Sid: 'ReadTheCliBundle', Action: 's3:GetObject', Effect: 'Allow', Resource: `arn:<partition>:s3:::${bucket}/${key}` }].map(
      st => ({ ...st, Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucket}/${key}`]] } })));
    const assetBucketStatements = statements.filter((s: any) => JSON.stringify(s.Resource).includes(bucket));
    expect(assetBucketStatements).toEqual(cli);
    // Nothing else outside CodeBuild's logs and reports and the pipeline's artifacts.
    const others = statements.flatMap((s: any) => ([] as string[]).concat(s.Action)).filter(a => !/^(logs|codebuild|s3|kms|sts):/.test(a));
    expect(others).toEqual([]);
  });

  test('the test role lives in the stage account, trusts only the step role, and may only list, start and read the tagged jobs', () => {
    const { pipeline } = synthesizePipeline();
    const access = stageStack(pipeline.stages[0], 'IntegrationTestAccess');
    expect([access.account, access.region, access.stackName]).toEqual(['111111111111', 'eu-west-1', 'Dev-LakeIntegrationTestAccess-Delivery-LakePipeline-ab37317c']);
    const template = Template.fromStack(access);
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as any;
    expect(role.Properties.RoleName).toBe('lake-it-Dev-e4042f60');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::000000000000:root']] } },
      Condition: { ArnEquals: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::000000000000:role/lake-it-step-Dev-e4042f60']] } } },
    }]);
    expect(role.Properties.Policies).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0] as any;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'ListJobsByTag', Action: 'glue:ListJobs', Effect: 'Allow', Resource: '*' },
      {
        Sid: 'RunTaggedJobs',
        Action: ['glue:GetJob', 'glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:111111111111:job/*']] },
        Condition: { StringEquals: { 'aws:ResourceTag/lake-integ': 'dev' } },
      },
    ]);
  });

  test('jobs selected by name: the role may run exactly those jobs and cannot list', () => {
    const dev: LakeStageConfig = { ...DEV, integrationTest: { jobNames: ['orders-to-silver', 'events-to-silver'] } };
    const { pipeline } = synthesizePipeline({ stages: [dev] });
    const template = Template.fromStack(stageStack(pipeline.stages[0], 'IntegrationTestAccess'));
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0] as any;
    const jobArn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:glue:eu-west-1:111111111111:job/${name}`]] });
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{
      Sid: 'RunNamedJobs',
      Action: ['glue:GetJob', 'glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns'],
      Effect: 'Allow',
      Resource: [jobArn('orders-to-silver'), jobArn('events-to-silver')],
    }]);
  });

  test('the tagged jobs the test role may start pin their code, temporary directory, logs and catalog: a run\'s arguments cannot change them', () => {
    // IAM has no condition key on StartJobRun's arguments (only aws:ResourceTag and the request
    // tag keys): the job itself pins them, and Glue ignores a run's value for a non-overridable key.
    const { pipeline } = synthesizePipeline();
    const jobs = Object.values(Template.fromStack(stageStack(pipeline.stages[0], 'SalesLake')).findResources('AWS::Glue::Job')) as any[];
    const tagged = jobs.filter(job => job.Properties.Tags?.['lake-integ'] === 'dev');
    expect(tagged.length).toBeGreaterThan(0);
    for (const job of tagged) {
      const pinned = Object.keys(job.Properties.NonOverridableArguments ?? {});
      expect(pinned).toEqual(expect.arrayContaining([
        '--TempDir', '--enable-glue-datacatalog', '--custom-logGroup-prefix', '--custom-logStream-prefix', '--enable-continuous-cloudwatch-log',
      ]));
      expect(Object.keys(job.Properties.DefaultArguments).filter(key => pinned.includes(key))).toEqual([]);
    }
  });

  test('a stage without an integration test gets no test role and no step', () => {
    const { pipeline, template } = synthesizePipeline();
    expect(pipeline.stages[1].node.findAll().filter(c => Stack.isStack(c)).map(s => s.node.id)).toEqual(['SalesLake']);
    expect(Object.keys(template.findResources('AWS::CodeBuild::Project')).filter(id => id.includes('ProdIntegrationTest'))).toEqual([]);
  });

  describe('names unique per pipeline: another pipeline may deploy its own test stack and roles to the same stage account', () => {
    /** The test stack name and role names of the Dev stage of a pipeline built with these changes. */
    function namesOf(change: { stackName?: string; stackId?: string; pipelineId?: string; env?: typeof PIPELINE_ENV; stage?: string } = {}) {
      const app = new App();
      const stack = new Stack(app, change.stackId ?? 'Delivery', { env: change.env ?? PIPELINE_ENV, stackName: change.stackName });
      const pipeline = new DataLakePipeline(stack, change.pipelineId ?? 'LakePipeline', {
        source: pipelines.CodePipelineSource.s3(new s3.Bucket(stack, 'Source'), 'app.zip'),
        stages: [{ ...DEV, name: change.stage ?? DEV.name }],
        stageFactory: new SalesLakeFactory(),
      });
      const access = stageStack(pipeline.stages[0], 'IntegrationTestAccess');
      const testRole = (Object.values(Template.fromStack(access).findResources('AWS::IAM::Role'))[0] as any).Properties.RoleName;
      const stepRole = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))
        .map((r: any) => r.Properties.RoleName).find((n: unknown) => typeof n === 'string');
      return { stack: access.stackName, testRole, stepRole };
    }

    test.each([
      ['another stack name (a copy of the app)', { stackName: 'SalesDeliveryCopy' }],
      ['another stack id', { stackId: 'MarketingDelivery' }],
      ['another construct id of the pipeline', { pipelineId: 'MarketingPipeline' }],
      ['another pipeline account', { env: { ...PIPELINE_ENV, account: '999999999999' } }],
      ['another pipeline region', { env: { ...PIPELINE_ENV, region: 'us-east-1' } }],
      ['a stage name differing only in case (IAM names ignore case)', { stage: 'dev' }],
    ])('%s: every name differs', (_, change) => {
      const base = namesOf();
      const other = namesOf(change);
      expect(other.stack).not.toBe(base.stack);
      expect(other.testRole.toLowerCase()).not.toBe(base.testRole.toLowerCase());
      expect(other.stepRole.toLowerCase()).not.toBe(base.stepRole.toLowerCase());
    });

    test('the same pipeline synthesized again gets the same names (the pipeline account refers to them before they exist)', () => {
      expect(namesOf()).toEqual(namesOf());
      expect(namesOf()).toEqual({
        stack: 'Dev-LakeIntegrationTestAccess-Delivery-LakePipeline-ab37317c',
        testRole: 'lake-it-Dev-e4042f60',
        stepRole: 'lake-it-step-Dev-e4042f60',
      });
    });

    test('the test stack name fits CloudFormation\'s 128 characters, keeps its start and stays unique when shortened', () => {
      const long = namesOf({ stackName: `Delivery${'X'.repeat(120)}`, stage: 'A'.repeat(32) });
      const other = namesOf({ stackName: `Delivery${'X'.repeat(119)}Y`, stage: 'A'.repeat(32) });
      expect(long.stack).toHaveLength(128);
      expect(long.stack).toMatch(/^A{32}-LakeIntegrationTestAccess-DX+-LakePipeline-[0-9a-f]{8}$/);
      expect(long.stack).toMatch(/^[A-Za-z][A-Za-z0-9-]*$/);
      expect(other.stack).not.toBe(long.stack);
    });
  });

  test('test role names are unique per pipeline and stage, and fit IAM\'s 64 characters', () => {
    const a = synthesizePipeline().template;
    const names = Object.values(a.findResources('AWS::IAM::Role')).map((r: any) => r.Properties.RoleName).filter(Boolean);
    expect(names).toEqual(['lake-it-step-Dev-e4042f60']);
    const longName: LakeStageConfig = { ...DEV, name: 'A'.repeat(32) };
    const b = synthesizePipeline({ stages: [longName] }).template;
    const longRole = Object.values(b.findResources('AWS::IAM::Role')).map((r: any) => r.Properties.RoleName).find(Boolean);
    expect(longRole.length).toBeLessThanOrEqual(64);
    expect(longRole).toMatch(/^lake-it-step-A{32}-[0-9a-f]{8}$/);
  });
});

describe('DataLakePipeline security checks', () => {
  test('cdk-nag: zero unacknowledged findings on the pipeline and on every stage stack', () => {
    const { pipeline } = synthesizePipeline();
    expectNoNagFindings(pipeline);
    for (const stage of pipeline.stages) {
      for (const stack of stage.node.findAll().filter(c => Stack.isStack(c))) expectNoNagFindings(stack);
    }
  });

  test('cdk-nag: the role of jobs selected by name has no finding to acknowledge', () => {
    const dev: LakeStageConfig = { ...DEV, integrationTest: { jobNames: ['orders-to-silver'] } };
    const { pipeline } = synthesizePipeline({ stages: [dev] });
    const access = stageStack(pipeline.stages[0], 'IntegrationTestAccess');
    expectNoNagFindings(access);
    expect(JSON.stringify(Template.fromStack(access).toJSON())).not.toContain('rules_to_suppress');
  });
});

describe('DataLakePipeline with a stage factory object (as a Python app passes one)', () => {
  test('a plain object with createStacks works like a class', () => {
    const app = new App();
    const stack = new Stack(app, 'Delivery', { env: PIPELINE_ENV });
    const built: string[] = [];
    const pipeline = new DataLakePipeline(stack, 'LakePipeline', {
      source: pipelines.CodePipelineSource.s3(new s3.Bucket(stack, 'Source'), 'app.zip'),
      stages: [PROD],
      stageFactory: {
        createStacks: (stage, config) => {
          built.push(`${stage.stageName}:${config.values?.ordersInput}`);
          new SalesLakeFactory().createStacks(stage, config);
        },
      },
    });
    expect(built).toEqual(['Prod:orders/']);
    expect(pipeline.stages).toHaveLength(1);
  });
});
