#!/usr/bin/env node
// Prints a short summary of a synthesized cloud assembly: stacks, resource count per stack (and the
// share of CloudFormation's 500-resource limit), and the policy-validation (cdk-nag) result.
const fs = require('fs');
const path = require('path');

const dir = path.resolve(process.argv[2] ?? 'cdk.out');
/** The stacks of an assembly and of its nested assemblies (the stages of a pipeline), as [display id, directory, artifact]. */
function stacksOf(assemblyDir, prefix) {
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8'));
  return Object.entries(manifest.artifacts ?? {}).flatMap(([id, a]) => {
    if (a.type === 'aws:cloudformation:stack') return [[`${prefix}${a.displayName ?? id}`, assemblyDir, a]];
    if (a.type === 'cdk:cloud-assembly') return stacksOf(path.join(assemblyDir, a.properties.directoryName), '  ');
    return [];
  });
}
// Top-level stacks first, then the stacks of the pipeline stages (indented).
const stacks = stacksOf(dir, '').sort((a, b) => Number(a[0].startsWith(' ')) - Number(b[0].startsWith(' ')));
if (stacks.length === 0) {
  console.error(`summary: no stack in ${dir}`);
  process.exit(1);
}
console.log(`\nSynthesized ${stacks.length} stack(s) (pipeline stages indented) into ${path.relative(process.cwd(), dir) || '.'}/`);
for (const [id, assemblyDir, artifact] of stacks) {
  const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, artifact.properties.templateFile), 'utf8'));
  const resources = Object.values(template.Resources ?? {});
  const byType = {};
  for (const r of resources) byType[r.Type] = (byType[r.Type] ?? 0) + 1;
  const top = Object.entries(byType).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([t, n]) => `${t.replace(/^AWS::/, '')} ${n}`).join(', ');
  console.log(`  ${id}: ${resources.length} resources (${Math.round(resources.length / 5)}% of 500) - ${top}`);
}
const reportFile = ['validation-report.json', 'policy-validation-report.json'].map(f => path.join(dir, f)).find(f => fs.existsSync(f));
if (!reportFile) {
  console.log('Validation: no report (no validation plugin registered)');
} else {
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const violations = (report.pluginReports ?? []).flatMap(p => p.violations ?? []);
  console.log(violations.length === 0
    ? 'Validation: passed - cdk-nag AwsSolutions, HIPAA Security, NIST 800-53 R5, PCI DSS 3.2.1, Serverless: 0 unacknowledged findings'
    : `Validation: FAILED - ${violations.length} violation(s), see ${reportFile}`);
  if (violations.length > 0) process.exit(1);
}
