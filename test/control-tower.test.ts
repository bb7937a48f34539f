import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { AlertTopic, BookmarkedJob, DataLakePipeline, PiiTokenizer } from '../src';
import { customersTable } from './catalog/fixtures';
import { CONTROL_TOWER_WAIVERS } from './control-tower-waivers';
import { DEV, PROD, SalesLakeFactory } from './delivery/fixtures';
import { EMULATOR_TEST_TIMEOUT_MS } from './helpers/timeouts';
import { orchestratorStack } from './orchestration/fixtures';
import { script } from './processing/fixtures';

// The example imports the library by its package name (scripts/link-self.js links it for `cdk synth`);
// here it gets the library's source, so the check covers the code under test.
jest.mock('cdk-glue-lake', () => jest.requireActual('../src'), { virtual: true });
// eslint-disable-next-line import/order
import { LakeStack } from '../examples/lake-app/lake-stack';
import { LakePipelineStack, STAGES } from '../examples/lake-app/pipeline-stack';

/*
 * AWS Control Tower's proactive controls: the cfn-guard rules of @cdklabs/cdk-validator-cfnguard,
 * run by the cfn-guard binary it bundles (no network), over every template the apps synthesize
 * (nested stage assemblies of the pipeline included). Findings other than the documented waivers
 * (test/control-tower-waivers.ts) fail.
 */

/** One line per finding: `<rule> <template file> <logical id>`. */
interface Finding { readonly rule: string; readonly template: string; readonly logicalId: string }

function synthesize(app: App): string[] {
  return app.synth().stacksRecursively.map(s => s.templateFullPath);
}

function controlTowerFindings(templates: string[]): Finding[] {
  const report = new CfnGuardValidator({ controlTowerRulesEnabled: true }).validate({ templatePaths: templates });
  return report.violations.flatMap(v => v.violatingResources.map(r => ({
    rule: v.ruleName, template: path.basename(r.templatePath), logicalId: String(r.resourceLogicalId),
  })));
}

const waived = (f: Finding) => CONTROL_TOWER_WAIVERS.some(w => w.rule === f.rule && w.resource.test(f.logicalId));
const text = (f: Finding) => `${f.rule} ${f.template} ${f.logicalId}`;

function exampleApp(): App {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-example-')) });
  new LakeStack(app, 'SalesLake', { environment: 'sandbox', env: { account: '111111111111', region: 'eu-west-1' } });
  new LakePipelineStack(app, 'SalesLakeDelivery', { env: STAGES.pipeline });
  return app;
}

/** Each construct with its default props (and the fixtures' minimum), one app per fixture. */
function defaultStackTemplates(): string[] {
  const orchestrator = orchestratorStack();
  new BookmarkedJob(orchestrator.stack, 'Events', { script: script() });
  const table = customersTable();
  const tokenizerApp = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-tokenizer-')) });
  const tokenizerStack = new Stack(tokenizerApp, 'Tokenizer', { env: { account: '111111111111', region: 'eu-west-1' } });
  new PiiTokenizer(tokenizerStack, 'Tokenizer');
  new AlertTopic(tokenizerStack, 'Alerts').allowCloudWatchAlarms();
  const pipelineApp = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-pipeline-')) });
  const pipelineStack = new Stack(pipelineApp, 'Delivery', { env: { account: '000000000000', region: 'eu-west-1' } });
  new DataLakePipeline(pipelineStack, 'LakePipeline', {
    // An imported source bucket: the fixture's own bucket is not the library's to check.
    source: pipelines.CodePipelineSource.s3(s3.Bucket.fromBucketName(pipelineStack, 'Source', 'lake-source'), 'lake-app.zip'),
    stages: [DEV, PROD],
    stageFactory: new SalesLakeFactory(),
  });
  return [orchestrator.stack, table.stack].flatMap(s => synthesize(Stage.of(s) as App)).concat(synthesize(tokenizerApp), synthesize(pipelineApp));
}

let findings: Finding[];
beforeAll(() => {
  findings = controlTowerFindings([...synthesize(exampleApp()), ...defaultStackTemplates()]);
  // Synthesizing five apps and running 39 rule sets over about 15 templates takes about a minute
  // on an idle machine: five times the timeout of a whole-app test, so that a busy one never fails.
}, EMULATOR_TEST_TIMEOUT_MS * 5);

test('the example app and every construct\'s default stack pass the Control Tower proactive controls but the documented waivers', () => {
  expect(findings.filter(f => !waived(f)).map(text)).toEqual([]);
});

test('every waiver matches a finding (a waiver no longer needed is removed)', () => {
  const unused = CONTROL_TOWER_WAIVERS.filter(w => !findings.some(f => f.rule === w.rule && w.resource.test(f.logicalId)));
  expect(unused.map(w => `${w.control} ${w.rule} ${w.resource}`)).toEqual([]);
});

test('the check runs: it reports a log group kept less than a year', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-probe-')) });
  const stack = new Stack(app, 'Probe');
  new logs.LogGroup(stack, 'ShortLogs', { retention: logs.RetentionDays.THREE_MONTHS });
  expect(controlTowerFindings(synthesize(app)).map(f => f.rule)).toContain('cloudwatch_log_group_retention_period_check');
}, EMULATOR_TEST_TIMEOUT_MS);
