// Shared by the integ tests (not a test itself: integ-runner runs only integ.*.ts files).
import { AssertionsProvider } from '@aws-cdk/integ-tests-alpha';
import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * The assertion Lambda's role as a grantee: the library's grants land in the role's inline policy,
 * which exists before any assertion runs (a separate IAM policy could be attached too late).
 */
export class AssertionsPrincipal extends iam.ArnPrincipal {
  public readonly principalAccount: string | undefined;

  constructor(private readonly provider: AssertionsProvider, account: string) {
    super(Token.asString(provider.handlerRoleArn));
    // Same account as the lake: key grants go to the role's policy, not to the key policy.
    this.principalAccount = account;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.provider.addToRolePolicy(statement.toStatementJson());
    return { statementAdded: true, policyDependable: this.provider };
  }
}
