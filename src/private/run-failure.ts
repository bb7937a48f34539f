import { Aws } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/**
 * The start of the cause kept for a Glue error that names no run (a refused start, a cause that is not the
 * run's JSON); the error name follows in parentheses.
 */
export const RUN_ERROR_CAUSE_PREFIX = 'The Glue job run failed or could not be started; its error text is not kept (it can quote data): '
  + 'read it in the execution history or the job run';

/**
 * The Glue console page of a job run, as a `States.Format` template over region, region, job name, run id.
 * The console's URLs are not documented: this is the form the Glue Studio console uses for a run's page.
 */
export const CONSOLE_LINK_TEMPLATE = 'https://{}.console.aws.amazon.com/gluestudio/home?region={}#/job/{}/run/{}';

/** The Glue console page of a job run, for an EventBridge input template or a test. */
export function consoleLink(region: string, jobName: string, runId: string): string {
  return `https://${region}.console.aws.amazon.com/gluestudio/home?region=${region}#/job/${jobName}/run/${runId}`;
}

/**
 * Parameters of a Pass state that put what a console link needs beside a run (`run`: its `Id` and
 * `JobRunState`), for {@link describeRun}.
 */
export function runFacts(jobName: string, run: unknown, error?: string): { [key: string]: unknown } {
  return {
    ...(error === undefined ? { Error: sfn.JsonPath.stringAt('$.failure.Error') } : { Error: error }),
    run,
    region: Aws.REGION,
    jobName,
  };
}

/** A `States.Format` of `text` (two `{}`: run id and state) followed by the run's console link, over {@link runFacts} at `$.failure`. */
export function describeRun(text: string, ...extra: string[]): string {
  const at = (path: string) => sfn.JsonPath.stringAt(`$.failure.${path}`);
  return sfn.JsonPath.format(`${text}: ${CONSOLE_LINK_TEMPLATE}`,
    at('run.Id'), at('run.JobRunState'), ...extra.map(at), at('region'), at('region'), at('jobName'), at('run.Id'));
}

export interface RunFailureProps {
  /** The Glue job's name. */
  readonly jobName: string;
  /** Where the failure (`$.failure`: Error and Cause, the Glue text dropped) goes next. */
  readonly next: sfn.IChainable;
}

/**
 * The target of a Catch (`resultPath: '$.failure'`) of a `glue:startJobRun.sync` task: replaces Glue's cause,
 * which for a failed or timed-out run is the job run as JSON with Spark's `ErrorMessage` (it can quote a row or
 * a value that failed to cast), by the run id, its state, the error name and a console link. The error name is
 * kept as it was. A cause that is not a job run's JSON (a refused start, an API error) is replaced by a fixed
 * text naming the error.
 *
 * The run's JSON is parsed only when it is an object whose top level names `"Id":"jr_` and `"JobRunState":"`
 * (quotes inside a JSON string are escaped, so error text cannot fake them): `States.StringToJson` runs in a
 * Pass state, which has no Catch, so input it cannot parse would end the execution before the failure is recorded.
 *
 * The job name is not URL-encoded in the link (Glue job names may hold spaces or `#`; the library's own are
 * letters, digits and `-`). Glue does not document its console's URLs: the link has the form the console uses.
 */
export function describeRunFailure(scope: Construct, props: RunFailureProps): sfn.Choice {
  const omitted = new sfn.Pass(scope, 'OmitRunErrorText', {
    comment: 'The cause is not a job run: only the error name is kept.',
    parameters: {
      Error: sfn.JsonPath.stringAt('$.failure.Error'),
      Cause: sfn.JsonPath.format(`${RUN_ERROR_CAUSE_PREFIX} ({})`, sfn.JsonPath.stringAt('$.failure.Error')),
    },
    resultPath: '$.failure',
  }).next(props.next);
  const read = new sfn.Pass(scope, 'ReadFailedRun', {
    comment: 'Parses the job run out of the cause; the cause itself is dropped.',
    parameters: runFacts(props.jobName, sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.failure.Cause'))),
    resultPath: '$.failure',
  });
  const describe = new sfn.Pass(scope, 'DescribeFailedRun', {
    comment: 'Keeps the run id, its state, the error name and the console link; drops the run and its error text.',
    parameters: {
      Error: sfn.JsonPath.stringAt('$.failure.Error'),
      Cause: describeRun('The Glue job run {} ended in state {} ({})', 'Error'),
    },
    resultPath: '$.failure',
  });
  read.next(describe).next(props.next);
  const cause = '$.failure.Cause';
  // One rule per test, in order (a test of a missing or non-string field is a runtime error).
  return new sfn.Choice(scope, 'DescribeRunError')
    .when(sfn.Condition.not(sfn.Condition.isPresent(cause)), omitted)
    .when(sfn.Condition.not(sfn.Condition.isString(cause)), omitted)
    .when(sfn.Condition.and(
      sfn.Condition.stringMatches(cause, '{*}'),
      sfn.Condition.stringMatches(cause, '*"Id":"jr_*'),
      sfn.Condition.stringMatches(cause, '*"JobRunState":"*'),
    ), read)
    .otherwise(omitted);
}
