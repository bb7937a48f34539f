import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { compactIntrinsics } from './compact-intrinsics';
import { Described, LakeValidationError } from './errors';

/**
 * IAM's limit on the total size of a role's inline policies, in characters without whitespace
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
 */
export const ROLE_INLINE_POLICY_LIMIT = 10_240;

/**
 * IAM's default quota of managed policies attached to a role (adjustable up to 20)
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
 */
export const ROLE_MANAGED_POLICY_LIMIT = 10;
/** The most managed policies IAM attaches to a role with a raised quota. */
export const ROLE_MANAGED_POLICY_MAXIMUM = 20;
/** The warning for a role past the default quota (deployable only with a raised quota). */
export const ROLE_MANAGED_POLICY_WARNING = 'cdk-glue-lake:managedPolicyQuota';

/** Where an oversized role's validation error points: the construct and prop of its owner. */
export interface InlinePolicyRoleOwner {
  /** The construct (e.g. the job) the role belongs to: named in the error. */
  readonly scope: Construct;
  /** The construct's class name in the error. */
  readonly constructName: string;
}

/**
 * A role whose grants go into one policy inline in the role (`AWS::IAM::Role` `Policies`) instead of
 * aws-cdk-lib's separate `DefaultPolicy` (`AWS::IAM::Policy`): the same document on the same one
 * role, one CloudFormation resource fewer per role, and statements merged where that keeps the same
 * (action, resource, condition) triples (`minimize`: statements without a `Sid` that share their
 * actions or their resources and their condition).
 *
 * aws-cdk-lib splits an oversized `DefaultPolicy` into managed policies; an inline policy cannot be
 * split, so its size is checked at synthesis against IAM's 10,240-character limit for a role's
 * inline policies (references counted as they appear in the template, which is close to the ARNs
 * they resolve to): the error names the owner, rather than CloudFormation failing at deployment.
 */
export class InlinePolicyRole extends iam.Role {
  /** The inline policy's document: every statement `addToPrincipalPolicy` receives. */
  public readonly inlineDocument: iam.PolicyDocument;

  constructor(scope: Construct, id: string, props: iam.RoleProps, owner?: InlinePolicyRoleOwner) {
    const document = new iam.PolicyDocument({ minimize: true });
    super(scope, id, { ...props, inlinePolicies: { ...(props.inlinePolicies ?? {}), Grants: document } });
    this.inlineDocument = document;
    const o = owner ?? { scope: this, constructName: 'Role' };
    // ARNs built from references are written as Fn::Sub (compactJoins): the same policy in fewer bytes.
    // The size is measured where the policies are resolved anyway (no resolution of its own), on the
    // joins: closer to the resolved ARNs IAM counts than the template's shorter substitutions.
    const cfnRole = this.node.defaultChild as iam.CfnRole;
    cfnRole.policies = compactIntrinsics(cfnRole.policies, resolved => {
      const size = JSON.stringify(resolved ?? []).length;
      if (size > ROLE_INLINE_POLICY_LIMIT) {
        throw new LakeValidationError(o.scope, o.constructName, 'grants', new Described(`a role policy of about ${size} characters`),
          `at most ${ROLE_INLINE_POLICY_LIMIT} characters, IAM's limit for a role's inline policies: split the work into several jobs or grant whole prefixes instead of many small ones`);
      }
    });
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const managed = (Stack.of(this).resolve((this.node.defaultChild as iam.CfnRole).managedPolicyArns) ?? []).length;
        const why = '(each layer a job reads or writes a prefix of adds one, and the shared job policy one): '
          + 'remove managed policies added to the role, or split the job';
        if (managed > ROLE_MANAGED_POLICY_MAXIMUM) {
          errors.push(new LakeValidationError(o.scope, o.constructName, 'grants', new Described(`${managed} managed policies on its role`),
            `at most ${ROLE_MANAGED_POLICY_MAXIMUM}, the most IAM allows on a role even with a raised quota ${why}`).message);
        } else if (managed > ROLE_MANAGED_POLICY_LIMIT) {
          // Deployable only in an account whose quota was raised: a warning, not an error.
          Annotations.of(o.scope).addWarningV2(ROLE_MANAGED_POLICY_WARNING,
            `${o.constructName} at '${o.scope.node.path}': its role has ${managed} managed policies, over IAM's default quota of ${ROLE_MANAGED_POLICY_LIMIT} `
            + `per role; the deployment fails unless the account's quota was raised (up to ${ROLE_MANAGED_POLICY_MAXIMUM}) ${why}.`);
        }
        return errors;
      },
    });
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.inlineDocument.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }
}

/**
 * The execution role of one of the library's Lambda functions: the AWS managed basic execution
 * policy (its log group) and every grant inline (`InlinePolicyRole`), instead of aws-cdk-lib's
 * default role and its separate `DefaultPolicy`.
 */
export function lambdaExecutionRole(scope: Construct, id: string, description: string, roleName?: string): InlinePolicyRole {
  return new InlinePolicyRole(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
    description,
    roleName,
  });
}
