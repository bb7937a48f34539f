import { Duration, Names, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../private/nag';
import { consoleLink } from '../private/run-failure';

/** The largest event pattern EventBridge accepts by default, in characters. */
export const EVENT_PATTERN_LIMIT = 2_048;
/**
 * The characters the job names of one rule may take: the limit less the fixed part of the pattern
 * (source, detail type, states: under 150 characters) and a margin.
 */
const JOB_NAMES_BUDGET = EVENT_PATTERN_LIMIT - 248;
/** The size a job name whose value is unknown at synth time may take (Glue's maximum). */
const UNKNOWN_NAME_SIZE = 255;
/**
 * The run states that notify: the run did not succeed and was not stopped on purpose. Glue sends
 * `Glue Job State Change` events for SUCCEEDED, FAILED, TIMEOUT and STOPPED only
 * (https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html): a
 * pattern on ERROR would never match.
 */
export const FAILED_RUN_STATES = ['FAILED', 'TIMEOUT'];

interface RuleSlot {
  readonly rule: events.Rule;
  size: number;
}

/**
 * Failure notification rules shared by the jobs of a stack: one rule per topic while the job names
 * fit in one event pattern, another rule when they no longer do.
 */
export class FailureNotifications extends Construct {
  private readonly slots = new Map<sns.ITopic, RuleSlot[]>();
  private readonly _rules: events.Rule[] = [];
  private deadLetters?: sqs.Queue;


  public get rules(): events.Rule[] {
    return [...this._rules];
  }

  /** Routes failed runs of `jobName` to `topic`. */
  public add(jobName: string, topic: sns.ITopic): void {
    const size = (Token.isUnresolved(jobName) ? UNKNOWN_NAME_SIZE : JSON.stringify(jobName).length) + 1;
    let slots = this.slots.get(topic);
    if (!slots) {
      slots = [];
      this.slots.set(topic, slots);
    }
    let slot = slots[slots.length - 1];
    if (!slot || slot.size + size > JOB_NAMES_BUDGET) {
      slot = { rule: this.createRule(topic, slots.length), size: 0 };
      slots.push(slot);
    }
    slot.rule.addEventPattern({ detail: { jobName: [jobName] } });
    slot.size += size;
  }

  private createRule(topic: sns.ITopic, index: number): events.Rule {
    const id = `${Names.nodeUniqueId(topic.node)}${index === 0 ? '' : index + 1}`;
    const rule = new events.Rule(this, id, {
      description: 'Notifies when a Glue job run fails or times out (cdk-glue-lake)',
      eventPattern: {
        source: ['aws.glue'],
        detailType: ['Glue Job State Change'],
        detail: { state: FAILED_RUN_STATES },
      },
    });
    const field = (path: string) => events.EventField.fromPath(`$.detail.${path}`);
    rule.addTarget(new targets.SnsTopic(topic, {
      deadLetterQueue: this.deadLetterQueueOnce(),
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
      // Glue's `detail.message` is Spark's error text, which can quote a row or a value that failed to cast: the
      // message names the run and links to its page in the Glue console (readable by whom IAM lets read the run).
      message: events.RuleTargetInput.fromText(
        `Glue job ${field('jobName')} run ${field('jobRunId')} ended in state ${field('state')} `
        + `at ${events.EventField.time} in ${events.EventField.region}. `
        + 'Its error message is not included (it can quote data): read it on the run\'s page, '
        + consoleLink(events.EventField.region, field('jobName'), field('jobRunId')),
      ),
    }));
    this._rules.push(rule);
    return rule;
  }

  private deadLetterQueueOnce(): sqs.Queue {
    if (!this.deadLetters) {
      this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const reason = 'This queue is itself the dead-letter queue of the failure notification rules; a dead-letter queue of a dead-letter queue would only move the same messages again.';
      acknowledgeNag(this.deadLetters, { id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
    }
    return this.deadLetters;
  }
}
