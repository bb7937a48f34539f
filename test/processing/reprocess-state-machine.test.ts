import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as LocalStepFunctions from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
import { lakeStack, script } from './fixtures';
import {
  BookmarkedJob, REPROCESS_INPUT_CAUSE, REPROCESS_INPUT_ERROR, REPROCESS_RESET_ERROR, REPROCESS_RUN_ERROR,
} from '../../src/processing/bookmarked-job';
import { refPlaceholder, stateMachineDefinition } from '../helpers/asl';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

// Runs the real synthesized reprocessing state machine in aws-local-stepfunctions, with the
// Glue tasks replaced by local handlers that record their input.

// The package's typings describe its ES module only, which a CommonJS test file (module node16)
// cannot import; its CommonJS build has the same API, so require that with those types.
// Every test runs the emulator: a generous timeout, so that a busy machine cannot fail them.
jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ExecutionError, StateMachine }: typeof LocalStepFunctions = require('aws-local-stepfunctions');

type TaskHandlers = NonNullable<NonNullable<LocalStepFunctions.RunOptions['overrides']>['taskResourceLocalHandlers']>;
/** A JSON value, as the emulator passes it to and takes it from a task. */
type Json = Parameters<TaskHandlers[string]>[0];

/** The Glue tasks of the state machine (state names). */
const GLUE_TASKS = ['ReprocessWindow', 'RunAfterRewind', 'ResetBookmark'] as const;
type GlueTask = typeof GLUE_TASKS[number];

// Run ids shaped as Glue returns them: jr_ and 64 lowercase hexadecimal digits. (The definition is
// rewritten by stateMachineDefinition so that the emulator evaluates StringMatches as Step Functions
// documents it: only `*` is a wildcard; see test/helpers/asl.ts, forLocalEmulator.)
const FROM = 'jr_75857a45899985be4c4d941e90b6b396d6c92a4c7437aaf0bf102089fe21379d';
const TO = 'jr_663ea1bfffe5038f3f0cf667f14c4257eff52d77ce7f2a218f72e9286616ea39';
const NEW_RUN = 'jr_11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437';

/** What the stubbed Glue calls return (a finished run for startJobRun.sync). */
const TASK_RESULTS: Record<GlueTask, Json> = {
  ReprocessWindow: { Id: NEW_RUN, JobRunState: 'SUCCEEDED' },
  RunAfterRewind: { Id: NEW_RUN, JobRunState: 'SUCCEEDED' },
  ResetBookmark: { JobBookmarkEntry: { RunId: FROM } },
};

/** A value planted in Spark's error text (which can quote a row or a value that failed to cast). */
const PLANTED = 'jane.doe@example.com';
/** The cause Step Functions reports when a Glue run fails: the job run, as JSON, with Spark's error text. */
const FAILED_RUN_CAUSE = JSON.stringify({
  Id: NEW_RUN, JobRunState: 'FAILED', ErrorMessage: `SparkNumberFormatException: The value '${PLANTED}' of the type "STRING" cannot be cast to "INT"`,
});
/** What the execution's cause keeps of a failed run: its id, state, error name and console link, not Glue's text. */
const failedRunKept = () => `The Glue job run ${NEW_RUN} ended in state FAILED (States.TaskFailed): `
  + `https://eu-west-1.console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/${JOB_NAME}/run/${NEW_RUN}`;

/** The error a `glue:startJobRun.sync` task raises when the run fails. */
function failedRun(): Error {
  const error = new Error(FAILED_RUN_CAUSE);
  error.name = 'States.TaskFailed';
  return error;
}

interface Outcome {
  /** The Glue calls, in order: the task and the input it sent to Glue. */
  readonly calls: Array<{ task: GlueTask; input: Json }>;
  /** The states the execution entered, in order. */
  readonly states: string[];
  /** The error and cause of a failed execution (undefined when it succeeded). */
  readonly failure?: { error: string; cause: string };
}

const { stack } = lakeStack();
const job = new BookmarkedJob(stack, 'Events', { script: script() });
/** The job name the state machine passes to Glue (the job's `Ref`, rendered as its logical id). */
const JOB_NAME = refPlaceholder(stack.getLogicalId(job.job.node.defaultChild as CfnElement));
const machine = new StateMachine(stateMachineDefinition(stack, 'Events/ReprocessStateMachine') as LocalStepFunctions.StateMachineDefinition);

/**
 * Runs one execution; the tasks in `failing` throw their error instead of returning, those in `results`
 * return that result instead of the default one.
 */
async function execute(input: Json, failing: Partial<Record<GlueTask, Error>> = {}, results: Partial<Record<GlueTask, Json>> = {}): Promise<Outcome> {
  const calls: Outcome['calls'] = [];
  const handlers: TaskHandlers = Object.fromEntries(GLUE_TASKS.map(task => [task, async (taskInput: Json) => {
    calls.push({ task, input: taskInput });
    const error = failing[task];
    if (error) throw error;
    return results[task] ?? TASK_RESULTS[task];
  }]));
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: { ReprocessWindow: 0, RunAfterRewind: 0, ResetBookmark: 0 } },
  });

  let failure: Outcome['failure'];
  try {
    await execution.result;
  } catch (e) {
    if (!(e instanceof ExecutionError)) throw e;
    // The cause is the error that ended the execution: for a Fail state, name = Error, message = Cause.
    const cause = e.cause as Error;
    failure = { error: cause.name, cause: cause.message };
  }
  // The execution has ended, so the event log is complete and closed.
  const states: string[] = [];
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') states.push(event.state.name);
  }
  return { calls, states, failure };
}

describe('window mode', () => {
  test('starts one run with the bookmark paused between the two runs, and leaves the bookmark alone', async () => {
    const outcome = await execute({ fromRunId: FROM, toRunId: TO });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.calls).toEqual([{
      task: 'ReprocessWindow',
      input: {
        JobName: JOB_NAME,
        Arguments: {
          '--job-bookmark-option': 'job-bookmark-pause',
          '--job-bookmark-from': FROM,
          '--job-bookmark-to': TO,
        },
      },
    }]);
    expect(outcome.states.at(-1)).toBe('Done');
  });

  test('a failed run fails the execution with its run id, state and console link, without Glue\'s error text', async () => {
    const outcome = await execute({ fromRunId: FROM, toRunId: TO }, { ReprocessWindow: failedRun() });

    expect(JSON.stringify(outcome.failure)).not.toContain(PLANTED);
    expect(outcome.failure).toEqual({ error: REPROCESS_RUN_ERROR, cause: failedRunKept() });
    expect(outcome.calls.map(c => c.task)).toEqual(['ReprocessWindow']);
    expect(outcome.states.at(-1)).toBe('RunFailed');
  });
});

describe('rewind mode', () => {
  test('resets the bookmark to the run without starting one', async () => {
    const outcome = await execute({ rewindToRunId: FROM });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.calls).toEqual([{ task: 'ResetBookmark', input: { JobName: JOB_NAME, RunId: FROM } }]);
    expect(outcome.states.at(-1)).toBe('Done');
  });

  test('with startRun: true, starts a plain run after the reset', async () => {
    const outcome = await execute({ rewindToRunId: FROM, startRun: true });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.calls).toEqual([
      { task: 'ResetBookmark', input: { JobName: JOB_NAME, RunId: FROM } },
      { task: 'RunAfterRewind', input: { JobName: JOB_NAME } },
    ]);
    expect(outcome.states.at(-1)).toBe('Done');
  });

  test('with startRun: false, only resets the bookmark', async () => {
    const outcome = await execute({ rewindToRunId: FROM, startRun: false });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.calls).toEqual([{ task: 'ResetBookmark', input: { JobName: JOB_NAME, RunId: FROM } }]);
    expect(outcome.states.at(-1)).toBe('Done');
  });

  test('a failed run after the reset fails the execution with its run id, state and console link, without Glue\'s error text', async () => {
    const outcome = await execute({ rewindToRunId: FROM, startRun: true }, { RunAfterRewind: failedRun() });

    expect(JSON.stringify(outcome.failure)).not.toContain(PLANTED);
    expect(outcome.failure).toEqual({ error: REPROCESS_RUN_ERROR, cause: failedRunKept() });
    expect(outcome.calls.map(c => c.task)).toEqual(['ResetBookmark', 'RunAfterRewind']);
    expect(outcome.states.at(-1)).toBe('RunFailed');
  });
});

describe('logs', () => {
  test('the state machine logs every event without execution data: a failed run\'s error text stays out of the log group', () => {
    const logicalId = stack.getLogicalId(job.reprocessStateMachine!.node.defaultChild as CfnElement);
    const sm = Template.fromStack(stack).toJSON().Resources[logicalId].Properties;
    expect(sm.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });
});

describe('failures and retries', () => {
  test('a failed ResetJobBookmark (e.g. an unknown run id) fails with BookmarkResetFailed and starts no run', async () => {
    const unknown = new Error('Run id jr_zzz not found');
    unknown.name = 'Glue.EntityNotFoundException';
    const outcome = await execute({ rewindToRunId: FROM, startRun: true }, { ResetBookmark: unknown });

    expect(outcome.failure).toEqual({ error: REPROCESS_RESET_ERROR, cause: expect.stringContaining('Run id jr_zzz not found') });
    expect(outcome.calls.map(c => c.task)).toEqual(['ResetBookmark']);
  });

  test('a run refused because another run is active is retried, then succeeds', async () => {
    let attempts = 0;
    const busy = new Error('Concurrent runs exceeded');
    busy.name = 'Glue.ConcurrentRunsExceededException';
    const calls: string[] = [];
    const handlers: TaskHandlers = {
      ReprocessWindow: async () => {
        calls.push('ReprocessWindow');
        attempts += 1;
        if (attempts < 3) throw busy;
        return TASK_RESULTS.ReprocessWindow;
      },
    };
    const execution = machine.run({ fromRunId: FROM, toRunId: TO }, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: { ReprocessWindow: 0 } },
    });
    await expect(execution.result).resolves.toBeDefined();
    expect(calls).toEqual(['ReprocessWindow', 'ReprocessWindow', 'ReprocessWindow']);
  });
});

describe('a run that ends in another state than SUCCEEDED', () => {
  // The documentation of glue:startJobRun.sync does not say which terminal states fail the task
  // (https://docs.aws.amazon.com/step-functions/latest/dg/connect-glue.html): if the task returns a run
  // that was STOPPED (or any state but SUCCEEDED), the execution must not end in Done.
  test.each(['STOPPED', 'FAILED', 'TIMEOUT', 'ERROR', 'EXPIRED'])('a window run returned in state %s fails the execution with GlueJobRunFailed', async state => {
    const outcome = await execute({ fromRunId: FROM, toRunId: TO }, {}, { ReprocessWindow: { Id: NEW_RUN, JobRunState: state } });

    expect(outcome.failure).toEqual({
      error: REPROCESS_RUN_ERROR,
      cause: `The Glue job run ${NEW_RUN} ended in state ${state}: only SUCCEEDED counts as done.`,
    });
    expect(outcome.states.slice(-3)).toEqual(['CheckRunState', 'RunNotSucceeded', 'RunFailed']);
    expect(outcome.states).not.toContain('Done');
  }, 60_000);

  test('a run after the rewind returned STOPPED fails the execution with GlueJobRunFailed', async () => {
    const outcome = await execute({ rewindToRunId: FROM, startRun: true }, {}, { RunAfterRewind: { Id: NEW_RUN, JobRunState: 'STOPPED' } });

    expect(outcome.failure).toEqual({
      error: REPROCESS_RUN_ERROR,
      cause: `The Glue job run ${NEW_RUN} ended in state STOPPED: only SUCCEEDED counts as done.`,
    });
    expect(outcome.calls.map(c => c.task)).toEqual(['ResetBookmark', 'RunAfterRewind']);
    expect(outcome.states).not.toContain('Done');
  }, 60_000);

  test.each<[string, Json]>([
    ['no JobRunState', { Id: NEW_RUN }],
    ['a JobRunState that is not a string', { Id: NEW_RUN, JobRunState: 1 }],
    ['a STOPPED run without an Id', { JobRunState: 'STOPPED' }],
  ])('a run result with %s is not a success', async (_, result) => {
    const outcome = await execute({ fromRunId: FROM, toRunId: TO }, {}, { ReprocessWindow: result });

    expect(outcome.failure).toEqual({ error: REPROCESS_RUN_ERROR, cause: expect.stringContaining('names no JobRunState') });
    expect(outcome.states.slice(-3)).toEqual(['CheckRunState', 'RunStateMissing', 'RunFailed']);
  }, 60_000);
});

describe('error names of the Retry and Catch fields', () => {
  const states = (stateMachineDefinition(stack, 'Events/ReprocessStateMachine') as { States: Record<string, any> }).States;
  const errorNames = (state: string) => ({
    retry: (states[state].Retry ?? []).map((r: { ErrorEquals: string[] }) => r.ErrorEquals),
    catch: (states[state].Catch ?? []).map((c: { ErrorEquals: string[] }) => c.ErrorEquals),
  });

  test.each(['ReprocessWindow', 'RunAfterRewind'])('%s (optimized glue:startJobRun.sync)', state => {
    expect(states[state].Resource).toEqual(expect.stringMatching(/:states:::glue:startJobRun\.sync$/));
    // Glue.ThrottlingException never reaches an optimized Glue task: throttling surfaces as Glue.AWSGlueException
    // (https://repost.aws/knowledge-center/glue-throttling-rate-exceeded).
    expect(errorNames(state)).toEqual({
      retry: [
        ['Glue.ConcurrentRunsExceededException'],
        ['Glue.AWSGlueException', 'Glue.InternalServiceException', 'Glue.OperationTimeoutException'],
      ],
      catch: [['States.ALL']],
    });
  });

  test('ResetBookmark (AWS SDK integration: errors are Glue.<error code>)', () => {
    expect(states.ResetBookmark.Resource).toEqual(expect.stringMatching(/:states:::aws-sdk:glue:resetJobBookmark$/));
    expect(errorNames('ResetBookmark')).toEqual({
      retry: [['Glue.ThrottlingException', 'Glue.InternalServiceException', 'Glue.OperationTimeoutException']],
      catch: [['States.ALL']],
    });
  });

  test('a throttled start (Glue.AWSGlueException "Rate exceeded") is retried, then the run succeeds', async () => {
    const throttled = new Error('Rate exceeded (Service: AWSGlue; Status Code: 400; Error Code: ThrottlingException; Proxy: null)');
    throttled.name = 'Glue.AWSGlueException';
    const calls: string[] = [];
    const execution = machine.run({ fromRunId: FROM, toRunId: TO }, {
      overrides: {
        taskResourceLocalHandlers: {
          ReprocessWindow: async () => {
            calls.push('ReprocessWindow');
            if (calls.length === 1) throw throttled;
            return TASK_RESULTS.ReprocessWindow;
          },
        },
        retryIntervalOverrides: { ReprocessWindow: 0 },
      },
    });
    await expect(execution.result).resolves.toBeDefined();
    expect(calls).toEqual(['ReprocessWindow', 'ReprocessWindow']);
  }, 60_000);
});

describe('invalid input', () => {
  test.each<[string, Json]>([
    ['an empty object', {}],
    ['only fromRunId', { fromRunId: FROM }],
    ['only toRunId', { toRunId: TO }],
    ['both modes at once', { fromRunId: FROM, toRunId: TO, rewindToRunId: FROM }],
    ['a fromRunId without the jr_ prefix', { fromRunId: 'a'.repeat(64), toRunId: TO }],
    ['fromRunId equal to toRunId', { fromRunId: FROM, toRunId: FROM }],
    ['a rewindToRunId that is not a run id', { rewindToRunId: 'abc' }],
    ['a startRun that is not a boolean', { rewindToRunId: FROM, startRun: 'yes' }],
    ['a numeric toRunId', { fromRunId: FROM, toRunId: 42 }],
    ['a numeric rewindToRunId', { rewindToRunId: 42 }],
    ['the bare prefix jr_', { rewindToRunId: 'jr_' }],
  ])('%s fails with the expected input, without calling Glue', async (_, input) => {
    const outcome = await execute(input);

    expect(outcome.failure).toEqual({ error: REPROCESS_INPUT_ERROR, cause: REPROCESS_INPUT_CAUSE });
    expect(outcome.states.at(-1)).toBe('InvalidInput');
    expect(outcome.calls).toEqual([]);
  });
});
