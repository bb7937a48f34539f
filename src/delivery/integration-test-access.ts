import { Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { StageIntegrationTest } from './stage-config';
import { acknowledgeNag } from '../private/nag';

/** Properties of the stack that holds a stage's integration test role. */
export interface IntegrationTestAccessProps extends StackProps {
  /** The role's name (known to the pipeline account before deployment). */
  readonly roleName: string;
  /** The ARN of the pipeline's integration test step role: the only principal that may assume the role. */
  readonly trustedRoleArn: string;
  /** The pipeline's account. */
  readonly pipelineAccount: string;
  /** Which jobs the test runs. */
  readonly test: StageIntegrationTest;
}

/**
 * The role the delivery pipeline's integration test step assumes in a stage's account. Deployed
 * with the stage (in the stage's account and region), it trusts only the step role of the
 * pipeline account (`aws:PrincipalArn`), and may only list jobs, start them and read their runs:
 *
 * - jobs selected by name: `glue:GetJob`, `StartJobRun`, `GetJobRun`, `GetJobRuns` on exactly
 *   those jobs;
 * - jobs selected by tag: `glue:ListJobs` (which has no resource-level permission and returns
 *   names only), and the same four actions on jobs of the stage's account and region that carry
 *   the tag (`aws:ResourceTag` condition).
 *
 * IAM cannot condition `glue:StartJobRun` on the run's arguments, so the role may pass any. A
 * `GlueJob` pins the arguments that choose its code, temporary directory, logs and catalog
 * (`NonOverridableArguments`: Glue ignores a run's value for those keys); a run may still pass the
 * job's own arguments, its locations and the bookmark option, within what the job's role may do.
 */
export class IntegrationTestAccess extends Stack {
  /** The role the test step assumes. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: IntegrationTestAccessProps) {
    super(scope, id, props);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: 'Lets the lake delivery pipeline run this stage\'s Glue jobs for its integration test: list, start and read runs only',
      assumedBy: new iam.AccountPrincipal(props.pipelineAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': props.trustedRoleArn },
      }),
    });
    const jobArn = (name: string) => this.formatArn({ service: 'glue', resource: 'job', resourceName: name });
    const runActions = ['glue:GetJob', 'glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns'];
    const statements: iam.PolicyStatement[] = [];
    if (props.test.tag) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ListJobsByTag',
          actions: ['glue:ListJobs'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'RunTaggedJobs',
          actions: runActions,
          resources: [jobArn('*')],
          conditions: { StringEquals: { [`aws:ResourceTag/${props.test.tag.key}`]: props.test.tag.value } },
        }),
      );
    } else {
      statements.push(new iam.PolicyStatement({
        sid: 'RunNamedJobs',
        actions: runActions,
        resources: (props.test.jobNames ?? []).map(jobArn),
      }));
    }
    // A managed policy of its own (not inline): reviewers find it by name in the stage's account.
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Integration test of the lake delivery pipeline: list, start and read runs of the stage\'s selected Glue jobs',
      statements,
      roles: [this.role],
    });

    if (props.test.tag) {
      acknowledgeNag(policy,
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'glue:ListJobs has no resource-level permission (it returns job names only); running and reading is limited to the tagged jobs.',
        },
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${this.region}:${this.account}:job/*]`,
          reason: 'The jobs are selected by tag: the statement allows only jobs of this account and region carrying the integration test tag (aws:ResourceTag condition).',
        },
      );
    }
  }
}
