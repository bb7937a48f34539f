import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import { newStack, script } from './fixtures';
import { GlueJob } from '../../src';
import { MAX_JOB_ARGUMENT_VALUE_BYTES, MAX_JOB_ARGUMENTS_BYTES } from '../../src/processing/glue-job';

function scheduleOf(stack: Stack): unknown {
  const triggers = Template.fromStack(stack).findResources('AWS::Glue::Trigger');
  return Object.values(triggers)[0]?.Properties?.Schedule;
}

describe("schedules at Glue's minimum precision (5 minutes) and wider are accepted", () => {
  test.each([
    [events.Schedule.rate(Duration.minutes(5)), 'cron(0/5 * * * ? *)'],
    [events.Schedule.rate(Duration.minutes(6)), 'cron(0/6 * * * ? *)'],
    [events.Schedule.rate(Duration.minutes(30)), 'cron(0/30 * * * ? *)'],
    [events.Schedule.expression('cron(0/5 * * * ? *)'), 'cron(0/5 * * * ? *)'],
    [events.Schedule.expression('cron(*/5 8-17 ? * MON-FRI *)'), 'cron(*/5 8-17 ? * MON-FRI *)'],
    [events.Schedule.expression('cron(0,5,55 * * * ? *)'), 'cron(0,5,55 * * * ? *)'],
    // 23:58 and 00:00 are 2 minutes apart only on consecutive days: Mondays only never are.
    [events.Schedule.expression('cron(58 23 ? * MON *)'), 'cron(58 23 ? * MON *)'],
    [events.Schedule.expression('cron(0,58 2 * * ? *)'), 'cron(0,58 2 * * ? *)'],
    // Midnight and 23:58 on days that never follow each other.
    [events.Schedule.expression('cron(0,58 0,23 ? * MON,WED *)'), 'cron(0,58 0,23 ? * MON,WED *)'],
    [events.Schedule.expression('cron(0,58 0,23 1,15 * ? *)'), 'cron(0,58 0,23 1,15 * ? *)'],
    [events.Schedule.expression('cron(0 0 1 * ? *)'), 'cron(0 0 1 * ? *)'],
  ])('%s becomes %s', (schedule, cron) => {
    const stack = newStack();
    new GlueJob(stack, 'Job', { script: script(), schedule });
    expect(scheduleOf(stack)).toBe(cron);
  });
});

describe('Glue versions', () => {
  test.each([glue.GlueVersion.V5_0, glue.GlueVersion.V5_1, glue.GlueVersion.V6_0])('Glue %s is accepted and synthesized', version => {
    const stack = newStack();
    new GlueJob(stack, 'Job', { script: script(), glueVersion: version });
    Template.fromStack(stack).hasResourceProperties('AWS::Glue::Job', { GlueVersion: version });
  });

  test('the default is Glue 5.0 (Spark 3.5.4, Python 3.11), the runtime the job tests run on', () => {
    const stack = newStack();
    new GlueJob(stack, 'Job', { script: script() });
    Template.fromStack(stack).hasResourceProperties('AWS::Glue::Job', { GlueVersion: '5.0' });
  });
});

describe("the total size of a job's arguments", () => {
  function jobWithArguments(values: { [key: string]: string }): App {
    const stack = newStack();
    const job = new GlueJob(stack, 'Job', { script: script(), jobName: 'orders' });
    for (const [key, value] of Object.entries(values)) job.addArgument(key, value);
    return stack.node.root as App;
  }

  test('arguments just under the limits synthesize', () => {
    const app = jobWithArguments({
      '--merge_sql': 'x'.repeat(MAX_JOB_ARGUMENT_VALUE_BYTES),
      '--other_sql': 'x'.repeat(MAX_JOB_ARGUMENTS_BYTES - MAX_JOB_ARGUMENT_VALUE_BYTES - 3_000),
    });
    expect(() => app.synth()).not.toThrow();
  });

  test('one value longer than Linux accepts as a command-line argument (128 KiB) fails synthesis', () => {
    const app = jobWithArguments({ '--merge_sql': 'x'.repeat(MAX_JOB_ARGUMENT_VALUE_BYTES + 1) });
    expect(() => app.synth()).toThrow("GlueJob at 'Stack/Job': invalid prop 'arguments': received --merge_sql with a value of 131072 bytes; expected argument values of at most 131071 bytes (Linux refuses a longer command-line argument and the run fails)");
  });

  test('arguments over the limit fail synthesis, naming the job and its biggest arguments', () => {
    const app = jobWithArguments({
      '--merge_sql': 'x'.repeat(130_000),
      '--orders_merge_sql': 'w'.repeat(70_000),
      '--customers_merge_sql': 'y'.repeat(70_000),
      '--small': 'z'.repeat(10),
      '--medium': 'm'.repeat(1_000),
    });
    let message = '';
    try { app.synth(); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(/GlueJob at 'Stack\/Job': invalid prop 'arguments': received arguments of \d+ bytes in total; the biggest: --merge_sql \(130011 bytes\), --customers_merge_sql \(70021 bytes\), --orders_merge_sql \(70018 bytes\); expected at most 260000 bytes of job arguments in total \(Glue refuses more\)/);
  });

  test('multi-byte characters count in bytes, as Glue receives them', () => {
    // 50,000 three-byte characters are 150,000 bytes.
    const app = jobWithArguments({ '--label': '€'.repeat(50_000) });
    expect(() => app.synth()).toThrow(/--label with a value of 150000 bytes/);
  });
});
