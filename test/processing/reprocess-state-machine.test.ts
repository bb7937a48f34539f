import { CfnElement } from 'aws-cdk-lib';
import type * as LocalStepFunctions from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
import { lakeStack, script } from './fixtures';
import {
  BookmarkedJob, REPROCESS_INPUT_CAUSE, REPROCESS_INPUT_ERROR, REPROCESS_RESET_ERROR, REPROCESS_RUN_ERROR,
} from '../../src/processing/bookmarked-job';
import { refPlaceholder, stateMachineDefinition } from '../helpers/asl';

// Runs the real synthesized reprocessing state machine in aws-local-stepfunctions, with the
// Glue tasks replaced by local handlers that record their input.

// The package's typings describe its ES module only, which a CommonJS test file (module node16)
// cannot import; its CommonJS build has the same API, so require that with those types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ExecutionError, StateMachine }: typeof LocalStepFunctions = require('aws-local-stepfunctions');

type TaskHandlers = NonNullable<NonNullable<LocalStepFunctions.RunOptions['overrides']>['taskResourceLocalHandlers']>;
/** A JSON value, as the emulator passes it to and takes it from a task. */
type Json = Parameters<TaskHandlers[string]>[0];

/** The Glue tasks of the state machine (state names). */
const GLUE_TASKS = ['ReprocessWindow', 'RunAfterRewind', 'ResetBookmark'] as const;
type GlueTask = typeof GLUE_TASKS[number];

const FROM = 'jr_' + 'a'.repeat(64);
const TO = 'jr_' + 'b'.repeat(64);
const NEW_RUN = 'jr_' + 'c'.repeat(64);

/** What the stubbed Glue calls return (a finished run for startJobRun.sync). */
const TASK_RESULTS: Record<GlueTask, Json> = {
  ReprocessWindow: { Id: NEW_RUN, JobRunState: 'SUCCEEDED' },
  RunAfterRewind: { Id: NEW_RUN, JobRunState: 'SUCCEEDED' },
  ResetBookmark: { JobBookmarkEntry: { RunId: FROM } },
};

/** The cause Step Functions reports when a Glue run fails: the job run, as JSON. */
const FAILED_RUN_CAUSE = JSON.stringify({
  Id: NEW_RUN, JobRunState: 'FAILED', ErrorMessage: 'AnalysisException: Path does not exist: s3://bronze/events/',
});

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

/** Runs one execution; the tasks in `failing` throw their error instead of returning. */
async function execute(input: Json, failing: Partial<Record<GlueTask, Error>> = {}): Promise<Outcome> {
  const calls: Outcome['calls'] = [];
  const handlers: TaskHandlers = Object.fromEntries(GLUE_TASKS.map(task => [task, async (taskInput: Json) => {
    calls.push({ task, input: taskInput });
    const error = failing[task];
    if (error) throw error;
    return TASK_RESULTS[task];
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

  test('a failed run fails the execution with the Glue cause', async () => {
    const outcome = await execute({ fromRunId: FROM, toRunId: TO }, { ReprocessWindow: failedRun() });

    expect(outcome.failure).toEqual({ error: REPROCESS_RUN_ERROR, cause: expect.stringContaining(FAILED_RUN_CAUSE) });
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

  test('a failed run after the reset fails the execution with the Glue cause', async () => {
    const outcome = await execute({ rewindToRunId: FROM, startRun: true }, { RunAfterRewind: failedRun() });

    expect(outcome.failure).toEqual({ error: REPROCESS_RUN_ERROR, cause: expect.stringContaining(FAILED_RUN_CAUSE) });
    expect(outcome.calls.map(c => c.task)).toEqual(['ResetBookmark', 'RunAfterRewind']);
    expect(outcome.states.at(-1)).toBe('RunFailed');
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
