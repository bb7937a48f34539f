import {
  GetJobCommand, GetJobRunCommand, GetTagsCommand, GlueClient, GlueServiceException, ListJobsCommand, StartJobRunCommand,
  type JobRunState,
} from '@aws-sdk/client-glue';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { runCli } from '../../src/cli/cli';
import type { AwsClients, CliDependencies, ClientOptions, Clock } from '../../src/cli/context';

// The SDK's notice about the Node versions of its future releases (the CLI's entry point silences it too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** 2026-05-01T10:00:00Z: every test starts at the same virtual time. */
export const T0 = Date.parse('2026-05-01T10:00:00Z');
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
/** A job role in the account: what CDK gives a Glue job. */
export const JOB_ROLE = `arn:aws:iam::${ACCOUNT}:role/lake-GlueJobRole`;

/** A clock whose `sleep` advances the time at once, and remembers how long it slept. */
export class VirtualClock implements Clock {
  public readonly sleeps: number[] = [];

  public constructor(public time = T0) {}

  public now(): number {
    return this.time;
  }

  public sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }

  /** Seconds since T0. */
  public get elapsedSeconds(): number {
    return (this.time - T0) / 1000;
  }
}

/** An AWS error as the SDK throws it (`name` is the error code). */
export function awsError(name: string, message: string): GlueServiceException {
  return new GlueServiceException({
    name,
    message,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

/** A Glue job of the fake: its run's states by seconds since its start. */
export interface FakeJob {
  /** `[seconds since the start, state]`, in order; the run is STARTING before the first. @default - RUNNING at once, SUCCEEDED after 60s */
  readonly timeline?: ReadonlyArray<readonly [number, JobRunState]>;
  /** Glue's ErrorMessage of a run that did not succeed. */
  readonly errorMessage?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** StartJobRun fails with this error name. */
  readonly startError?: string;
  /** What Glue says about the run's duration (CompletedOn - StartedOn), when it differs from the timeline. */
  readonly reportedSeconds?: number;
  /** Glue's `Job.Role`. @default JOB_ROLE */
  readonly role?: string;
}

/**
 * A Glue service behind a real `GlueClient` (aws-sdk-client-mock): ListJobs filtered by tags and
 * paginated, GetJob, StartJobRun, GetJobRun following each job's timeline on the virtual clock, GetTags.
 */
export class FakeGlue {
  public readonly client = new GlueClient({
    region: REGION,
    credentials: {
      accessKeyId: 'fake',
      secretAccessKey: 'fake',
    },
  });
  public readonly mock: AwsClientStub<GlueClient>;
  /** Run id -> job and start time. */
  public readonly runs = new Map<string, { job: string; startedAt: number }>();

  public constructor(
    private readonly clock: VirtualClock,
    public readonly jobs: Record<string, FakeJob> = {},
    private readonly pageSize = 100,
  ) {
    this.mock = mockClient(this.client);
    this.mock.on(ListJobsCommand).callsFake(input => {
      const wanted = Object.entries(input.Tags ?? {});
      const names = Object.keys(this.jobs).filter(name => wanted.every(([k, v]) => this.jobs[name].tags?.[k] === v));
      const from = input.NextToken ? Number(input.NextToken.replace('page-', '')) : 0;
      const to = from + this.pageSize;
      return {
        JobNames: names.slice(from, to),
        NextToken: to < names.length ? `page-${to}` : undefined,
      };
    });
    this.mock.on(GetJobCommand).callsFake(input => {
      const job = this.job(input.JobName!);
      return {
        Job: {
          Name: input.JobName,
          Role: job.role ?? JOB_ROLE,
        },
      };
    });
    this.mock.on(StartJobRunCommand).callsFake(input => {
      const job = this.job(input.JobName!);
      if (job.startError) throw awsError(job.startError, `${job.startError} for ${input.JobName} (test)`);
      const runId = `jr_${input.JobName!.replace(/[^A-Za-z0-9]/g, '')}${this.runs.size + 1}`;
      this.runs.set(runId, {
        job: input.JobName!,
        startedAt: this.clock.now(),
      });
      return { JobRunId: runId };
    });
    this.mock.on(GetJobRunCommand).callsFake(input => this.jobRun(input.JobName!, input.RunId!));
    this.mock.on(GetTagsCommand).callsFake(input => {
      const match = /^arn:aws:glue:([a-z0-9-]+):(\d{12}):job\/(.+)$/.exec(input.ResourceArn ?? '');
      if (!match || match[1] !== REGION || match[2] !== ACCOUNT) throw awsError('EntityNotFoundException', `no resource ${input.ResourceArn}`);
      return { Tags: { ...this.job(match[3]).tags } };
    });
  }

  /** Started runs of a job, in order. */
  public runIds(job: string): string[] {
    return [...this.runs].filter(([, run]) => run.job === job).map(([id]) => id);
  }

  private job(name: string): FakeJob {
    const job = this.jobs[name];
    if (!job) throw awsError('EntityNotFoundException', `Job ${name} not found (test)`);
    return job;
  }

  private jobRun(jobName: string, runId: string) {
    const run = this.runs.get(runId);
    if (!run || run.job !== jobName) throw awsError('EntityNotFoundException', `Job run ${runId} not found (test)`);
    const job = this.job(jobName);
    const seconds = (this.clock.now() - run.startedAt) / 1000;
    const timeline = job.timeline ?? [[0, 'RUNNING'], [60, 'SUCCEEDED']];
    let state: JobRunState = 'STARTING';
    let changedAt = 0;
    for (const [at, next] of timeline) {
      if (seconds >= at) {
        state = next;
        changedAt = at;
      }
    }
    const over = ['SUCCEEDED', 'FAILED', 'ERROR', 'TIMEOUT', 'STOPPED', 'EXPIRED'].includes(state);
    const startedOn = new Date(run.startedAt);
    return {
      JobRun: {
        Id: runId,
        JobName: jobName,
        JobRunState: state,
        StartedOn: startedOn,
        CompletedOn: over ? new Date(run.startedAt + (job.reportedSeconds ?? changedAt) * 1000) : undefined,
        ErrorMessage: over && state !== 'SUCCEEDED' ? job.errorMessage : undefined,
      },
    };
  }
}

/** A Step Functions client whose calls a test stubs. */
export function mockSfn(): { client: SFNClient; mock: AwsClientStub<SFNClient> } {
  const client = new SFNClient({
    region: REGION,
    credentials: {
      accessKeyId: 'fake',
      secretAccessKey: 'fake',
    },
  });
  return {
    client,
    mock: mockClient(client),
  };
}

/** One CLI invocation: its exit code and what it wrote. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface HarnessOptions {
  readonly jobs?: Record<string, FakeJob>;
  readonly pageSize?: number;
  readonly isTTY?: boolean;
  readonly env?: Record<string, string | undefined>;
  readonly profileRegion?: string;
  /** What the credentials say about their account. */
  readonly accountId?: string;
}

/** The CLI with a fake Glue, a stubbed Step Functions, a virtual clock and captured output. */
export class CliHarness {
  public readonly clock = new VirtualClock();
  public readonly glue: FakeGlue;
  public readonly sfn = mockSfn();
  /** The options of every `createClients` call. */
  public readonly clientOptions: ClientOptions[] = [];
  /** The profiles whose region was asked for. */
  public readonly profileLookups: Array<string | undefined> = [];
  public readonly deps: CliDependencies;

  public constructor(options: HarnessOptions = {}) {
    this.glue = new FakeGlue(this.clock, options.jobs ?? {}, options.pageSize);
    this.deps = {
      createClients: clientOptions => {
        this.clientOptions.push(clientOptions);
        const clients: AwsClients = {
          glue: this.glue.client,
          sfn: this.sfn.client,
          accountId: async () => options.accountId,
        };
        return clients;
      },
      profileRegion: async profile => {
        this.profileLookups.push(profile);
        return options.profileRegion;
      },
      env: options.env ?? { AWS_REGION: REGION },
      stdout: () => undefined,
      stderr: () => undefined,
      isTTY: options.isTTY ?? false,
      clock: this.clock,
      pollIntervalMs: 15_000,
      version: '1.2.3',
    };
  }

  /** Runs the CLI with `argv` (after the program name). */
  public async run(argv: readonly string[]): Promise<CliResult> {
    return runCapturing(argv, this.deps);
  }

}

/** The lines of a text that contain `part`. */
/** Runs the CLI with `deps`, capturing what it writes to stdout and stderr. */
export async function runCapturing(argv: readonly string[], deps: CliDependencies): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    ...deps,
    stdout: text => {
      stdout += text;
    },
    stderr: text => {
      stderr += text;
    },
  });
  return {
    code,
    stdout,
    stderr,
  };
}

export function linesWith(text: string, part: string): string[] {
  return text.split('\n').filter(line => line.includes(part));
}
