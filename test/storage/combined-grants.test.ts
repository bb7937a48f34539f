import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { customersTable } from '../catalog/fixtures';
import { lakeStack } from '../processing/fixtures';

/** The services whose actions the grant's principal statements hold, e.g. `['glue', 'kms', 's3']`. */
function services(grant: iam.Grant): string[] {
  return [...new Set(actions(grant).map(a => a.split(':')[0]))].sort();
}

/** The actions of the grant's principal statements. */
function actions(grant: iam.Grant): string[] {
  return grant.principalStatements.flatMap(s => s.actions);
}

function role(stack: Stack): iam.Role {
  return new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
}

describe('grants return every statement they add, not only the S3 half (issue 16, point 7)', () => {
  test.each([
    ['grantRead', ['kms:Decrypt', 's3:ListBucket', 's3:GetBucketLocation', 'glue:GetTable']],
    ['grantWrite', ['kms:GenerateDataKey', 's3:PutObject', 's3:ListBucket', 'glue:GetTable']],
    ['grantReadWrite', ['kms:GenerateDataKey', 's3:GetObject', 's3:PutObject', 'glue:GetPartitions']],
  ] as const)('LakeLayer.%s returns the S3, KMS and Glue statements', (method, expected) => {
    const { stack, lake } = lakeStack();
    const grantee = role(stack);
    const grant = lake.silver[method](grantee, 'orders/');
    expect(services(grant)).toEqual(['glue', 'kms', 's3']);
    expect(actions(grant)).toEqual(expect.arrayContaining([...expected]));
    expect(grant.success).toBe(true);
    // applyBefore orders a construct after the whole policy, KMS and Glue statements included.
    const after = new iam.Role(stack, 'After', { assumedBy: new iam.AccountRootPrincipal() });
    grant.applyBefore(after);
    const policyId = stack.getLogicalId(grantee.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy);
    const afterId = stack.getLogicalId(after.node.defaultChild as iam.CfnRole);
    expect(Template.fromStack(stack).toJSON().Resources[afterId].DependsOn).toContain(policyId);
  });

  test.each([
    ['grantRead', ['kms:Decrypt', 'glue:GetTable']],
    ['grantWrite', ['kms:GenerateDataKey', 'glue:BatchCreatePartition']],
    ['grantReadWrite', ['kms:GenerateDataKey', 's3:GetObject', 'glue:BatchCreatePartition']],
  ] as const)('SnapshotPartitionTable.%s returns the S3, KMS and Glue statements', (method, expected) => {
    const { stack, table } = customersTable();
    const grant = table[method](role(stack));
    expect(services(grant)).toEqual(['glue', 'kms', 's3']);
    expect(actions(grant)).toEqual(expect.arrayContaining([...expected]));
  });
});
