import { Names, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The largest event pattern EventBridge accepts is 4,096 characters; the rules stay under this
 * budget, which leaves room for the fixed part of the pattern.
 */
export const EVENT_PATTERN_BUDGET = 3_500;
/** The size a job name whose value is unknown at synth time may take (Glue's maximum). */
const UNKNOWN_NAME_SIZE = 255;
/** The run states that notify: the run did not succeed and was not stopped on purpose. */
export const FAILED_RUN_STATES = ['FAILED', 'TIMEOUT', 'ERROR'];

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
    if (!slot || slot.size + size > EVENT_PATTERN_BUDGET) {
      slot = { rule: this.createRule(topic, slots.length), size: 0 };
      slots.push(slot);
    }
    slot.rule.addEventPattern({ detail: { jobName: [jobName] } });
    slot.size += size;
  }

  private createRule(topic: sns.ITopic, index: number): events.Rule {
    const id = `${Names.nodeUniqueId(topic.node)}${index === 0 ? '' : index + 1}`;
    const rule = new events.Rule(this, id, {
      description: 'Notifies when a Glue job run fails, times out or errors (cdk-glue-lake)',
      eventPattern: {
        source: ['aws.glue'],
        detailType: ['Glue Job State Change'],
        detail: { state: FAILED_RUN_STATES },
      },
    });
    const field = (path: string) => events.EventField.fromPath(`$.detail.${path}`);
    rule.addTarget(new targets.SnsTopic(topic, {
      message: events.RuleTargetInput.fromText(
        `Glue job ${field('jobName')} run ${field('jobRunId')} ended in state ${field('state')} `
        + `at ${events.EventField.time} in ${events.EventField.region}: ${field('message')}`,
      ),
    }));
    this._rules.push(rule);
    return rule;
  }
}
