import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { GlueJob, BronzeSilverGoldLake } from '../../src';
import { ROLE_INLINE_POLICY_LIMIT } from '../../src/private/inline-policy-role';
import { STACK_NEAR_LIMIT_WARNING } from '../../src/private/stack-limits';
import { expectNoNagFindings } from '../helpers/nag';
import { buildScaleApp, ScaleAppOptions } from '../helpers/scale-app';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';
import { script } from '../processing/fixtures';

// Large apps: synthesis takes seconds on a busy machine; the budgets are sizes, never times.
jest.setTimeout(4 * EMULATOR_TEST_TIMEOUT_MS);

interface Measured {
  resources: number;
  /** The template file's size in cdk.out: what CloudFormation receives through TemplateURL. */
  bytesWritten: number;
  bytesMinified: number;
  template: any;
  warnings: string[];
}

function measure(options: ScaleAppOptions): Measured {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-'));
  try {
    const { app, stack } = buildScaleApp({ ...options, outdir });
    const assembly = app.synth();
    const artifact = assembly.getStackByName(stack.stackName);
    const template = artifact.template;
    const warnings = artifact.messages.filter(m => m.level === 'warning').map(m => String(m.entry.data));
    return {
      resources: Object.keys(template.Resources).length,
      bytesWritten: fs.statSync(artifact.templateFullPath).size,
      bytesMinified: Buffer.byteLength(JSON.stringify(template)),
      template,
      warnings,
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The scale app of the README's "How big can a lake stack get": the default lake, 50 monthly
 * snapshot tables in silver, 100 jobs (50 load a table, 50 write a silver prefix), one
 * orchestrator, one tokenizer. The budgets are the figures this version produces (deterministic):
 * a change that adds bytes or resources per job fails here and must be justified by raising them.
 */
// Under 350 resources (70% of CloudFormation's 500: the 30% headroom) and, minified
// (suppressTemplateIndentation, as the README recommends for lake stacks), under 700,000 bytes (70% of
// 1 MB). Written indented (aws-cdk-lib's default) the same template is 0.98 MB: within the limit, without the headroom.
const BUDGET = { resources: 349, bytesWritten: 977_000, bytesMinified: 677_000 };

describe('the 100-job, 50-table lake in one stack', () => {
  const plain = measure({ jobs: 100, tables: 50 });

  test('resources and template bytes stay within the budgets', () => {
    expect(plain.resources).toBeLessThanOrEqual(BUDGET.resources);
    expect(plain.bytesWritten).toBeLessThanOrEqual(BUDGET.bytesWritten);
    expect(plain.bytesMinified).toBeLessThanOrEqual(BUDGET.bytesMinified);
  });

  test('by resource type: one role (policy inline), one job per job; a table and its view per table; no AWS::IAM::Policy; three shared job policies', () => {
    const byType: Record<string, number> = {};
    for (const r of Object.values<any>(plain.template.Resources)) byType[r.Type] = (byType[r.Type] ?? 0) + 1;
    expect(byType['AWS::Glue::Job']).toBe(100);
    expect(byType['AWS::Glue::Table']).toBe(100);
    // 100 job roles + the orchestrator's state machine, dispatcher and registry seed, and the tokenizer's two functions.
    expect(byType['AWS::IAM::Role']).toBe(105);
    // Every role's own grants are inline in it.
    expect(byType['AWS::IAM::Policy']).toBeUndefined();
    // The shared job resources' policy, bronze's reading-jobs and silver's writing-jobs policies.
    expect(byType['AWS::IAM::ManagedPolicy']).toBe(3);
    // One access-log bucket (the shared job resources use the lake's).
    expect(Object.keys(plain.template.Resources).filter(id => /AccessLogs[0-9A-F]{8}$/.test(id))).toHaveLength(1);
    const jobPolicies = Object.entries<any>(plain.template.Resources).filter(([id, r]) => /^Job\d{3}/.test(id) && r.Type === 'AWS::IAM::Policy');
    expect(jobPolicies).toEqual([]);
  });

  test('every job role stays under IAM\'s limits: inline policies under 10,240 characters, the shared managed policy under 6,144', () => {
    for (const [id, r] of Object.entries<any>(plain.template.Resources)) {
      if (r.Type === 'AWS::IAM::Role' && /^Job\d{3}/.test(id)) {
        expect(JSON.stringify(r.Properties.Policies).length).toBeLessThan(ROLE_INLINE_POLICY_LIMIT);
        // The shared job policy, bronze's reading-jobs policy and, for a prefix writer, silver's writing-jobs policy.
        expect(r.Properties.ManagedPolicyArns.length).toBeGreaterThanOrEqual(2);
        expect(r.Properties.ManagedPolicyArns.length).toBeLessThanOrEqual(3);
      }
      if (r.Type === 'AWS::IAM::ManagedPolicy') expect(JSON.stringify(r.Properties.PolicyDocument).length).toBeLessThan(6_144);
    }
  });

  test('the stack is past 80% of the byte limit as written: the stackNearLimit warning names the biggest contributors and the layout', () => {
    const warning = plain.warnings.find(w => w.includes(STACK_NEAR_LIMIT_WARNING));
    expect(warning).toBeDefined();
    expect(warning).toContain("The stack 'ScaleLake' has 349 resources (70% of CloudFormation's 500)");
    expect(warning).toMatch(/template \(\d+% of 1000\.0 KB, as written with indentation\)/);
    expect(warning).toMatch(/Biggest contributors: 100 x GlueJob \(200 resources, [\d.]+ KB\), 50 x SnapshotPartitionTable \(100 resources, [\d.]+ KB\), BronzeSilverGoldLake \(17 resources, [\d.]+ KB\)/);
    expect(warning).toContain('suppressTemplateIndentation');
    expect(warning).toContain('How big can a lake stack get');
  });

  test('the same lake with 100 jobs scheduled on 12 schedules: one Glue trigger more per schedule', () => {
    const scheduled = measure({ jobs: 100, tables: 50, scheduled: true });
    expect(scheduled.resources).toBe(plain.resources + 12);
    expect(Object.values<any>(scheduled.template.Resources).filter(r => r.Type === 'AWS::Glue::Trigger')).toHaveLength(12);
    expect(scheduled.bytesWritten).toBeLessThanOrEqual(989_000);
    expect(scheduled.bytesMinified).toBeLessThanOrEqual(686_000);
  });
});

describe('stackNearLimit', () => {
  const plain = measure({ jobs: 100, tables: 50 });

  test('a small lake is not warned about', () => {
    const small = measure({ jobs: 2, tables: 1 });
    expect(small.warnings.filter(w => w.includes(STACK_NEAR_LIMIT_WARNING))).toEqual([]);
  });

  test('a minified template is measured minified, and the warning does not advise minifying', () => {
    // The 100-job lake minified is under 70% of both limits: not warned about. 150 jobs and 75 tables are past 80% of the bytes.
    const fits = measure({ jobs: 100, tables: 50, context: { '@aws-cdk/core:suppressTemplateIndentation': true } });
    expect(fits.bytesWritten).toBe(fits.bytesMinified);
    expect(fits.bytesWritten).toBeLessThan(plain.bytesWritten * 0.7);
    expect(fits.warnings.filter(w => w.includes(STACK_NEAR_LIMIT_WARNING))).toEqual([]);
    const minified = measure({ jobs: 150, tables: 75, context: { '@aws-cdk/core:suppressTemplateIndentation': true } });
    expect(minified.bytesWritten).toBe(minified.bytesMinified);
    expect(minified.bytesWritten).toBeGreaterThan(800_000);
    const warning = minified.warnings.find(w => w.includes(STACK_NEAR_LIMIT_WARNING))!;
    expect(warning).toMatch(/template \(\d+% of 1000\.0 KB, minified\)/);
    expect(warning).not.toContain('suppressTemplateIndentation');
  });

  test('past 80% of the resources the warning says so', () => {
    const many = measure({ jobs: 176, tables: 0, context: { '@aws-cdk/core:suppressTemplateIndentation': true } });
    expect(many.resources).toBeGreaterThanOrEqual(400);
    const warning = many.warnings.find(w => w.includes(STACK_NEAR_LIMIT_WARNING))!;
    expect(warning).toMatch(/has 4\d\d resources \(8\d% of CloudFormation's 500\)/);
  });
});

describe('a job role\'s inline policy', () => {
  test('past IAM\'s 10,240 characters synthesis fails naming the job, rather than the deployment', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const lake = new BronzeSilverGoldLake(stack, 'Lake');
    const job = new GlueJob(stack, 'Wide', { script: script() });
    for (let i = 0; i < 40; i++) job.readsFrom(lake.bronze, { prefix: `source_${i}/`, argumentName: `source_${i}` });
    expect(() => app.synth()).toThrow(/GlueJob at 'Stack\/Wide': invalid prop 'grants': received a role policy of about \d{5} characters; expected at most 10240 characters, IAM's limit for a role's inline policies/);
  });

  test('a job with a few locations stays inline, well under the limit', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const lake = new BronzeSilverGoldLake(stack, 'Lake');
    const job = new GlueJob(stack, 'Narrow', { script: script() });
    for (let i = 0; i < 4; i++) job.readsFrom(lake.bronze, { prefix: `source_${i}/`, argumentName: `source_${i}` });
    job.writesTo(lake.silver, { prefix: 'out/' });
    const role = stack.resolve((job.role.node.defaultChild as any).policies);
    expect(JSON.stringify(role).length).toBeLessThan(ROLE_INLINE_POLICY_LIMIT / 2);
  });
});

describe('the scale app\'s constructs pass the security checks', () => {
  test('a small scale app (6 jobs, 3 tables, scheduled, orchestrator, tokenizer): zero unacknowledged cdk-nag findings', () => {
    const { stack } = buildScaleApp({ jobs: 6, tables: 3, scheduled: true, validation: false });
    expectNoNagFindings(stack);
  });
});
