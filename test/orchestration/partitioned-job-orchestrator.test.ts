import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { jobStack, orchestratorStack } from './fixtures';
import { BookmarkedJob, LakeContextKeys, PartitionedJobOrchestrator } from '../../src';
import { compactJoins } from '../../src/private/compact-intrinsics';
import { stateMachineDefinition } from '../helpers/asl';
import { statementsOfRoleId } from '../helpers/iam';
import { expectNoNagFindings, nagV2Errors } from '../helpers/nag';
import { normalisedTemplate } from '../helpers/snapshot';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';
import { lakeStack, onlyResource, script } from '../processing/fixtures';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

/** The statements of the role whose logical id starts with `rolePrefix`: its inline policy, or the one policy attached to it. */
function statementsOf(template: Template, rolePrefix: string): any[] {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) => id.startsWith(rolePrefix));
  if (roles.length !== 1) throw new Error(`expected one role ${rolePrefix}, found ${roles.length}`);
  return statementsOfRoleId(template.toJSON().Resources, roles[0][0]);
}

/** `{ action -> resources }` of a list of statements (actions and resources as lists). */
function actionsToResources(statements: any[], stack: Stack): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const s of statements) {
    for (const a of [s.Action].flat()) {
      out[a] = [...(out[a] ?? []), ...[s.Resource].flat().map(r => stack.resolve(r))];
    }
  }
  return out;
}

const ref = (logicalId: string) => ({ Ref: logicalId });
/** The logical id of the stack's shared job resources key. */
const sharedKeyId = (stack: Stack) => stack.getLogicalId(stack.node.findChild('CdkGlueLakeSharedJobResources').node.findChild('Key').node.defaultChild as any);
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('registry', () => {
  const { stack, orchestrator } = orchestratorStack();
  const template = Template.fromStack(stack);
  const tableId = stack.getLogicalId(orchestrator.registryTable.node.defaultChild as any);

  test('is an on-demand table encrypted with the shared customer-managed key, with point-in-time recovery and deletion protection, retained', () => {
    const table = template.toJSON().Resources[tableId];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'partitionId', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(sharedKeyId(stack)) },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  test('has the due index the dispatcher queries (schedule, dueAt), projecting only what it reads', () => {
    expect(template.toJSON().Resources[tableId].Properties.GlobalSecondaryIndexes).toEqual([{
      IndexName: 'due',
      KeySchema: [{ AttributeName: 'schedule', KeyType: 'HASH' }, { AttributeName: 'dueAt', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status', 'executionArn', 'frequencyMinutes'] },
    }]);
  });

  test('declared partitions are seeded at deploy time by one custom resource per 100, answered by the orchestrator\'s seed function', () => {
    const seed = onlyResource(template, 'Custom::PartitionRegistrySeed');
    const seedFnId = stack.getLogicalId(stack.node.findChild('Providers').node.findChild('SeedFunction').node.defaultChild as any);
    expect(seed.logicalId).toMatch(/^ProvidersRegistrySeed0/);
    // CloudFormation passes property values as strings: the partitions are one JSON string.
    expect(seed.props).toEqual({
      ServiceToken: arnOf(seedFnId),
      RegistryTable: ref(tableId),
      Chunk: '0',
      Partitions: '{"acme":1440,"globex":1440}',
    });
    expect(template.toJSON().Resources[seed.logicalId].DeletionPolicy).toBe('Delete');
  });

  test('the seed is a dedicated function, not aws-cdk-lib\'s generic AWS SDK provider: its role may only update registry items and use the key through DynamoDB', () => {
    const resources = template.toJSON().Resources;
    expect(Object.keys(resources).filter(id => id.startsWith('AWS679f53fac'))).toEqual([]);
    expect(Object.values(template.findResources('AWS::IAM::Policy'))).toEqual([]);
    const seedFn = stack.node.findChild('Providers').node.findChild('SeedFunction') as any;
    const roleId = stack.getLogicalId(seedFn.role.node.defaultChild);
    const role = resources[roleId].Properties;
    expect(role.ManagedPolicyArns).toEqual([{
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']],
    }]);
    expect(role.Policies).toHaveLength(1);
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
      { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: arnOf(tableId) },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: arnOf(sharedKeyId(stack)),
        Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
      },
    ]);
  });

  test('the seed function runs the bundled handler on Node 22 ARM, small, JSON logs to the dispatcher\'s encrypted log group (no group of its own), traced, with Lambda\'s default two retries', () => {
    const seedFn = stack.node.findChild('Providers').node.findChild('SeedFunction') as any;
    const fnId = stack.getLogicalId(seedFn.node.defaultChild);
    const fn = template.toJSON().Resources[fnId];
    const logsId = stack.getLogicalId(stack.node.findChild('Providers').node.findChild('DispatcherLogs').node.defaultChild as any);
    expect(stack.node.findChild('Providers').node.tryFindChild('SeedLogs')).toBeUndefined();
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 60,
      Role: arnOf(stack.getLogicalId(seedFn.role.node.defaultChild)),
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN', LogGroup: ref(logsId) },
      TracingConfig: { Mode: 'Active' },
    });
    // The role (with its inline grants) exists before the function, and so before every seed.
    expect(fn.DependsOn).toContain(stack.getLogicalId(seedFn.role.node.defaultChild));
    expect(template.toJSON().Resources[logsId].Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: arnOf(sharedKeyId(stack)) });
    // Lambda retries a failed asynchronous invocation twice by default: no EventInvokeConfig resource for it.
    expect(Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map((c: any) => c.Properties.FunctionName)).not.toContainEqual(ref(fnId));
  });

  test('the seed costs one function, its role and log group, and one custom resource per 100 partitions', () => {
    const { stack: s } = orchestratorStack({ partitions: [] });
    const without = Template.fromStack(s).toJSON().Resources;
    const count = (resources: Record<string, any>) => {
      const out: Record<string, number> = {};
      for (const r of Object.values(resources)) out[r.Type] = (out[r.Type] ?? 0) + 1;
      return out;
    };
    const before = count(without);
    const after = count(template.toJSON().Resources);
    const added = Object.fromEntries(Object.keys(after).map(t => [t, after[t] - (before[t] ?? 0)]).filter(([, n]) => n !== 0));
    expect(added).toEqual({
      'Custom::PartitionRegistrySeed': 1,
      'AWS::Lambda::Function': 1,
      'AWS::IAM::Role': 1,
    });
  });

  test('more than 100 declared partitions are written by several custom resources', () => {
    const partitions = Array.from({ length: 150 }, (_, i) => ({ partitionId: `p${i}`, frequency: Duration.hours(1) }));
    const { stack: big } = orchestratorStack({ partitions });
    const seeds = Object.entries(Template.fromStack(big).findResources('Custom::PartitionRegistrySeed'))
      .map(([id, s]: [string, any]) => ({ id, chunk: s.Properties.Chunk, partitions: Object.keys(JSON.parse(s.Properties.Partitions)) }))
      .sort((a, b) => a.chunk.localeCompare(b.chunk));
    expect(seeds.map(s => [s.id.replace(/[0-9A-F]{8}$/, ''), s.chunk, s.partitions.length])).toEqual([
      ['ProvidersRegistrySeed0', '0', 100],
      ['ProvidersRegistrySeed1', '1', 50],
    ]);
    expect(seeds[0].partitions[0]).toBe('p0');
    expect(seeds[1].partitions).toEqual(Array.from({ length: 50 }, (_, i) => `p${100 + i}`));
    Template.fromStack(big).resourceCountIs('AWS::Lambda::Function', 2);
  });

  test('without declared partitions, nothing is seeded', () => {
    const { stack: empty } = orchestratorStack({ partitions: [] });
    Template.fromStack(empty).resourceCountIs('Custom::PartitionRegistrySeed', 0);
  });

  test('DESTROY without the context flag is retained with a warning', () => {
    const { stack: s, orchestrator: o } = orchestratorStack({ removalPolicy: RemovalPolicy.DESTROY });
    const table = Template.fromStack(s).toJSON().Resources[s.getLogicalId(o.registryTable.node.defaultChild as any)];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    Annotations.fromStack(s).hasWarning('/Stack/Providers', Match.stringLikeRegexp('removalPolicy DESTROY was requested'));
  });

  test('DESTROY with the context flag deletes the table and turns deletion protection off', () => {
    const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
    const dev = new Stack(app, 'Stack');
    const job = new glue.PySparkEtlJob(dev, 'Job', {
      script: script(), role: new iam.Role(dev, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') }), maxConcurrentRuns: 2,
    });
    const o = new PartitionedJobOrchestrator(dev, 'Providers', { job, removalPolicy: RemovalPolicy.DESTROY });
    const table = Template.fromStack(dev).toJSON().Resources[dev.getLogicalId(o.registryTable.node.defaultChild as any)];
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  test('a given key encrypts the registry', () => {
    const { stack: s, job } = jobStack();
    const key = new kms.Key(s, 'RegistryKey', { enableKeyRotation: true });
    new PartitionedJobOrchestrator(s, 'Providers', { job, encryptionKey: key });
    Template.fromStack(s).hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { KMSMasterKeyId: arnOf(s.getLogicalId(key.node.defaultChild as any)) },
    });
  });
});

describe('dispatcher', () => {
  const { stack, orchestrator } = orchestratorStack();
  const template = Template.fromStack(stack);
  const fnId = stack.getLogicalId(orchestrator.dispatcher.node.defaultChild as any);
  const fn = template.toJSON().Resources[fnId].Properties;

  test('is a Node 22 ARM function with bounded memory and timeout, JSON logs to its own encrypted log group, traced', () => {
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 120,
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN', LogGroup: ref(stack.getLogicalId(stack.node.findChild('Providers').node.findChild('DispatcherLogs').node.defaultChild as any)) },
      TracingConfig: { Mode: 'Active' },
    });
    const logs = template.toJSON().Resources[fn.LoggingConfig.LogGroup.Ref].Properties;
    expect(logs).toMatchObject({ RetentionInDays: 365, KmsKeyId: arnOf(sharedKeyId(stack)) });
    expect(fn.VpcConfig).toBeUndefined();
    expect(fn.FunctionUrlConfig).toBeUndefined();
  });

  test('reserves no concurrency by default: it deploys in accounts that have only the minimum unreserved concurrency', () => {
    expect(fn).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  test.each([1, 3])('reservedConcurrency %i reserves that many executions', reservedConcurrency => {
    const { stack: s, orchestrator: o } = orchestratorStack({ reservedConcurrency });
    const props = Template.fromStack(s).toJSON().Resources[s.getLogicalId(o.dispatcher.node.defaultChild as any)].Properties;
    expect(props.ReservedConcurrentExecutions).toBe(reservedConcurrency);
  });

  test('gets its settings from the environment: registry, state machine, interval, concurrency', () => {
    expect(fn.Environment.Variables).toEqual({
      REGISTRY_TABLE_NAME: ref(stack.getLogicalId(orchestrator.registryTable.node.defaultChild as any)),
      STATE_MACHINE_ARN: ref(stack.getLogicalId(orchestrator.stateMachine.node.defaultChild as any)),
      SCHEDULE_INTERVAL_MINUTES: '15',
      MAX_CONCURRENT_PARTITIONS: '5',
    });
  });

  test('is woken every 15 minutes by a UTC cron aligned to the slots, and a failed dispatch is retried within the slot', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0/15 * * * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf(fnId), RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 });
  });

  test.each([
    [Duration.minutes(1), 'cron(0/1 * * * ? *)'],
    [Duration.minutes(30), 'cron(0/30 * * * ? *)'],
    [Duration.hours(1), 'cron(0 * * * ? *)'],
    [Duration.hours(6), 'cron(0 0/6 * * ? *)'],
    [Duration.days(1), 'cron(0 0 * * ? *)'],
  ])('an interval of %s is the cron %s', (interval, cron) => {
    const { stack: s } = orchestratorStack({ scheduleInterval: interval, partitions: [] });
    Template.fromStack(s).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: cron });
  });

  test('may query the due index, start only this state machine, and read only its executions', () => {
    const statements = statementsOf(template, stack.getLogicalId(orchestrator.dispatcher.role!.node.defaultChild as any));
    const smId = stack.getLogicalId(orchestrator.stateMachine.node.defaultChild as any);
    const tableId = stack.getLogicalId(orchestrator.registryTable.node.defaultChild as any);
    const byAction = actionsToResources(statements, stack);
    expect(Object.keys(byAction).sort()).toEqual([
      'dynamodb:Query', 'kms:Decrypt', 'kms:DescribeKey', 'states:DescribeExecution', 'states:StartExecution',
      'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    expect(byAction['dynamodb:Query']).toEqual([{ 'Fn::Sub': `\${${tableId}.Arn}/index/due` }]);
    expect(byAction['states:StartExecution']).toEqual([ref(smId)]);
    expect(byAction['states:DescribeExecution']).toEqual([{
      'Fn::Sub': `arn:\${AWS::Partition}:states:eu-west-1:111111111111:execution:\${${smId}.Name}:*`,
    }]);
    const keyStatement = statements.find(s => [s.Action].flat().includes('kms:Decrypt'));
    expect(keyStatement.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } });
  });
});

describe('state machine', () => {
  const { stack, orchestrator, job } = orchestratorStack();
  const template = Template.fromStack(stack);
  const smId = stack.getLogicalId(orchestrator.stateMachine.node.defaultChild as any);
  const sm = template.toJSON().Resources[smId].Properties;

  test('is a Standard state machine, traced, logging every event without execution data (a failed run\'s error text can quote a row) to an encrypted log group', () => {
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    const logGroupId = sm.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[logGroupId].Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: arnOf(sharedKeyId(stack)) });
  });

  test('times out after the job timeout plus 90 minutes by default', () => {
    expect((stateMachineDefinition(stack, 'Providers/StateMachine') as { TimeoutSeconds: number }).TimeoutSeconds).toBe((60 + 90) * 60);
  });

  describe('error names, as the service integrations raise them', () => {
    const definition = stateMachineDefinition(stack, 'Providers/StateMachine') as { States: Record<string, any> };
    const errorsOf = (state: string, field: 'Retry' | 'Catch'): string[][] => (definition.States[state][field] ?? []).map((r: any) => r.ErrorEquals);
    // Optimized integrations (not AWS SDK integrations, whose names would be DynamoDb.<Code> and Glue.<Code>).
    const throttling = [
      'DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.RequestLimitExceeded', 'DynamoDB.RequestLimitExceededException',
      'DynamoDB.ThrottlingException', 'DynamoDB.InternalServerError', 'DynamoDB.InternalServerErrorException',
    ];

    test('the tasks use the optimized integrations: dynamodb:updateItem and glue:startJobRun.sync', () => {
      for (const state of ['MarkRunning', 'MarkSucceeded', 'MarkFailed', 'MarkFailedAtMaxDelay']) {
        expect(definition.States[state].Resource).toBe('arn:aws:states:::dynamodb:updateItem');
      }
      expect(definition.States.RunJob.Resource).toBe('arn:aws:states:::glue:startJobRun.sync');
    });

    test('the registry updates retry DynamoDB throttling and internal errors, named DynamoDB.<error>', () => {
      for (const state of ['MarkRunning', 'MarkSucceeded', 'MarkFailed', 'MarkFailedAtMaxDelay']) {
        expect(errorsOf(state, 'Retry')).toEqual([throttling]);
      }
    });

    test('MarkRunning skips on DynamoDB.ConditionalCheckFailedException (the lock), and records any other error', () => {
      expect(errorsOf('MarkRunning', 'Catch')).toEqual([['DynamoDB.ConditionalCheckFailedException'], ['States.ALL']]);
      expect(definition.States.MarkRunning.Catch[0].Next).toBe('Skipped');
      expect(definition.States.MarkRunning.Catch[1].Next).toBe('MarkFailed');
    });

    test('MarkFailed falls back to MarkFailedAtMaxDelay when its condition fails (the delay at its maximum, or the lock lost); both end in Failed, keeping the original error', () => {
      expect(errorsOf('MarkFailed', 'Catch')).toEqual([['DynamoDB.ConditionalCheckFailedException'], ['States.ALL']]);
      expect(definition.States.MarkFailed.Catch.map((c: any) => [c.Next, c.ResultPath])).toEqual([['MarkFailedAtMaxDelay', '$.recordFailure'], ['Failed', '$.recordFailure']]);
      expect(definition.States.MarkFailed.Next).toBe('Failed');
      expect(errorsOf('MarkFailedAtMaxDelay', 'Catch')).toEqual([['States.ALL']]);
      expect(definition.States.MarkFailedAtMaxDelay.Catch[0]).toMatchObject({ Next: 'Failed', ResultPath: '$.recordFailure' });
      expect(definition.States.MarkFailedAtMaxDelay.Next).toBe('Failed');
    });

    test('RunJob waits for a run slot (ConcurrentRunsExceeded), retries throttling, and records every other error (a failed or timed-out run: States.TaskFailed)', () => {
      expect(errorsOf('RunJob', 'Retry')).toEqual([
        ['Glue.ConcurrentRunsExceededException'],
        ['Glue.ThrottlingException', 'Glue.AWSGlueException', 'Glue.InternalServiceException'],
      ]);
      expect(errorsOf('RunJob', 'Catch')).toEqual([['States.ALL']]);
      // through the states that drop Glue's error text (test/orchestration/partition-state-machine.test.ts runs them)
      expect(definition.States.RunJob.Catch[0].Next).toBe('DescribeRunError');
    });

    test('a run that ends without an error is recorded as a success only when its JobRunState is SUCCEEDED', () => {
      expect(definition.States.RunJob.Next).toBe('CheckRunState');
      expect(definition.States.CheckRunState).toMatchObject({
        Type: 'Choice',
        Choices: [{ Variable: '$.run.JobRunState', StringEquals: 'SUCCEEDED', Next: 'MarkSucceeded' }],
        Default: 'RunNotSucceeded',
      });
      expect(definition.States.RunNotSucceeded.Next).toBe('DescribeRunNotSucceeded');
      expect(definition.States.DescribeRunNotSucceeded.Next).toBe('MarkFailed');
    });

    test('no state uses an AWS SDK integration name (DynamoDb.) or an error name of another service', () => {
      const all = Object.values(definition.States)
        .flatMap((st: any) => [...(st.Retry ?? []), ...(st.Catch ?? [])].flatMap((r: any) => r.ErrorEquals));
      for (const name of all) {
        expect(name).toMatch(/^(States\.ALL|DynamoDB\.[A-Za-z]+|Glue\.[A-Za-z]+)$/);
      }
    });
  });

  test('may update only the registry and run only this job', () => {
    const statements = statementsOf(template, stack.getLogicalId(orchestrator.stateMachine.role.node.defaultChild as any));
    const byAction = actionsToResources(statements, stack);
    const tableId = stack.getLogicalId(orchestrator.registryTable.node.defaultChild as any);
    expect(byAction['dynamodb:UpdateItem']).toEqual([{
      'Fn::Sub': `arn:\${AWS::Partition}:dynamodb:eu-west-1:111111111111:table/\${${tableId}}`,
    }]);
    expect(Object.keys(byAction).filter(a => a.startsWith('dynamodb:'))).toEqual(['dynamodb:UpdateItem']);
    const jobArn = stack.resolve(job.jobArn);
    for (const action of ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun']) {
      expect(byAction[action]).toEqual([compactJoins(jobArn)]);
    }
    expect(Object.keys(byAction).filter(a => a.startsWith('glue:')).sort()).toEqual(['glue:BatchStopJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:StartJobRun']);
    const wildcard = statements.filter(s => [s.Resource].flat().includes('*')).flatMap(s => [s.Action].flat());
    expect(wildcard.every((a: string) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
  });
});

describe('failure backoff', () => {
  /** The numbers the failure updates use: the first delay, half the maximum, the maximum (seconds). */
  function backoffOf(props: Parameters<typeof orchestratorStack>[0]) {
    const { stack, orchestrator } = orchestratorStack(props);
    const states = (stateMachineDefinition(stack, 'Providers/StateMachine') as { States: Record<string, any> }).States;
    const values = { ...states.MarkFailed.Parameters.ExpressionAttributeValues, ...states.MarkFailedAtMaxDelay.Parameters.ExpressionAttributeValues };
    return {
      first: orchestrator.retryFailedAfter.toMinutes(),
      max: orchestrator.retryFailedAfterMax.toMinutes(),
      seconds: [values[':base'].N, values[':half'].N, values[':max'].N].map(Number),
    };
  }

  test.each<[string, Parameters<typeof orchestratorStack>[0], number, number]>([
    ['by default: the schedule interval, up to 24 hours', {}, 15, 1440],
    ['with an hourly schedule: an hour, up to 24 hours', { scheduleInterval: Duration.hours(1) }, 60, 1440],
    ['a first delay longer than 24 hours is also the default maximum', { retryFailedAfter: Duration.days(2) }, 2880, 2880],
    ['both given', { retryFailedAfter: Duration.minutes(30), retryFailedAfterMax: Duration.hours(6) }, 30, 360],
  ])('%s', (_, props, first, max) => {
    expect(backoffOf(props)).toEqual({ first, max, seconds: [first * 60, max * 30, max * 60] });
  });

  test('the failure updates count consecutive failures and move dueAt; the success update resets both attributes', () => {
    const { stack } = orchestratorStack();
    const states = (stateMachineDefinition(stack, 'Providers/StateMachine') as { States: Record<string, any> }).States;
    const failed = 'SET #status = :failed, #lastFailureAt = :now, #lastError = :error, #lastCause = :cause, '
      + '#dueAt = :slot + if_not_exists(#nextRetryDelaySeconds, :base), #nextRetryDelaySeconds = ';
    expect(states.MarkFailed.Parameters.UpdateExpression).toBe(
      `${failed}if_not_exists(#nextRetryDelaySeconds, :base) + if_not_exists(#nextRetryDelaySeconds, :base) ADD #consecutiveFailures :one`);
    expect(states.MarkFailed.Parameters.ConditionExpression).toBe(
      'attribute_exists(#partitionId) AND #executionArn = :me AND (attribute_not_exists(#nextRetryDelaySeconds) OR #nextRetryDelaySeconds <= :half)');
    expect(states.MarkFailedAtMaxDelay.Parameters.UpdateExpression).toBe(`${failed}:max ADD #consecutiveFailures :one`);
    expect(states.MarkFailedAtMaxDelay.Parameters.ConditionExpression).toBe('attribute_exists(#partitionId) AND #executionArn = :me');
    expect(states.MarkSucceeded.Parameters.UpdateExpression).toMatch(/ REMOVE #consecutiveFailures, #nextRetryDelaySeconds$/);
  });
});

describe('alarms', () => {
  test('alarm on failed, timed-out and aborted executions and on dispatcher errors, without action by default', () => {
    const { stack, orchestrator } = orchestratorStack();
    const template = Template.fromStack(stack);
    const smId = stack.getLogicalId(orchestrator.stateMachine.node.defaultChild as any);
    const failure = template.toJSON().Resources[stack.getLogicalId(orchestrator.failureAlarm.node.defaultChild as any)].Properties;
    expect(failure).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    const metrics = failure.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric);
    expect(metrics.map((m: any) => m.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const m of metrics) expect(m.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: ref(smId) }]);
    expect(failure.AlarmActions).toBeUndefined();
    const dispatcher = template.toJSON().Resources[stack.getLogicalId(orchestrator.dispatcherAlarm.node.defaultChild as any)].Properties;
    expect(dispatcher).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1 });
  });

  test('notify the alarm topic when given', () => {
    const { stack } = jobStack();
    const topic = new sns.Topic(stack, 'Alerts', { masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }), enforceSSL: true });
    const o = new PartitionedJobOrchestrator(stack, 'Providers', { job: stack.node.findChild('ProviderJob') as any, alarmTopic: topic });
    const template = Template.fromStack(stack);
    for (const alarm of [o.failureAlarm, o.dispatcherAlarm]) {
      const actions = template.toJSON().Resources[stack.getLogicalId(alarm.node.defaultChild as any)].Properties.AlarmActions;
      expect(actions).toEqual([ref(stack.getLogicalId(topic.node.defaultChild as any))]);
    }
    expectNoNagFindings(stack);
  });
});

describe('concurrency and jobs', () => {
  test('defaults to the job\'s maxConcurrentRuns', () => {
    const { orchestrator } = orchestratorStack({}, { maxConcurrentRuns: 7 });
    expect(orchestrator.maxConcurrentPartitions).toBe(7);
  });

  test('reads the concurrency of an aws-cdk-lib Glue job', () => {
    const stack = new Stack(new App(), 'Stack');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    const job = new glue.PySparkEtlJob(stack, 'Job', { script: script(), role, maxConcurrentRuns: 3 });
    expect(new PartitionedJobOrchestrator(stack, 'Providers', { job }).maxConcurrentPartitions).toBe(3);
  });

  test('an imported job defaults to one partition at a time, and a larger cap warns that the job\'s limit cannot be checked', () => {
    const stack = new Stack(new App(), 'Stack');
    const job = glue.Job.fromJobAttributes(stack, 'Imported', { jobName: 'providers', role: iam.Role.fromRoleName(stack, 'R', 'glue-role') });
    expect(new PartitionedJobOrchestrator(stack, 'One', { job }).maxConcurrentPartitions).toBe(1);
    new PartitionedJobOrchestrator(stack, 'Ten', { job, maxConcurrentPartitions: 10 });
    Annotations.fromStack(stack).hasWarning('/Stack/Ten', Match.stringLikeRegexp("the job's maxConcurrentRuns cannot be read \\(an imported job\\): make sure it allows 10 concurrent runs"));
    Annotations.fromStack(stack).hasNoWarning('/Stack/One', Match.anyValue());
    // The execution timeout falls back to Glue's 48-hour default plus 90 minutes.
    expect((stateMachineDefinition(stack, 'One/StateMachine') as { TimeoutSeconds: number }).TimeoutSeconds).toBe((2880 + 90) * 60);
  });

  test('a BookmarkedJob warns that partitions share one bookmark state', () => {
    const { stack } = lakeStack();
    const job = new BookmarkedJob(stack, 'Events', { script: script(), maxConcurrentRuns: 2 });
    new PartitionedJobOrchestrator(stack, 'Providers', { job });
    Annotations.fromStack(stack).hasWarning('/Stack/Providers', Match.stringLikeRegexp('one bookmark state, shared by the runs of every partition'));
  });

  test('grantRegistryWrite lets a team manage partition items (and use the key), nothing else', () => {
    const { stack, orchestrator } = orchestratorStack();
    const team = new iam.Role(stack, 'Team', { assumedBy: new iam.AccountRootPrincipal() });
    orchestrator.grantRegistryWrite(team);
    const byAction = actionsToResources(statementsOf(Template.fromStack(stack), stack.getLogicalId(team.node.defaultChild as any)), stack);
    const tableArn = arnOf(stack.getLogicalId(orchestrator.registryTable.node.defaultChild as any));
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query']) {
      expect(byAction[action]).toContainEqual(tableArn);
    }
    expect(Object.keys(byAction).filter(a => !a.startsWith('dynamodb:') && !a.startsWith('kms:'))).toEqual([]);
    expect(byAction['dynamodb:DeleteTable']).toBeUndefined();
  });
});

describe('security checks', () => {
  test('cdk-nag 3: zero unacknowledged findings in the five packs', () => {
    const { stack } = orchestratorStack();
    expectNoNagFindings(stack);
  });

  test('cdk-nag 2: the acknowledgements reach users on cdk-nag 2.x', () => {
    const { stack } = orchestratorStack();
    expect(nagV2Errors(stack.node.root as App, stack)).toEqual([]);
  });

  test('with reserved concurrency: zero unacknowledged findings, on cdk-nag 3 and 2', () => {
    const { stack } = orchestratorStack({ reservedConcurrency: 1 });
    expectNoNagFindings(stack);
    expect(nagV2Errors(stack.node.root as App, stack)).toEqual([]);
  });
});

test('PartitionedJobOrchestrator default snapshot', () => {
  const stack = new Stack(new App(), 'OrchestratorStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const job = new glue.PySparkEtlJob(stack, 'Job', {
    script: script(), role: new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') }), maxConcurrentRuns: 4,
  });
  new PartitionedJobOrchestrator(stack, 'Providers', { job, partitions: [{ partitionId: 'acme' }] });
  expect(normalisedTemplate(Template.fromStack(stack))).toMatchSnapshot();
});
