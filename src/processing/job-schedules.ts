import { createHash } from 'crypto';
import { Lazy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct, IConstruct } from 'constructs';

/**
 * The most jobs one Glue trigger starts: Glue's default quota of jobs per trigger
 * (https://docs.aws.amazon.com/general/latest/gr/glue.html, "Max jobs per trigger": 50).
 */
export const MAX_JOBS_PER_TRIGGER = 50;

/** The construct id of the stack-wide instance. */
const SINGLETON_ID = 'CdkGlueLakeJobSchedules';

interface ScheduledJob {
  readonly jobName: string;
  readonly path: string;
}

/**
 * The scheduled Glue triggers of a stack's jobs: the jobs with the same cron expression share one
 * `SCHEDULED` trigger (a new one every 50 jobs, Glue's quota of jobs per trigger), so a stack
 * pays one CloudFormation resource per schedule rather than one per job. Glue starts each action
 * of a trigger as its own job run.
 */
export class JobSchedules extends Construct {
  /** The stack's instance, created on first use at the stack's root. */
  public static of(scope: IConstruct): JobSchedules {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID);
    if (existing) return existing as JobSchedules;
    return new JobSchedules(stack, SINGLETON_ID);
  }

  private readonly triggers = new Map<string, Array<{ trigger: glue.CfnTrigger; jobs: ScheduledJob[] }>>();

  /** Starts the job on the Glue cron expression `cron`; returns the trigger that starts it. */
  public add(cron: string, jobName: string, path: string): glue.CfnTrigger {
    const groups = this.triggers.get(cron) ?? [];
    this.triggers.set(cron, groups);
    let group = groups[groups.length - 1];
    if (!group || group.jobs.length >= MAX_JOBS_PER_TRIGGER) {
      const jobs: ScheduledJob[] = [];
      const id = `Schedule${createHash('sha256').update(cron).digest('hex').slice(0, 8).toUpperCase()}${groups.length === 0 ? '' : `Part${groups.length + 1}`}`;
      const trigger = new glue.CfnTrigger(this, id, {
        type: 'SCHEDULED',
        schedule: cron,
        startOnCreation: true,
        description: Lazy.string({
          produce: () => `Starts on ${cron} the Glue job${jobs.length === 1 ? '' : 's'} ${describe(jobs.map(j => j.path))}`,
        }),
        actions: Lazy.any({ produce: () => jobs.map(j => ({ jobName: j.jobName })) }),
      });
      group = { trigger, jobs };
      groups.push(group);
    }
    group.jobs.push({ jobName, path });
    return group.trigger;
  }
}

/** The jobs' paths, within Glue's 2,048 bytes of trigger description. */
function describe(paths: string[]): string {
  const text = paths.join(', ');
  if (text.length <= 1900) return text;
  return `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
}
