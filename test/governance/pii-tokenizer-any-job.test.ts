import { Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { PiiTokenizer } from '../../src';
import { newStack, script } from '../processing/fixtures';

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as never);
}

/** A tokenizer and a Glue job of aws-cdk-lib (not a GlueJob): an `IJob` whose role can be granted. */
function anyJob() {
  const stack = newStack();
  const tokenizer = new PiiTokenizer(stack, 'Pii');
  const role = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
  const job = new glue.PySparkEtlJob(stack, 'Job', { role, script: script(), glueVersion: glue.GlueVersion.V5_0 });
  return { stack, tokenizer, role, job };
}

/** The Lambda actions and resources of the role's policy. */
function lambdaStatements(stack: Stack, role: iam.Role): { Action: unknown; Resource: unknown }[] {
  const policy = Template.fromStack(stack).toJSON().Resources[logicalId(role.node.findChild('DefaultPolicy'))];
  return (policy.Properties.PolicyDocument.Statement as any[])
    .filter(s => [s.Action].flat().some((a: string) => a.startsWith('lambda:')))
    .map(s => ({ Action: s.Action, Resource: s.Resource }));
}

const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('PiiTokenizer works with any glue.IJob, not only GlueJob (issue 16, point 7)', () => {
  test('grantToJob lets any job\'s role invoke the tokenize function, and only it', () => {
    const { stack, tokenizer, role, job } = anyJob();
    const grant = tokenizer.grantToJob(job);
    expect(lambdaStatements(stack, role)).toEqual([
      { Action: 'lambda:InvokeFunction', Resource: arnOf(logicalId(tokenizer.tokenizeFunction)) },
    ]);
    expect(grant.success).toBe(true);
    expect(grant.principalStatements.flatMap(s => s.actions)).toEqual(['lambda:InvokeFunction']);
  });

  test('grantToJob with detokenize grants both functions in one returned grant', () => {
    const { stack, tokenizer, role, job } = anyJob();
    const grant = tokenizer.grantToJob(job, { detokenize: true });
    expect(lambdaStatements(stack, role)).toEqual([
      { Action: 'lambda:InvokeFunction', Resource: arnOf(logicalId(tokenizer.tokenizeFunction)) },
      { Action: 'lambda:InvokeFunction', Resource: arnOf(logicalId(tokenizer.detokenizeFunction)) },
    ]);
    expect(stack.resolve(grant.principalStatements.flatMap(s => s.resources))).toEqual([
      arnOf(logicalId(tokenizer.tokenizeFunction)), arnOf(logicalId(tokenizer.detokenizeFunction)),
    ]);
  });

  test('jobArguments gives the arguments such a job passes itself (its defaultArguments)', () => {
    const stack = newStack();
    const tokenizer = new PiiTokenizer(stack, 'Pii');
    const role = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    const job = new glue.PySparkEtlJob(stack, 'Job', {
      role,
      script: script(),
      glueVersion: glue.GlueVersion.V5_0,
      defaultArguments: tokenizer.jobArguments({ argumentName: 'email', detokenize: true }),
    });
    tokenizer.grantToJob(job, { detokenize: true });
    const args = Template.fromStack(stack).toJSON().Resources[logicalId(job)].Properties.DefaultArguments;
    expect(args['--email_function']).toEqual({ Ref: logicalId(tokenizer.tokenizeFunction) });
    expect(args['--email_detokenize_function']).toEqual({ Ref: logicalId(tokenizer.detokenizeFunction) });
    expect(Object.keys(tokenizer.jobArguments())).toEqual(['--pii_tokenizer_function']);
  });

  const AT = "PiiTokenizer at 'Stack/Pii': invalid prop 'argumentName'";
  const EXPECTED = "expected letters, digits and '_', starting with a letter, at most 64 characters";
  test.each([
    ['a dash', 'pii-tokenizer', `${AT}: received "pii-tokenizer"; ${EXPECTED}`],
    ['a leading digit', '1pii', `${AT}: received "1pii"; ${EXPECTED}`],
    ['65 characters', 'a'.repeat(65), `${AT}: received "${'a'.repeat(65)}"; ${EXPECTED}`],
    ['an unresolved token', Lazy.string({ produce: () => 'pii' }), `${AT}: received an unresolved token; ${EXPECTED}`],
  ])('jobArguments refuses an argument name with %s', (_, argumentName, message) => {
    const { tokenizer } = anyJob();
    expect(() => tokenizer.jobArguments({ argumentName })).toThrow(message);
  });
});
