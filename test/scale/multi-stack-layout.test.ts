import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import {
  BronzeSilverGoldLake, GlueJob, PartitionedJobOrchestrator, PiiTokenizer, SharedJobResources, SnapshotGranularity, SnapshotPartitionTable,
} from '../../src';
import { STACK_NEAR_LIMIT_WARNING } from '../../src/private/stack-limits';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

jest.setTimeout(4 * EMULATOR_TEST_TIMEOUT_MS);

const ENV = { account: '111111111111', region: 'eu-west-1' };
const SCRIPT = glue.Code.fromAsset(path.join(__dirname, '..', '..', 'examples', 'lake-app', 'jobs', 'orders_to_silver.py'));
/** Jobs per domain stack in this layout (half load a snapshot table): the README's "How big can a lake stack get". */
const JOBS_PER_DOMAIN = 80;

/**
 * The README's layout past one stack: a storage stack (the lake), one stack per domain (its shared
 * job resources, snapshot tables and jobs, and its orchestrators) and a governance stack (the
 * tokenizer). Minified templates, as the README recommends for large stacks.
 */
function platform(domains: string[]) {
  const app = new App({ context: { '@aws-cdk/core:suppressTemplateIndentation': true } });
  const storage = new Stack(app, 'Storage', { env: ENV });
  const lake = new BronzeSilverGoldLake(storage, 'Lake');
  const governance = new Stack(app, 'Governance', { env: ENV });
  const tokenizer = new PiiTokenizer(governance, 'Tokenizer');
  const stacks: Stack[] = [];
  for (const domain of domains) {
    const stack = new Stack(app, domain, { env: ENV });
    stacks.push(stack);
    const shared = new SharedJobResources(stack, 'JobResources', { accessLogsBucket: lake.accessLogsBucket });
    const jobs: GlueJob[] = [];
    for (let j = 0; j < JOBS_PER_DOMAIN; j++) {
      const job = new GlueJob(stack, `Job${j}`, { script: SCRIPT, shared }).readsFrom(lake.bronze, { prefix: `${domain.toLowerCase()}/source_${j}/` });
      if (j % 2 === 0) {
        job.writesTo(new SnapshotPartitionTable(stack, `Table${j}`, {
          layer: lake.silver,
          tableName: `${domain.toLowerCase()}_entity_${j}`,
          columns: [{ name: 'id', type: glue.Schema.STRING }, { name: 'updated_at', type: glue.Schema.TIMESTAMP }],
          primaryKey: ['id'],
          effectiveDateColumn: 'updated_at',
          granularity: SnapshotGranularity.MONTH,
        }));
      } else {
        job.writesTo(lake.silver, { prefix: `${domain.toLowerCase()}/prefix_${j}/` });
      }
      jobs.push(job);
    }
    new PartitionedJobOrchestrator(stack, 'PerProvider', { job: jobs[1], partitions: [{ partitionId: 'acme', frequency: Duration.hours(1) }] });
    tokenizer.bindToJob(jobs[jobs.length - 1]);
  }
  return { app, storage, governance, stacks };
}

describe('past one stack: storage, a stack per domain, governance', () => {
  const { app, storage, governance, stacks } = platform(['Sales', 'Finance', 'Logistics']);
  const assembly = app.synth();
  const all = [storage, governance, ...stacks];

  test('no dependency cycle: domains depend on storage and governance, nothing depends on a domain', () => {
    const deps = Object.fromEntries(all.map(s => [s.stackName, s.dependencies.map(d => d.stackName).sort()]));
    expect(deps.Storage).toEqual([]);
    for (const s of stacks) expect(deps[s.stackName]).toEqual(expect.arrayContaining(['Storage']));
    for (const name of Object.keys(deps)) {
      for (const d of deps[name]) expect(stacks.map(s => s.stackName)).not.toContain(d);
    }
  });

  test('every stack stays within 70% of CloudFormation\'s limits (350 resources, 700 KB) and is not warned about', () => {
    const sizes = all.map(s => {
      const artifact = assembly.getStackByName(s.stackName);
      return {
        stack: s.stackName,
        resources: Object.keys(artifact.template.Resources).length,
        bytes: Buffer.byteLength(JSON.stringify(artifact.template)),
        warned: artifact.messages.some(m => String(m.entry.data).includes(STACK_NEAR_LIMIT_WARNING)),
      };
    });
    for (const size of sizes) {
      expect(size.resources).toBeLessThanOrEqual(350);
      expect(size.bytes).toBeLessThanOrEqual(700_000);
      expect(size.warned).toBe(false);
    }
    // 240 jobs and 120 snapshot tables (with their views) in all, 80 jobs per domain stack.
    for (const s of stacks) {
      const resources = Object.values<any>(assembly.getStackByName(s.stackName).template.Resources);
      expect(resources.filter(r => r.Type === 'AWS::Glue::Job')).toHaveLength(JOBS_PER_DOMAIN);
      expect(resources.filter(r => r.Type === 'AWS::Glue::Table')).toHaveLength(JOBS_PER_DOMAIN);
    }
  });
});
