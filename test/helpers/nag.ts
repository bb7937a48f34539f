import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks,
} from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The cdk-nag 3 packs every construct of the library must pass. */
export function nagPacks() {
  return [
    new AwsSolutionsChecks(),
    new HIPAASecurityChecks(),
    new NIST80053R5Checks(),
    new PCIDSS321Checks(),
    new ServerlessChecks(),
  ];
}

/** One line per unacknowledged violation: `<rule> at <construct path>: <description>`. */
export function nagFindings(scope: IConstruct): string[] {
  // Synthesize first so that aspects and lazy values (policies, lifecycle rules) exist.
  const stacks = scope instanceof App ? scope.node.findAll().filter(Stack.isStack) : [Stack.of(scope)];
  stacks.forEach(s => Template.fromStack(s));
  const findings: string[] = [];
  for (const pack of nagPacks()) {
    const report = pack.validateScope(scope);
    for (const v of report.violations) {
      for (const r of v.violatingResources) {
        findings.push(`${v.ruleName} at ${r.constructPath}: ${v.description}`);
      }
    }
  }
  return findings.sort();
}

/** Fails listing every unacknowledged violation of the five packs on `scope`. */
export function expectNoNagFindings(scope: IConstruct): void {
  const findings = nagFindings(scope);
  if (findings.length > 0) {
    throw new Error(`${findings.length} unacknowledged cdk-nag finding(s):\n  ${findings.join('\n  ')}`);
  }
}

/** Runs the cdk-nag 2 AwsSolutions pack (as users still on 2.x do) and returns its error annotations. */
export function nagV2Errors(app: App, stack: Stack): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const v2 = require('cdk-nag-v2');
  Aspects.of(app).add(new v2.AwsSolutionsChecks());
  Aspects.of(app).add(new v2.HIPAASecurityChecks());
  Aspects.of(app).add(new v2.NIST80053R5Checks());
  Aspects.of(app).add(new v2.PCIDSS321Checks());
  Aspects.of(app).add(new v2.ServerlessChecks());
  app.synth();
  return stack.node.findAll()
    .flatMap(c => c.node.metadata.filter(m => m.type === 'aws:cdk:error').map(m => `${c.node.path}: ${String(m.data)}`));
}
