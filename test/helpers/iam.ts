import { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';

/**
 * The statements of a role's identity policies in a synthesized template: its inline policies
 * (`AWS::IAM::Role` `Policies`), the `AWS::IAM::Policy` resources attached to it (aws-cdk-lib's
 * `DefaultPolicy`) and, with `managed`, the customer-managed policies of the template it has in
 * `ManagedPolicyArns`.
 */
export function roleStatements(template: Template | any, role: iam.IRole, options: { managed?: boolean } = {}): any[] {
  const resources: Record<string, any> = (typeof template.toJSON === 'function' ? template.toJSON() : template).Resources ?? {};
  const roleId = Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement);
  return statementsOfRoleId(resources, roleId, options);
}

/** The same, for the role with this logical id. */
export function statementsOfRoleId(resources: Record<string, any>, roleId: string, options: { managed?: boolean } = {}): any[] {
  const role = resources[roleId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`no role ${roleId} in the template`);
  const statements: any[] = [];
  for (const p of role.Properties.Policies ?? []) statements.push(...p.PolicyDocument.Statement);
  for (const resource of Object.values<any>(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    if ((resource.Properties.Roles ?? []).some((r: any) => r?.Ref === roleId)) statements.push(...resource.Properties.PolicyDocument.Statement);
  }
  if (options.managed) {
    for (const arn of role.Properties.ManagedPolicyArns ?? []) {
      const managed = arn?.Ref ? resources[arn.Ref] : undefined;
      if (managed?.Type === 'AWS::IAM::ManagedPolicy') statements.push(...managed.Properties.PolicyDocument.Statement);
    }
  }
  return statements;
}
