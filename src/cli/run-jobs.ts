/**
 * `cdk-glue-lake run-jobs`: starts Glue jobs selected by tag or by name, follows their runs and
 * fails (exit 1) unless every run succeeded within the limits.
 */
import { GetJobCommand, GetJobRunCommand, ListJobsCommand, StartJobRunCommand, type GlueClient, type JobRun } from '@aws-sdk/client-glue';
import { EXIT_FAILED, EXIT_OK, type RunJobsOptions } from './args';
import { awsErrorBeforeStart, clientsFor, CliError, describeError, type CliDependencies } from './context';
import { formatTable, LiveBlock, Styler, timestamp, type Tone } from './output';
import { formatDurationText } from '../private/duration-text';
import { errorName, mapWithConcurrency } from '../private/handler-runtime';

/** Glue calls in flight at once (GetJob, StartJobRun, GetJobRun). */
const CALL_CONCURRENCY = 10;
/** A run whose state cannot be read this many times in a row is given up. */
const MAX_POLL_ERRORS = 3;
/** Plain (not a terminal) output: a line per running job every this many seconds of its run. */
const HEARTBEAT_SECONDS = 60;

/** Glue states after which a run does not change any more. */
const TERMINAL_STATES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'ERROR', 'TIMEOUT', 'STOPPED', 'EXPIRED']);

/** One selected job and what became of its run. */
interface Tracked {
  readonly job: string;
  runId?: string;
  /** The last Glue state seen (`-` when not started). */
  state: string;
  /** Local time the run was started. */
  startedAt?: number;
  /** Still followed. */
  active: boolean;
  passed: boolean;
  /** What the summary says: `passed`, `failed: ...`, `not started: ...`. */
  result?: string;
  /** Seconds: the run's duration when over, the time followed when given up. */
  durationSeconds?: number;
  /** Given up while it may still be running (over --max-duration, --timeout, state unreadable). */
  mayBeRunning: boolean;
  pollErrors: number;
  /** Plain output: the last heartbeat, in whole `HEARTBEAT_SECONDS` since the start. */
  heartbeat: number;
}

/** Runs the command; returns the exit code. Throws `CliError` (exit 2) before any run started. */
export async function runJobs(options: RunJobsOptions, deps: CliDependencies): Promise<number> {
  const { region, clients } = await clientsFor('run-jobs', options, deps);
  const glue = clients.glue;
  const jobs = options.tag ? await jobsByTag(glue, options, region) : await jobsByName(glue, options, region, options.jobs ?? []);
  return new JobRunner(glue, jobs, options, region, deps).run();
}

async function jobsByTag(glue: GlueClient, options: RunJobsOptions, region: string): Promise<string[]> {
  const { key, value } = options.tag!;
  const tagText = `${key}=${value}`;
  const names: string[] = [];
  const seenTokens = new Set<string>();
  let token: string | undefined;
  try {
    do {
      const page = await glue.send(new ListJobsCommand({
        Tags: { [key]: value },
        NextToken: token,
      }));
      names.push(...page.JobNames ?? []);
      token = page.NextToken || undefined;
      if (token !== undefined && seenTokens.has(token)) break;
      if (token !== undefined) seenTokens.add(token);
    } while (token !== undefined);
  } catch (error) {
    throw awsErrorBeforeStart(error, `could not list the Glue jobs with tag ${tagText} in ${region}`, options);
  }
  if (names.length === 0) {
    throw new CliError(`no Glue job in ${region} has the tag ${tagText}: nothing to run (check the tag, the region and the account)`);
  }
  return [...new Set(names)].sort();
}

async function jobsByName(glue: GlueClient, options: RunJobsOptions, region: string, names: readonly string[]): Promise<string[]> {
  const outcomes = await mapWithConcurrency(names, CALL_CONCURRENCY, async name => {
    try {
      await glue.send(new GetJobCommand({ JobName: name }));
      return { name };
    } catch (error) {
      return { name, error };
    }
  });
  const failure = outcomes.find(o => o.error !== undefined && errorName(o.error) !== 'EntityNotFoundException');
  if (failure) throw awsErrorBeforeStart(failure.error, `could not read the Glue job ${JSON.stringify(failure.name)} in ${region}`, options);
  const unknown = outcomes.filter(o => o.error !== undefined).map(o => o.name);
  if (unknown.length > 0) {
    const jobs = unknown.length === 1 ? 'job' : 'jobs';
    throw new CliError(`unknown Glue ${jobs} in ${region}: ${unknown.join(', ')} (no job started; check the names, the region and the account)`);
  }
  return [...names];
}

/** Starts the runs, follows them, prints progress and the summary. */
class JobRunner {
  private readonly tracked: Tracked[];
  private readonly styler: Styler;
  private readonly live?: LiveBlock;
  private readonly nameWidth: number;
  /** When the runs still going time out (local time). */
  private deadline = Infinity;

  public constructor(
    private readonly glue: GlueClient,
    jobs: readonly string[],
    private readonly options: RunJobsOptions,
    private readonly region: string,
    private readonly deps: CliDependencies,
  ) {
    this.tracked = jobs.map(job => ({
      job,
      state: '-',
      active: false,
      passed: false,
      mayBeRunning: false,
      pollErrors: 0,
      heartbeat: 0,
    }));
    this.styler = new Styler(deps);
    this.live = deps.isTTY ? new LiveBlock(deps.stdout) : undefined;
    this.nameWidth = Math.max(...jobs.map(job => job.length));
  }

  public async run(): Promise<number> {
    const { options, deps } = this;
    const selection = options.tag ? `with tag ${options.tag.key}=${options.tag.value}` : 'by name';
    const count = this.tracked.length;
    deps.stdout(`Running ${count} Glue ${count === 1 ? 'job' : 'jobs'} ${selection} in ${this.region}: ${this.tracked.map(t => t.job).join(', ')}\n`);
    const limits = [`timeout ${formatDurationText(options.timeout)}`, `max duration ${options.maxDuration ? formatDurationText(options.maxDuration) : 'none'}`];
    deps.stdout(`Limits: ${limits.join(', ')}; state read every ${formatDurationText(deps.pollIntervalMs / 1000)}\n`);

    await this.startAll();
    this.deadline = deps.clock.now() + options.timeout * 1000;
    await this.follow();
    return this.summarize();
  }

  private async startAll(): Promise<void> {
    await mapWithConcurrency(this.tracked, CALL_CONCURRENCY, async tracked => {
      try {
        const { JobRunId } = await this.glue.send(new StartJobRunCommand({ JobName: tracked.job }));
        if (!JobRunId) throw new Error('StartJobRun returned no JobRunId');
        tracked.runId = JobRunId;
        tracked.state = 'STARTING';
        tracked.startedAt = this.deps.clock.now();
        tracked.active = true;
        this.event(tracked, `started ${JobRunId}`);
      } catch (error) {
        this.finish(tracked, false, `not started: ${describeError(error)}`);
        this.event(tracked, tracked.result!);
      }
    });
    this.redraw();
  }

  private async follow(): Promise<void> {
    const { clock, pollIntervalMs } = this.deps;
    const deadline = this.deadline;
    while (this.active().length > 0) {
      const now = clock.now();
      // Wake up at the next poll, or earlier when a limit expires before it.
      const limits = [deadline, ...this.active().map(t => this.maxDeadline(t))].filter(at => at > now);
      await clock.sleep(Math.min(pollIntervalMs, ...limits.map(at => at - now)));
      await mapWithConcurrency(this.active(), CALL_CONCURRENCY, tracked => this.poll(tracked));
      if (clock.now() >= deadline) {
        for (const tracked of this.active()) {
          this.giveUp(tracked, `timed out after ${formatDurationText(this.options.timeout)} (still ${tracked.state})`);
        }
      }
      this.redraw();
    }
  }

  private maxDeadline(tracked: Tracked): number {
    return this.options.maxDuration === undefined ? Infinity : tracked.startedAt! + this.options.maxDuration * 1000;
  }

  private async poll(tracked: Tracked): Promise<void> {
    try {
      const { JobRun } = await this.glue.send(new GetJobRunCommand({
        JobName: tracked.job,
        RunId: tracked.runId,
      }));
      tracked.pollErrors = 0;
      const state = JobRun?.JobRunState ?? tracked.state;
      const changed = state !== tracked.state;
      tracked.state = state;
      if (TERMINAL_STATES.has(state)) {
        this.ended(tracked, JobRun ?? {});
        return;
      }
      if (changed) {
        this.event(tracked);
      }
    } catch (error) {
      tracked.pollErrors++;
      if (tracked.pollErrors >= MAX_POLL_ERRORS) {
        this.giveUp(tracked, `state unknown: GetJobRun failed ${MAX_POLL_ERRORS} times: ${describeError(error)}`);
        return;
      }
      this.event(tracked, `could not read the run (will retry): ${describeError(error)}`);
    }
    const elapsed = this.elapsed(tracked);
    if (this.deps.clock.now() >= this.maxDeadline(tracked)) {
      this.giveUp(tracked, `over max duration: still ${tracked.state} after ${formatDurationText(elapsed)}`);
      return;
    }
    const beat = Math.floor(elapsed / HEARTBEAT_SECONDS);
    // (no heartbeat at the deadline: the time-out line follows)
    if (beat > tracked.heartbeat && this.deps.clock.now() < this.deadline) {
      tracked.heartbeat = beat;
      this.event(tracked);
    }
  }

  /** A run that reached a terminal state. */
  private ended(tracked: Tracked, run: JobRun): void {
    const started = run.StartedOn?.getTime();
    const completed = run.CompletedOn?.getTime();
    tracked.durationSeconds = started !== undefined && completed !== undefined ? Math.max(0, (completed - started) / 1000) : this.elapsed(tracked);
    const max = this.options.maxDuration;
    if (tracked.state !== 'SUCCEEDED') {
      this.finish(tracked, false, `failed: ${oneLine(run.ErrorMessage) || `the run ended ${tracked.state} (no error message)`}`);
    } else if (max !== undefined && tracked.durationSeconds > max) {
      this.finish(tracked, false, `over max duration: ${formatDurationText(tracked.durationSeconds)} > ${formatDurationText(max)}`);
    } else {
      this.finish(tracked, true, 'passed');
    }
    this.event(tracked, tracked.result);
  }

  /** Stops following a run that may still be running. */
  private giveUp(tracked: Tracked, result: string): void {
    tracked.durationSeconds = this.elapsed(tracked);
    tracked.mayBeRunning = true;
    this.finish(tracked, false, result);
    this.event(tracked, result);
  }

  private finish(tracked: Tracked, passed: boolean, result: string): void {
    tracked.active = false;
    tracked.passed = passed;
    tracked.result = result;
  }

  private active(): Tracked[] {
    return this.tracked.filter(t => t.active);
  }

  /** Seconds since the run was started (locally measured). */
  private elapsed(tracked: Tracked): number {
    return tracked.startedAt === undefined ? 0 : Math.max(0, (this.deps.clock.now() - tracked.startedAt) / 1000);
  }

  /** The duration column: the run's duration when over, else the time since its start. */
  private durationText(tracked: Tracked): string {
    if (tracked.startedAt === undefined) return '-';
    return formatDurationText(tracked.durationSeconds ?? this.elapsed(tracked));
  }

  private tone(tracked: Tracked): Tone {
    if (tracked.active) return 'busy';
    return tracked.passed ? 'good' : 'bad';
  }

  /** Plain output: one timestamped line (`<time>  <job>  <state>  <elapsed>  <note>`). A terminal gets the redrawn block instead. */
  private event(tracked: Tracked, note?: string): void {
    if (this.live) return;
    const time = timestamp(this.deps.clock.now());
    const cells = [time, tracked.job.padEnd(this.nameWidth), tracked.state.padEnd(9), this.durationText(tracked).padEnd(7)];
    if (note) cells.push(note);
    this.deps.stdout(`${cells.join('  ').trimEnd()}\n`);
  }

  /** Terminal output: one line per job (`<job>  <state>  <elapsed>  <result>`), redrawn in place. */
  private redraw(): void {
    if (!this.live) return;
    this.live.draw(this.tracked.map(tracked => {
      const state = this.styler.paint(tracked.state.padEnd(9), this.tone(tracked));
      const note = tracked.result ?? tracked.runId ?? '';
      return `${tracked.job.padEnd(this.nameWidth)}  ${state}  ${this.durationText(tracked).padEnd(7)}  ${note}`.trimEnd();
    }));
  }

  private summarize(): number {
    const { deps } = this;
    const rows = this.tracked.map(t => [t.job, t.runId ?? '-', t.state, this.durationText(t), t.result ?? '']);
    const table = formatTable(['JOB', 'RUN ID', 'STATE', 'DURATION', 'RESULT'], rows, (row, column, padded) => {
      return column === 2 || column === 4 ? this.styler.paint(padded, this.tone(this.tracked[row])) : padded;
    });
    const passed = this.tracked.filter(t => t.passed).length;
    const failed = this.tracked.length - passed;
    const total = this.tracked.length;
    deps.stdout(`\n${table}${total} ${total === 1 ? 'job' : 'jobs'}: ${passed} passed, ${failed} failed\n`);
    this.stopHint();
    return failed === 0 ? EXIT_OK : EXIT_FAILED;
  }

  /** The CLI may not stop runs (the pipeline role can only list, start and read): say how to. */
  private stopHint(): void {
    const runs = this.tracked.filter(t => t.mayBeRunning && t.runId);
    if (runs.length === 0) return;
    const profile = this.options.profile ? ` --profile ${this.options.profile}` : '';
    const lines = [
      '',
      `${runs.length === 1 ? 'This run' : 'These runs'} may still be running (${runs.map(t => t.runId).join(', ')}); this tool does not stop runs. To stop:`,
      ...runs.map(t => `  aws glue batch-stop-job-run --region ${this.region}${profile} --job-name ${shellWord(t.job)} --job-run-ids ${t.runId}`),
    ];
    this.deps.stdout(`${lines.join('\n')}\n`);
  }
}

function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

/** A job name as one shell word. */
function shellWord(text: string): string {
  return /^[\w.+@:/-]+$/.test(text) ? text : `'${text.replace(/'/g, '\'\\\'\'')}'`;
}
