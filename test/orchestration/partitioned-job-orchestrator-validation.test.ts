import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { jobStack } from './fixtures';
import { PartitionedJobOrchestrator, type PartitionedJobOrchestratorProps } from '../../src';
import { script } from '../processing/fixtures';

const AT = "PartitionedJobOrchestrator at 'Stack/Providers': invalid prop";
const ID_EXPECTED = 'letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters (Step Functions logs executions named with these only)';
const INTERVALS = 'whole minutes that divide a day: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 minutes, or 2, 3, 4, 6, 8, 12 or 24 hours';
const RETRY = 'whole minutes from the schedule interval (15 minutes) to 365 days: a failed partition cannot be retried before the next slot';
const FREQUENCY = 'whole minutes from the schedule interval (15 minutes) to 365 days: a partition cannot be due more often than the dispatcher wakes up';

/** Builds an orchestrator over a job that allows 5 concurrent runs. */
function build(props: Partial<PartitionedJobOrchestratorProps>): void {
  const { stack, job } = jobStack();
  new PartitionedJobOrchestrator(stack, 'Providers', { job, ...props });
}

describe('PartitionedJobOrchestrator rejects invalid props with a message naming the construct, the prop, the value and what is expected', () => {
  test.each<[string, Partial<PartitionedJobOrchestratorProps>, string]>([
    ['a schedule more frequent than a minute', { scheduleInterval: Duration.seconds(30) },
      `${AT} 'scheduleInterval': received 30 seconds; expected at least 1 minute (EventBridge schedules are at most once a minute)`],
    ['a schedule of 7 minutes (does not divide an hour)', { scheduleInterval: Duration.minutes(7) }, `${AT} 'scheduleInterval': received 7 minutes; expected ${INTERVALS}`],
    ['a schedule of 90 seconds', { scheduleInterval: Duration.seconds(90) }, `${AT} 'scheduleInterval': received 1 minute 30 seconds; expected ${INTERVALS}`],
    ['a schedule of 5 hours', { scheduleInterval: Duration.hours(5) }, `${AT} 'scheduleInterval': received 5 hours; expected ${INTERVALS}`],
    ['a schedule of 2 days', { scheduleInterval: Duration.days(2) }, `${AT} 'scheduleInterval': received 2 days; expected ${INTERVALS}`],
    ['a frequency below the schedule interval', { partitions: [{ partitionId: 'acme', frequency: Duration.minutes(5) }] },
      `${AT} 'partitions[0].frequency': received 5 minutes; expected ${FREQUENCY}`],
    ['a frequency in seconds', { partitions: [{ partitionId: 'acme', frequency: Duration.seconds(1830) }] },
      `${AT} 'partitions[0].frequency': received 30 minutes 30 seconds; expected ${FREQUENCY}`],
    ['a frequency over a year', { partitions: [{ partitionId: 'acme', frequency: Duration.days(366) }] },
      `${AT} 'partitions[0].frequency': received 366 days; expected ${FREQUENCY}`],
    ['a partition id with a space', { partitions: [{ partitionId: 'acme corp' }] }, `${AT} 'partitions[0].partitionId': received "acme corp"; expected ${ID_EXPECTED}`],
    ['a partition id with a slash', { partitions: [{ partitionId: 'acme', frequency: Duration.hours(1) }, { partitionId: 'eu/acme' }] },
      `${AT} 'partitions[1].partitionId': received "eu/acme"; expected ${ID_EXPECTED}`],
    ['a partition id with a colon (not allowed in execution names)', { partitions: [{ partitionId: 'acme:1' }] },
      `${AT} 'partitions[0].partitionId': received "acme:1"; expected ${ID_EXPECTED}`],
    ['a partition id starting with a dash', { partitions: [{ partitionId: '-acme' }] }, `${AT} 'partitions[0].partitionId': received "-acme"; expected ${ID_EXPECTED}`],
    ['an empty partition id', { partitions: [{ partitionId: '' }] }, `${AT} 'partitions[0].partitionId': received ""; expected ${ID_EXPECTED}`],
    ['a 65-character partition id', { partitions: [{ partitionId: 'p'.repeat(65) }] },
      `${AT} 'partitions[0].partitionId': received "${'p'.repeat(65)}"; expected ${ID_EXPECTED}`],
    ['a partition id with non-ASCII letters', { partitions: [{ partitionId: 'café' }] }, `${AT} 'partitions[0].partitionId': received "café"; expected ${ID_EXPECTED}`],
    ['a partition declared twice', { partitions: [{ partitionId: 'acme' }, { partitionId: 'globex' }, { partitionId: 'acme' }] },
      `${AT} 'partitions[2].partitionId': received "acme"; expected a partition id declared once (it is the registry key)`],
    ['more than 500 declared partitions', { partitions: Array.from({ length: 501 }, (_, i) => ({ partitionId: `p${i}` })) },
      `${AT} 'partitions': received 501 partitions; expected at most 500; add more to the registry with PutItem (they need no deploy)`],
    ['a concurrency of 0', { maxConcurrentPartitions: 0 }, `${AT} 'maxConcurrentPartitions': received 0; expected an integer from 1 to 1000`],
    ['a fractional concurrency', { maxConcurrentPartitions: 2.5 }, `${AT} 'maxConcurrentPartitions': received 2.5; expected an integer from 1 to 1000`],
    ['a concurrency over 1000', { maxConcurrentPartitions: 1001 }, `${AT} 'maxConcurrentPartitions': received 1001; expected an integer from 1 to 1000`],
    ['a concurrency the job does not allow', { maxConcurrentPartitions: 6 },
      `${AT} 'maxConcurrentPartitions': received 6; expected at most the job's maxConcurrentRuns (5); raise the job's maxConcurrentRuns to run more partitions at once`],
    ['a reserved concurrency of 0 (it would stop the dispatcher)', { reservedConcurrency: 0 }, `${AT} 'reservedConcurrency': received 0; expected an integer from 1 to 10000`],
    ['a negative reserved concurrency', { reservedConcurrency: -1 }, `${AT} 'reservedConcurrency': received -1; expected an integer from 1 to 10000`],
    ['a fractional reserved concurrency', { reservedConcurrency: 1.5 }, `${AT} 'reservedConcurrency': received 1.5; expected an integer from 1 to 10000`],
    ['a reserved concurrency over 10000', { reservedConcurrency: 10_001 }, `${AT} 'reservedConcurrency': received 10001; expected an integer from 1 to 10000`],
    ['an argument name without dashes', { argumentName: 'partition' },
      `${AT} 'argumentName': received "partition"; expected '--' followed by 1 to 128 letters, digits, '_' or '-', e.g. '--partition'`],
    ['an argument name with a space', { argumentName: '--my partition' },
      `${AT} 'argumentName': received "--my partition"; expected '--' followed by 1 to 128 letters, digits, '_' or '-', e.g. '--partition'`],
    ['an argument the library manages', { argumentName: '--TempDir' },
      `${AT} 'argumentName': received "--TempDir"; expected an argument of the script, not one that Glue or the library manages (e.g. --partition)`],
    ['a Glue job argument', { argumentName: '--job-bookmark-option' },
      `${AT} 'argumentName': received "--job-bookmark-option"; expected an argument of the script, not one that Glue or the library manages (e.g. --partition)`],
    ['an execution timeout under a minute', { executionTimeout: Duration.seconds(30) },
      `${AT} 'executionTimeout': received 30 seconds; expected a whole number of seconds from 1 minute to 365 days`],
    ['an execution timeout over a year', { executionTimeout: Duration.days(366) },
      `${AT} 'executionTimeout': received 366 days; expected a whole number of seconds from 1 minute to 365 days`],
    ['a retry delay that is an unresolved token (it is written into the state machine)', { retryFailedAfter: Duration.minutes(Lazy.number({ produce: () => 30 })) },
      `${AT} 'retryFailedAfter': received <token> minutes; expected ${RETRY}`],
    ['a retry delay of 0', { retryFailedAfter: Duration.minutes(0) }, `${AT} 'retryFailedAfter': received 0 minutes; expected ${RETRY}`],
    ['a retry delay below the schedule interval', { retryFailedAfter: Duration.minutes(5) }, `${AT} 'retryFailedAfter': received 5 minutes; expected ${RETRY}`],
    ['a retry delay in seconds', { retryFailedAfter: Duration.seconds(1830) }, `${AT} 'retryFailedAfter': received 30 minutes 30 seconds; expected ${RETRY}`],
    ['a retry delay over a year', { retryFailedAfter: Duration.days(366) }, `${AT} 'retryFailedAfter': received 366 days; expected ${RETRY}`],
    ['a retry delay below a longer schedule interval', { scheduleInterval: Duration.hours(1), retryFailedAfter: Duration.minutes(30) },
      `${AT} 'retryFailedAfter': received 30 minutes; expected whole minutes from the schedule interval (1 hour) to 365 days: a failed partition cannot be retried before the next slot`],
    ['a maximum retry delay below the first one', { retryFailedAfter: Duration.hours(2), retryFailedAfterMax: Duration.hours(1) },
      `${AT} 'retryFailedAfterMax': received 1 hour; expected whole minutes from retryFailedAfter (2 hours) to 365 days`],
    ['a maximum retry delay below the default first one (the schedule interval)', { retryFailedAfterMax: Duration.minutes(10) },
      `${AT} 'retryFailedAfterMax': received 10 minutes; expected whole minutes from retryFailedAfter (15 minutes) to 365 days`],
    ['a maximum retry delay of 0', { retryFailedAfterMax: Duration.seconds(0) },
      `${AT} 'retryFailedAfterMax': received 0 seconds; expected whole minutes from retryFailedAfter (15 minutes) to 365 days`],
    ['a maximum retry delay in seconds', { retryFailedAfterMax: Duration.seconds(1830) },
      `${AT} 'retryFailedAfterMax': received 30 minutes 30 seconds; expected whole minutes from retryFailedAfter (15 minutes) to 365 days`],
    ['a maximum retry delay over a year', { retryFailedAfterMax: Duration.days(400) },
      `${AT} 'retryFailedAfterMax': received 400 days; expected whole minutes from retryFailedAfter (15 minutes) to 365 days`],
  ])('%s', (_, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('a streaming job', () => {
    const stack = new Stack(new App(), 'Stack');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    const job = new glue.PySparkStreamingJob(stack, 'Stream', { script: script(), role });
    expect(() => new PartitionedJobOrchestrator(stack, 'Providers', { job })).toThrow(
      `${AT} 'job': received the construct at 'Stack/Stream'; expected a batch job: a streaming job runs continuously and never finishes, so it cannot run once per partition`);
  });

  test('a missing job (from an untyped caller)', () => {
    const stack = new Stack(new App(), 'Stack');
    expect(() => new PartitionedJobOrchestrator(stack, 'Providers', {} as PartitionedJobOrchestratorProps)).toThrow(
      `${AT} 'job': received undefined; expected a Glue job (glue.IJob)`);
  });

  test('a negative retry delay cannot even be built: Duration refuses it', () => {
    expect(() => build({ retryFailedAfter: Duration.minutes(-15) })).toThrow('Duration amounts cannot be negative. Received: -15');
  });

  test('the errors are LakeValidationErrors', () => {
    expect(() => build({ maxConcurrentPartitions: 0 })).toThrow(expect.objectContaining({ name: 'LakeValidationError' }));
  });
});
