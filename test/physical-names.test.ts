import * as path from 'path';
import { App, Duration, Stack, StackProps, Stage } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cxapi from 'aws-cdk-lib/cx-api';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import {
  BookmarkedJob, BronzeSilverGoldLake, DataLakePipeline, GlueJob, ILakeStageFactory, LakeStageConfig, PartitionedJobOrchestrator,
  PiiTokenizer, SharedJobResources, SnapshotGranularity, SnapshotPartitionTable,
} from '../src';

/*
 * Physical names must not collide where AWS requires them to be unique:
 * - per account and region: CloudFormation stacks, Glue jobs, security configurations, triggers and
 *   databases, log groups, state machines, DynamoDB tables, Lambda functions, Athena workgroups,
 *   EventBridge rules, SNS topics, KMS aliases, alarms, pipelines, CodeBuild projects;
 * - per account (IAM is global): roles, managed policies;
 * - per partition: S3 buckets.
 * (Sources: docs/aws-behaviour.md.)
 */

type Uniqueness = 'region' | 'account' | 'partition';

interface NamedProperty {
  /** The CloudFormation resource type. */
  readonly type: string;
  /** Where AWS requires the name to be unique. */
  readonly unique: Uniqueness;
  /** The top-level property that holds the name (the guard below checks that no other one is set). */
  readonly property: string;
  /** The name, from the resource's properties (undefined when CloudFormation generates it). */
  readonly name: (props: any) => unknown;
}

const byProperty = (type: string, property: string, unique: Uniqueness = 'region'): NamedProperty =>
  ({ type, unique, property, name: props => props[property] });

/** Every physical name property a lake or a pipeline may set. */
const NAMED_PROPERTIES: NamedProperty[] = [
  byProperty('AWS::Glue::Job', 'Name'),
  byProperty('AWS::Glue::SecurityConfiguration', 'Name'),
  byProperty('AWS::Glue::Trigger', 'Name'),
  { type: 'AWS::Glue::Database', unique: 'region', property: 'DatabaseInput', name: props => props.DatabaseInput?.Name },
  // A table name is unique within its database.
  {
    type: 'AWS::Glue::Table',
    unique: 'region',
    property: 'TableInput',
    name: props => (props.TableInput?.Name === undefined ? undefined : { 'Fn::Join': ['.', [props.DatabaseName, props.TableInput.Name]] }),
  },
  byProperty('AWS::Logs::LogGroup', 'LogGroupName'),
  byProperty('AWS::StepFunctions::StateMachine', 'StateMachineName'),
  byProperty('AWS::DynamoDB::Table', 'TableName'),
  byProperty('AWS::Lambda::Function', 'FunctionName'),
  byProperty('AWS::Athena::WorkGroup', 'Name'),
  byProperty('AWS::Events::Rule', 'Name'),
  byProperty('AWS::SNS::Topic', 'TopicName'),
  byProperty('AWS::KMS::Alias', 'AliasName'),
  byProperty('AWS::CloudWatch::Alarm', 'AlarmName'),
  byProperty('AWS::CodePipeline::Pipeline', 'Name'),
  byProperty('AWS::CodeBuild::Project', 'Name'),
  byProperty('AWS::IAM::Role', 'RoleName', 'account'),
  byProperty('AWS::IAM::ManagedPolicy', 'ManagedPolicyName', 'account'),
  byProperty('AWS::S3::Bucket', 'BucketName', 'partition'),
];

/** Top-level properties named `...Name` that are not physical names of the resource itself. */
const NOT_PHYSICAL_NAMES = new Set([
  'AWS::Glue::Table DatabaseName', // the database the table belongs to (its name is checked with the table's)
  'AWS::Glue::Job SecurityConfiguration',
  'AWS::Lambda::Permission FunctionName', // the function the permission is for
  'AWS::Lambda::EventInvokeConfig FunctionName',
  'AWS::Logs::SubscriptionFilter LogGroupName',
  'AWS::CloudWatch::Alarm MetricName',
  'AWS::IAM::Policy PolicyName', // inline policy: unique within its role only
  'AWS::KMS::Alias TargetKeyId',
  'AWS::Glue::Trigger WorkflowName',
]);

interface DeployedName {
  /** `<type> <where it must be unique> <name>`: equal keys collide. */
  readonly key: string;
  /** `<stack name>/<logical id>` */
  readonly owner: string;
  readonly type: string;
  readonly name: string;
}

/** The stack names and explicit physical names of every stack of the assemblies, rendered as deployed. */
function deployedNames(...assemblies: cxapi.CloudAssembly[]): DeployedName[] {
  const names: DeployedName[] = [];
  for (const assembly of assemblies) {
    for (const stack of assembly.stacksRecursively) {
      const { account, region } = stack.environment;
      const where = (unique: Uniqueness) => (unique === 'region' ? `${account}/${region}` : unique === 'account' ? account : 'aws');
      const add = (type: string, unique: Uniqueness, owner: string, name: string) =>
        names.push({ key: `${type} ${where(unique)} ${name}`, owner, type, name });
      add('AWS::CloudFormation::Stack', 'region', stack.stackName, stack.stackName);
      const resources: Record<string, any> = stack.template.Resources ?? {};
      const render = renderer(stack.stackName, account, region, resources);
      for (const [logicalId, resource] of Object.entries(resources)) {
        for (const named of NAMED_PROPERTIES.filter(n => n.type === resource.Type)) {
          const name = named.name(resource.Properties ?? {});
          if (name !== undefined) add(named.type, named.unique, `${stack.stackName}/${logicalId}`, render(name));
        }
      }
    }
  }
  return names;
}

/** Renders a CloudFormation value as deployed: pseudo parameters resolved, a Ref to a resource as its name (or a stack-unique placeholder). */
function renderer(stackName: string, account: string, region: string, resources: Record<string, any>) {
  const pseudo: Record<string, string> = {
    'AWS::StackName': stackName, 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com',
  };
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, any>;
    if (v.Ref !== undefined) {
      if (pseudo[v.Ref]) return pseudo[v.Ref];
      const resource = resources[v.Ref];
      const own = resource && NAMED_PROPERTIES.find(n => n.type === resource.Type)?.name(resource.Properties ?? {});
      // Without an explicit name, CloudFormation generates one from the stack name and logical id.
      return own !== undefined ? render(own) : `<generated ${stackName}/${v.Ref}>`;
    }
    if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(render).join(v['Fn::Join'][0]);
    if (v['Fn::GetAtt']) return `<${stackName}/${([] as string[]).concat(v['Fn::GetAtt']).join('.')}>`;
    return `<${stackName}:${JSON.stringify(value)}>`;
  };
  return render;
}

/** `name (owners...)` for each key used more than once. */
function collisions(names: DeployedName[]): string[] {
  const owners = new Map<string, string[]>();
  for (const n of names) owners.set(n.key, [...(owners.get(n.key) ?? []), n.owner]);
  return [...owners.entries()].filter(([, o]) => o.length > 1).map(([key, o]) => `${key} (${o.join(', ')})`);
}

/** `<type> <property>` of each top-level `...Name` property the table above does not know. */
function unknownNameProperties(...assemblies: cxapi.CloudAssembly[]): string[] {
  const known = new Set(NAMED_PROPERTIES.map(n => `${n.type} ${n.property}`));
  const found = new Set<string>();
  for (const assembly of assemblies) {
    for (const stack of assembly.stacksRecursively) {
      for (const resource of Object.values<any>(stack.template.Resources ?? {})) {
        for (const property of Object.keys(resource.Properties ?? {}).filter(p => /Name$/.test(p))) {
          const key = `${resource.Type} ${property}`;
          if (!known.has(key) && !NOT_PHYSICAL_NAMES.has(key)) found.add(key);
        }
      }
    }
  }
  return [...found].sort();
}

const JOBS = path.join(__dirname, '..', 'examples', 'lake-app', 'jobs');
const ENV = { account: '111111111111', region: 'eu-west-1' };
const PIPELINE_ENV = { account: '000000000000', region: 'eu-west-1' };

/**
 * The example's lake (examples/lake-app/lake-stack.ts) built from the library's sources, with the
 * names the library chooses (no databasePrefix): jobs on shared resources, a bookmarked job with its
 * reprocess state machine, a snapshot table, an orchestrator and a tokenizer.
 */
class ExampleLakeStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const lake = new BronzeSilverGoldLake(this, 'Lake');
    const shared = new SharedJobResources(this, 'Jobs', { encryptionKey: lake.encryptionKey, accessLogsBucket: lake.accessLogsBucket });
    const alerts = new sns.Topic(this, 'JobAlerts', { enforceSSL: true, masterKey: lake.encryptionKey });
    const job = (jobId: string, file: string) => new GlueJob(this, jobId, {
      script: glue.Code.fromAsset(path.join(JOBS, file)), shared, failureTopic: alerts,
    });
    const orders = job('OrdersToSilver', 'orders_to_silver.py')
      .readsFrom(lake.bronze, { prefix: 'orders/' })
      .writesTo(lake.silver, { prefix: 'orders/' });
    new GlueJob(this, 'DailyOrders', {
      script: glue.Code.fromAsset(path.join(JOBS, 'orders_to_silver.py')), shared, schedule: events.Schedule.cron({ minute: '0', hour: '2' }),
    });
    new BookmarkedJob(this, 'EventsToSilver', { script: glue.Code.fromAsset(path.join(JOBS, 'events_to_silver_bookmarked.py')), shared })
      .readsFrom(lake.bronze, { prefix: 'events/' })
      .writesTo(lake.silver, { prefix: 'events/' })
      .runsAfter(orders);
    const customers = new SnapshotPartitionTable(this, 'Customers', {
      layer: lake.silver,
      tableName: 'customers',
      columns: [
        { name: 'customer_id', type: glue.Schema.STRING },
        { name: 'email', type: glue.Schema.STRING },
        { name: 'updated_at', type: glue.Schema.TIMESTAMP },
      ],
      primaryKey: ['customer_id'],
      effectiveDateColumn: 'updated_at',
      granularity: SnapshotGranularity.MONTH,
      retention: Duration.days(400),
    });
    const customersJob = new BookmarkedJob(this, 'CustomersSnapshot', {
      script: glue.Code.fromAsset(path.join(JOBS, 'customers_snapshot.py')), shared, failureTopic: alerts,
    }).readsFrom(lake.bronze, { prefix: 'customers/' }).writesTo(customers);
    const providers = job('ProviderEventsToSilver', 'provider_events_to_silver.py');
    new PartitionedJobOrchestrator(this, 'ProviderRuns', { job: providers, partitions: [{ partitionId: 'acme' }], shared, alarmTopic: alerts });
    const tokenizer = new PiiTokenizer(this, 'EmailTokenizer');
    tokenizer.bindToJob(job('CustomersToGold', 'customers_to_gold_tokenized.py')
      .readsFrom(customers)
      .writesTo(lake.gold, { prefix: 'customers/' })
      .runsAfter(customersJob));
  }
}

/** One lake app: the example lake as a stack named `stackName` (same construct ids in every copy). */
function lakeApp(stackName: string): cxapi.CloudAssembly {
  const app = new App();
  new ExampleLakeStack(app, 'SalesLake', { stackName, env: ENV });
  return app.synth();
}

/** A stage factory adding the example lake as the stack `stackId` of each stage. */
class LakeFactory implements ILakeStageFactory {
  constructor(private readonly stackId: string) {}
  public createStacks(stage: Stage, _config: LakeStageConfig): void {
    new ExampleLakeStack(stage, this.stackId);
  }
}

const DEV: LakeStageConfig = { name: 'dev', ...ENV, integrationTest: { tag: { key: 'lake-integ', value: 'smoke' } } };

/** A pipeline stack of `app` with a `dev` stage (integration test included) built by `factory`. */
function addPipeline(app: App, id: string, factory: ILakeStageFactory, stackName?: string): DataLakePipeline {
  const stack = new Stack(app, id, { env: PIPELINE_ENV, stackName });
  return new DataLakePipeline(stack, 'Pipeline', {
    source: pipelines.CodePipelineSource.s3(new s3.Bucket(stack, 'Source'), 'lake.zip'),
    stages: [DEV],
    stageFactory: factory,
  });
}

describe('physical names: two DataLakePipelines (two lakes of one organisation) in one app', () => {
  test('every name of the same type in the same account and region differs, stage stacks included', () => {
    const app = new App();
    addPipeline(app, 'SalesDelivery', new LakeFactory('SalesLake'));
    addPipeline(app, 'MarketingDelivery', new LakeFactory('MarketingLake'));
    const assembly = app.synth();
    const names = deployedNames(assembly);
    // Both pipelines deploy an integration test stack to dev (same account and region).
    const stacks = names.filter(n => n.type === 'AWS::CloudFormation::Stack').map(n => n.name);
    expect(stacks.filter(s => s.includes('LakeIntegrationTestAccess'))).toHaveLength(2);
    expect(names.filter(n => n.type === 'AWS::IAM::Role').length).toBeGreaterThanOrEqual(4);
    expect(collisions(names)).toEqual([]);
    expect(unknownNameProperties(assembly)).toEqual([]);
  }, 120_000);

  test('the same stage stacks in two pipelines of one app are refused at synthesis, naming both stacks', () => {
    const app = new App();
    addPipeline(app, 'SalesDelivery', new LakeFactory('Lake'));
    addPipeline(app, 'MarketingDelivery', new LakeFactory('Lake'));
    expect(() => app.synth()).toThrow(
      "DataLakePipeline at 'MarketingDelivery/Pipeline': invalid prop 'stageFactory': received the stack 'MarketingDelivery/Pipeline/dev/Lake' "
      + "(stack name 'dev-Lake', account 111111111111, region eu-west-1); expected a stack name that no other stack of the app deploys to the same "
      + "account and region (the stack 'SalesDelivery/Pipeline/dev/Lake' has it too): give the stack another id or an explicit stackName in createStacks",
    );
  }, 120_000);
});

describe('physical names: two copies of one app (other stack names, same construct ids, one account and region)', () => {
  test('the lake: no explicit physical name collides', () => {
    const blue = lakeApp('sales-lake-blue');
    const green = lakeApp('sales-lake-green');
    const names = deployedNames(blue, green);
    // The resources whose names the library chooses are all there.
    const types = new Set(names.map(n => n.type));
    for (const type of ['AWS::Glue::Job', 'AWS::Glue::SecurityConfiguration', 'AWS::Logs::LogGroup', 'AWS::StepFunctions::StateMachine',
      'AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup']) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
    expect(collisions(names)).toEqual([]);
    expect(unknownNameProperties(blue, green)).toEqual([]);
  }, 120_000);

  test('the check finds collisions: two copies under ONE stack name collide on every name the library chooses', () => {
    const names = deployedNames(lakeApp('sales-lake'), lakeApp('sales-lake'));
    const collided = new Set(collisions(names).map(c => c.split(' ')[0]));
    for (const type of ['AWS::CloudFormation::Stack', 'AWS::Glue::Job', 'AWS::Glue::SecurityConfiguration', 'AWS::Logs::LogGroup',
      'AWS::StepFunctions::StateMachine', 'AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup']) {
      expect([type, collided.has(type)]).toEqual([type, true]);
    }
  }, 120_000);

  test('the lake: each copy\'s names carry its stack name', () => {
    const names = deployedNames(lakeApp('sales-lake-blue'));
    const chosen = names.filter(n => ['AWS::Glue::Job', 'AWS::Glue::SecurityConfiguration', 'AWS::StepFunctions::StateMachine'].includes(n.type));
    expect(chosen.length).toBeGreaterThanOrEqual(8);
    expect(chosen.filter(n => !n.name.startsWith('saleslakeblue-')).map(n => n.name)).toEqual([]);
  }, 120_000);

  test('the delivery pipeline: the integration test stacks and roles of the copies differ', () => {
    const copy = (stackName: string) => {
      const app = new App();
      addPipeline(app, 'Delivery', new LakeFactory('SalesLake'), stackName);
      return app.synth();
    };
    const blue = copy('sales-delivery-blue');
    const green = copy('sales-delivery-green');
    const library = deployedNames(blue, green).filter(n => n.name.includes('LakeIntegrationTestAccess') || /^lake-it-/.test(n.name));
    expect(library.map(n => n.type).sort()).toEqual([
      'AWS::CloudFormation::Stack', 'AWS::CloudFormation::Stack',
      'AWS::IAM::Role', 'AWS::IAM::Role', 'AWS::IAM::Role', 'AWS::IAM::Role',
    ]);
    expect(collisions(library)).toEqual([]);
  }, 120_000);
});
