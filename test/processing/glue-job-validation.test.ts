import { Duration, Lazy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import { newStack, script } from './fixtures';
import { BookmarkedJob, BookmarkedJobProps, GlueJob, GlueJobProps, SharedJobResources, SharedJobResourcesProps } from '../../src';
import { REPROCESS_STATE_MACHINE_TAG } from '../../src/processing/reprocess-tag';

const AT = "GlueJob at 'Stack/Job': invalid prop";

describe('GlueJob rejects invalid props with a message naming the construct, the prop, the value and what is expected', () => {
  test.each<[string, Partial<GlueJobProps>, string]>([
    ['a G.025X worker (streaming only)', { workerType: glue.WorkerType.G_025X },
      `${AT} 'workerType': received "G.025X"; expected a batch worker type (G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X, R.2X, R.4X, R.8X): G.025X is for streaming jobs only`],
    ['the legacy Standard worker', { workerType: glue.WorkerType.STANDARD },
      `${AT} 'workerType': received "Standard"; expected a batch worker type: G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X, R.2X, R.4X, R.8X`],
    ['Flex on G.4X', { executionClass: glue.ExecutionClass.FLEX, workerType: glue.WorkerType.G_4X },
      `${AT} 'workerType': received "G.4X"; expected G.1X or G.2X with the FLEX execution class`],
    ['Flex on the streaming-only G.025X', { executionClass: glue.ExecutionClass.FLEX, workerType: glue.WorkerType.G_025X },
      `${AT} 'workerType': received "G.025X"; expected a batch worker type (G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X, R.2X, R.4X, R.8X): G.025X is for streaming jobs only`],
    ['one worker', { maxWorkers: 1 }, `${AT} 'maxWorkers': received 1; expected an integer >= 2 (a Spark job needs a driver and at least one executor)`],
    ['a fractional worker count', { maxWorkers: 2.5 }, `${AT} 'maxWorkers': received 2.5; expected an integer >= 2 (a Spark job needs a driver and at least one executor)`],
    ['a timeout of 0', { timeout: Duration.seconds(0) }, `${AT} 'timeout': received 0 seconds; expected a whole number of minutes from 1 to 10080 (7 days)`],
    ['a timeout in seconds', { timeout: Duration.seconds(90) }, `${AT} 'timeout': received 1 minute 30 seconds; expected a whole number of minutes from 1 to 10080 (7 days)`],
    ['a timeout over 7 days', { timeout: Duration.days(8) }, `${AT} 'timeout': received 8 days; expected a whole number of minutes from 1 to 10080 (7 days)`],
    ['negative retries', { maxRetries: -1 }, `${AT} 'maxRetries': received -1; expected an integer from 0 to 10`],
    ['11 retries', { maxRetries: 11 }, `${AT} 'maxRetries': received 11; expected an integer from 0 to 10`],
    ['no concurrent runs', { maxConcurrentRuns: 0 }, `${AT} 'maxConcurrentRuns': received 0; expected an integer >= 1`],
    ['Glue 2.0', { glueVersion: glue.GlueVersion.V2_0 }, `${AT} 'glueVersion': received "2.0"; expected one of 3.0, 4.0, 5.0, 5.1, 6.0 (Spark ETL jobs with auto scaling)`],
    ['an argument without --', { arguments: { orders: 'x' } },
      `${AT} 'arguments': received "orders"; expected argument keys that start with '--' and contain no whitespace or '=', e.g. '--orders_path'`],
    ['an argument with a space', { arguments: { '--orders table': 'x' } },
      `${AT} 'arguments': received "--orders table"; expected argument keys that start with '--' and contain no whitespace or '=', e.g. '--orders_path'`],
    ...['--TempDir', '--job-bookmark-option', '--env', '--enable-metrics', '--JOB_NAME', '--custom-logGroup-prefix'].map(key => [
      `the managed argument ${key}`, { arguments: { [key]: 'x' } },
      `${AT} 'arguments': received "${key}"; expected an argument the library does not manage: set it through its prop (environment, autoScaling, enableMetrics, sparkUi, extraPythonFiles, additionalPythonModules, ...) or the method that owns it (readsFrom, writesTo, BookmarkedJob)`,
    ] as [string, Partial<GlueJobProps>, string]),
    ['a job name with a line break', { jobName: 'orders\nsilver' },
      `${AT} 'jobName': received "orders\\nsilver"; expected 1 to 255 characters without line breaks, control characters or leading and trailing spaces (Glue job naming)`],
    ['an empty job name', { jobName: '' },
      `${AT} 'jobName': received ""; expected 1 to 255 characters without line breaks, control characters or leading and trailing spaces (Glue job naming)`],
    ['a 256-character job name', { jobName: 'j'.repeat(256) },
      `${AT} 'jobName': received "${'j'.repeat(256)}"; expected 1 to 255 characters without line breaks, control characters or leading and trailing spaces (Glue job naming)`],
    ['an environment with a space', { environment: 'dev 1' }, `${AT} 'environment': received "dev 1"; expected letters, digits, '-' and '_', 1 to 64 characters (passed as --env)`],
    ['a module list with a comma', { additionalPythonModules: ['a,b'] },
      `${AT} 'additionalPythonModules': received "a,b"; expected a pip requirement without spaces or commas, e.g. 'pydantic==2.9.2'`],
    ['a long description', { description: 'd'.repeat(2049) }, `${AT} 'description': received a description of 2049 characters; expected at most 2048 characters`],
    ['a long tag key', { tags: { ['k'.repeat(129)]: 'v' } }, `${AT} 'tags': received "${'k'.repeat(129)}"; expected tag keys of 1 to 128 characters`],
    ['a rate with no Glue cron equivalent', { schedule: events.Schedule.rate(Duration.minutes(7)) },
      `${AT} 'schedule': received "rate(7 minutes)"; expected a cron expression with 6 fields and '?' in day-of-month or day-of-week, e.g. cron(0 2 * * ? *), or a rate with a cron equivalent (minutes dividing 60, hours dividing 24, 1 day)`],
    ...([
      ['rate(1 minute)', events.Schedule.rate(Duration.minutes(1)), 1],
      ['rate(2 minutes)', events.Schedule.rate(Duration.minutes(2)), 2],
      ['rate(4 minutes)', events.Schedule.rate(Duration.minutes(4)), 4],
      ['cron(* * * * ? *)', events.Schedule.expression('cron(* * * * ? *)'), 1],
      ['cron(0/2 * * * ? *)', events.Schedule.expression('cron(0/2 * * * ? *)'), 2],
      ['cron(*/3 8-17 ? * MON-FRI *)', events.Schedule.expression('cron(*/3 8-17 ? * MON-FRI *)'), 3],
      ['cron(0,4,30 * * * ? *)', events.Schedule.expression('cron(0,4,30 * * * ? *)'), 4],
      ['cron(10-12 2 * * ? *)', events.Schedule.expression('cron(10-12 2 * * ? *)'), 1],
      ['cron(58 * * * ? *) with cron(0 ...) across the hour', events.Schedule.expression('cron(0,58 * * * ? *)'), 2],
      ['cron(58 23 ...) and midnight, every day', events.Schedule.expression('cron(0,58 0,23 * * ? *)'), 2],
      ['23:58 on Monday and 00:00 on Tuesday', events.Schedule.expression('cron(0,58 0,23 ? * MON-FRI *)'), 2],
      ['23:58 on Saturday and 00:00 on Sunday', events.Schedule.expression('cron(0,58 0,23 ? * SAT,SUN *)'), 2],
      ['23:58 on the 1st and 00:00 on the 2nd', events.Schedule.expression('cron(0,58 0,23 1,2 * ? *)'), 2],
      ['23:58 on the 31st and 00:00 on the 1st', events.Schedule.expression('cron(0,58 0,23 1,31 * ? *)'), 2],
    ] as const).map(([name, schedule, every]) => [
      `a schedule more frequent than Glue's 5 minutes: ${name}`, { schedule },
      `${AT} 'schedule': received ${JSON.stringify(schedule.expressionString)} (runs ${every} minute${every === 1 ? '' : 's'} apart); expected a schedule whose runs are at least 5 minutes apart (Glue's minimum schedule precision), e.g. rate(5 minutes) or cron(0/15 * * * ? *)`,
    ] as [string, Partial<GlueJobProps>, string]),
    ['a cron minute out of range', { schedule: events.Schedule.expression('cron(60 2 * * ? *)') },
      `${AT} 'schedule': received "cron(60 2 * * ? *)"; expected a cron expression with 6 fields and '?' in day-of-month or day-of-week, e.g. cron(0 2 * * ? *), or a rate with a cron equivalent (minutes dividing 60, hours dividing 24, 1 day)`],
    ['a cron with letters in the hour field', { schedule: events.Schedule.expression('cron(0 L * * ? *)') },
      `${AT} 'schedule': received "cron(0 L * * ? *)"; expected a cron expression with 6 fields and '?' in day-of-month or day-of-week, e.g. cron(0 2 * * ? *), or a rate with a cron equivalent (minutes dividing 60, hours dividing 24, 1 day)`],
    ['a cron without ?', { schedule: events.Schedule.expression('cron(0 2 * * * *)') },
      `${AT} 'schedule': received "cron(0 2 * * * *)"; expected a cron expression with 6 fields and '?' in day-of-month or day-of-week, e.g. cron(0 2 * * ? *), or a rate with a cron equivalent (minutes dividing 60, hours dividing 24, 1 day)`],
  ])('%s', (_case, props, message) => {
    const stack = newStack();
    expect(() => new GlueJob(stack, 'Job', { script: script(), ...props })).toThrow(message);
  });

  test('unresolved tokens are not validated', () => {
    const stack = newStack();
    const workers = Lazy.number({ produce: () => 1 });
    const name = Lazy.string({ produce: () => 'not\nchecked' });
    expect(() => new GlueJob(stack, 'Job', { script: script(), jobName: name, maxWorkers: workers, timeout: Duration.minutes(Lazy.number({ produce: () => 0 })) })).not.toThrow();
  });

  test('argument names of locations and BookmarkedJob props are validated too', () => {
    const stack = newStack();
    expect(() => new BookmarkedJob(stack, 'Job', { script: script(), reprocessingTimeout: Duration.seconds(30) })).toThrow(
      "BookmarkedJob at 'Stack/Job': invalid prop 'reprocessingTimeout': received 30 seconds; expected a whole number of seconds, at least 1 minute");
  });
});

describe('BookmarkedJob rejects invalid props', () => {
  const BOOKMARKED_AT = "BookmarkedJob at 'Stack/Job': invalid prop";
  const RESERVED_TAG = `${BOOKMARKED_AT} 'tags': received "${REPROCESS_STATE_MACHINE_TAG}"; expected no '${REPROCESS_STATE_MACHINE_TAG}' key (the library sets it to the reprocessing state machine's ARN)`;

  test.each<[string, Partial<BookmarkedJobProps>, string]>([
    ['a reprocessing timeout under a minute', { reprocessingTimeout: Duration.seconds(30) },
      `${BOOKMARKED_AT} 'reprocessingTimeout': received 30 seconds; expected a whole number of seconds, at least 1 minute`],
    ['the reserved reprocessing tag key', { tags: { [REPROCESS_STATE_MACHINE_TAG]: 'arn:aws:states:eu-west-1:111111111111:stateMachine:mine' } }, RESERVED_TAG],
    ['the reserved reprocessing tag key beside other tags', { tags: { team: 'data', [REPROCESS_STATE_MACHINE_TAG]: 'x' } }, RESERVED_TAG],
  ])('%s', (_case, props, message) => {
    const stack = newStack();
    expect(() => new BookmarkedJob(stack, 'Job', { script: script(), ...props })).toThrow(message);
  });

  test('the reserved tag key is refused with a LakeValidationError', () => {
    const stack = newStack();
    expect(() => new BookmarkedJob(stack, 'Job', { script: script(), tags: { [REPROCESS_STATE_MACHINE_TAG]: 'x' } }))
      .toThrow(expect.objectContaining({ name: 'LakeValidationError' }));
  });

  test('without reprocessing the library sets no such tag, so the key is the user\'s to set', () => {
    const stack = newStack();
    expect(() => new BookmarkedJob(stack, 'Job', { script: script(), reprocessing: false, tags: { [REPROCESS_STATE_MACHINE_TAG]: 'x' } })).not.toThrow();
  });
});

describe('SharedJobResources rejects invalid props', () => {
  test.each<[string, SharedJobResourcesProps, string]>([
    ['a log retention CloudWatch does not offer', { logRetention: Duration.days(10) },
      "SharedJobResources at 'Stack/Shared': invalid prop 'logRetention': received 10 days; expected one of the retention periods CloudWatch Logs accepts, in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"],
    ['temporary files kept for hours', { tempFilesExpiration: Duration.hours(12) },
      "SharedJobResources at 'Stack/Shared': invalid prop 'tempFilesExpiration': received 12 hours; expected a whole number of days >= 1 (S3 lifecycle rules count in days)"],
    ['a security configuration name with a colon', { securityConfigurationName: 'jobs:prod' },
      "SharedJobResources at 'Stack/Shared': invalid prop 'securityConfigurationName': received \"jobs:prod\"; expected letters, digits, '-' and '_', 1 to 255 characters (Glue security configuration naming)"],
  ])('%s', (_case, props, message) => {
    const stack = newStack();
    expect(() => new SharedJobResources(stack, 'Shared', props)).toThrow(message);
  });
});
