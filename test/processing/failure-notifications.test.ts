import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { newStack, onlyResource, script } from './fixtures';
import { GlueJob } from '../../src/processing/glue-job';

// The failure notification's text, as EventBridge renders its input transformer for a Glue event.

/** Reads `$.a.b` out of an event (the paths an input transformer's InputPathsMap uses). */
function at(event: unknown, path: string): unknown {
  return path.replace(/^\$\.?/, '').split('.').filter(Boolean).reduce<any>((value, key) => value?.[key], event);
}

/**
 * Renders an input transformer as EventBridge does for a string template: each `<name>` becomes the value at
 * its path (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
 */
function renderMessage(transformer: { InputPathsMap: Record<string, string>; InputTemplate: string }, event: unknown): string {
  // A text message's template is a JSON string: its text, with each placeholder replaced by the value.
  const template: string = JSON.parse(transformer.InputTemplate);
  return template.replace(/<([A-Za-z0-9_.-]+)>/g, (whole, name: string) =>
    name in transformer.InputPathsMap ? String(at(event, transformer.InputPathsMap[name])) : whole);
}

// Spark's error text can quote a row or a value that failed to cast: a planted e-mail address stands for it.
const PLANTED = 'jane.doe@example.com';
const RUN_ID = 'jr_3c9c24f19d1e60a45c4cc2c3e6d5a3e8b3c1e1c1a2b2c3d3e4f4a5b5c6d6e7f7';
/** A `Glue Job State Change` event of a failed run, shaped as the Glue documentation shows it. */
const FAILED_RUN_EVENT = {
  'version': '0',
  'id': 'abcdef00-1234-5678-9abc-def012345678',
  'detail-type': 'Glue Job State Change',
  'source': 'aws.glue',
  'account': '111111111111',
  'time': '2026-11-21T10:21:40Z',
  'region': 'eu-west-1',
  'resources': [],
  'detail': {
    jobName: 'orders-to-silver',
    severity: 'ERROR',
    state: 'FAILED',
    jobRunId: RUN_ID,
    message: `SparkNumberFormatException: The value '${PLANTED}' of the type "STRING" cannot be cast to "INT"`,
  },
};

function failureTransformer() {
  const stack = newStack();
  const topic = new sns.Topic(stack, 'Alerts', { enforceSSL: true });
  new GlueJob(stack, 'A', { script: script(), jobName: 'orders-to-silver', failureTopic: topic });
  return onlyResource(Template.fromStack(stack), 'AWS::Events::Rule').props.Targets[0].InputTransformer;
}

describe('failure notification message', () => {
  test('names the job, the run id, its state, when and where, and links to the run in the Glue console', () => {
    expect(renderMessage(failureTransformer(), FAILED_RUN_EVENT)).toBe(
      `Glue job orders-to-silver run ${RUN_ID} ended in state FAILED at 2026-11-21T10:21:40Z in eu-west-1. `
      + 'Its error message is not included (it can quote data): read it on the run\'s page, '
      + `https://eu-west-1.console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/orders-to-silver/run/${RUN_ID}`);
  });

  test('a value planted in Glue\'s error message does not reach the message: the template takes no detail.message', () => {
    const input = failureTransformer();
    expect(renderMessage(input, FAILED_RUN_EVENT)).not.toContain(PLANTED);
    expect(Object.values(input.InputPathsMap)).not.toContain('$.detail.message');
  });
});
