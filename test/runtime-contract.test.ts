// The contract between the constructs and the job runtime: jobs are synthesized with every kind of
// binding, and their arguments, as Glue passes them to the script, are read by the runtime's own
// parser (`python3 -m gluelake.arguments`, runtime/src). Every location, table and tokenizer the
// constructs bind must come out with the values the constructs hold, and nothing the library
// produces may be left unread: a key renamed or added on either side fails here.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  BookmarkedJob, GlueJob, type LakeLayer, PartitionedJobOrchestrator, PiiTokenizer, SnapshotCompression, SnapshotGranularity,
  SnapshotPartitionTable, SnapshotPeriodBasis,
} from '../src';
import { customersTableProps } from './catalog/fixtures';
import { render } from './helpers/render';
import { EMULATOR_TEST_TIMEOUT_MS } from './helpers/timeouts';
import { lakeStack, script } from './processing/fixtures';
import { PARTITION_ID_PATTERN } from '../src/orchestration/registry';

// Every test spawns Python: generous, like the emulator tests.
jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const ROOT = path.join(__dirname, '..');
const RUNTIME_SOURCES = path.join(ROOT, 'runtime', 'src');

interface Parsed {
  job_name: string;
  env: string | null;
  temp_dir: string | null;
  locations: { [base: string]: { [field: string]: unknown } };
  tokenizers: { [name: string]: { [field: string]: unknown } };
  extra: { [key: string]: string };
}

/** Runs the runtime's parser on `args` (JSON on stdin); its exit status, output and errors. */
function runParser(args: { [key: string]: string }): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('python3', ['-m', 'gluelake.arguments'], {
    cwd: ROOT,
    input: JSON.stringify(args),
    env: { ...process.env, PYTHONPATH: RUNTIME_SOURCES, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function parse(args: { [key: string]: string }): Parsed {
  const result = runParser(args);
  if (result.status !== 0) throw new Error(`python3 -m gluelake.arguments exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A CloudFormation value as the string a placeholder stands for (`<LogicalId>`, `<Id.Attr>`, joins). */
function resolved(stack: Stack, value: unknown): string {
  return render(stack.resolve(value));
}

/**
 * What Glue passes the script for a run of `job`: its default and pinned arguments (tokens as
 * placeholders) and `--JOB_NAME`, plus the run's own arguments.
 */
function jobArguments(template: Template, stack: Stack, job: GlueJob, run: { [key: string]: string } = {}): { [key: string]: string } {
  const props = template.toJSON().Resources[stack.getLogicalId(job.job.node.defaultChild as glue.CfnJob)].Properties;
  const args: { [key: string]: string } = {};
  for (const [key, value] of Object.entries({ ...props.DefaultArguments, ...props.NonOverridableArguments })) {
    args[key] = render(value);
  }
  return { ...args, '--JOB_NAME': render(props.Name), ...run };
}

/** What the runtime should read for a layer bound with `prefix` under `base`. */
function layerLocation(stack: Stack, base: string, layer: LakeLayer, prefix: string) {
  return { kind: 'location', name: base, path: resolved(stack, layer.s3Uri(prefix)), database: resolved(stack, layer.database.databaseName) };
}

/** What the runtime should read for `table` bound under `base` (a writer gets the merge fields). */
function tableLocation(stack: Stack, base: string, table: SnapshotPartitionTable, write: boolean) {
  return {
    kind: 'table',
    name: base,
    path: resolved(stack, table.location),
    database: resolved(stack, table.database.databaseName),
    table: table.tableName,
    partition_key: table.partitionKey,
    granularity: table.granularity.name,
    partition_format: table.granularity.strftimeFormat,
    current_view: table.currentViewName ?? null,
    primary_key: write ? table.primaryKey : [],
    effective_date_column: write ? table.effectiveDateColumn : null,
    compression: write ? table.compression.toLowerCase() : null,
    period_basis: write ? table.periodBasis : null,
    close_periods: write ? table.closePeriods : false,
    superseded_retention_minutes: write ? table.supersededRetention.toMinutes() : null,
  };
}

function tokenizer(stack: Stack, name: string, pii: PiiTokenizer, detokenize: boolean) {
  return {
    name,
    function_name: resolved(stack, pii.tokenizeFunction.functionName),
    detokenize_function_name: detokenize ? resolved(stack, pii.detokenizeFunction.functionName) : null,
  };
}

/** One app with every kind of binding a job can have. */
function lakeApp() {
  const { stack, lake } = lakeStack();
  const customers = new SnapshotPartitionTable(stack, 'Customers', customersTableProps(lake.silver));
  // Another shape: composite key, daily, zstd, no current view.
  const accounts = new SnapshotPartitionTable(stack, 'Accounts', {
    layer: lake.gold,
    tableName: 'accounts',
    columns: [
      { name: 'tenant_id', type: glue.Schema.STRING },
      { name: 'account_id', type: glue.Schema.BIG_INT },
      { name: 'tags', type: glue.Schema.array(glue.Schema.STRING) },
      { name: 'changed_at', type: glue.Schema.TIMESTAMP },
    ],
    primaryKey: ['tenant_id', 'account_id'],
    effectiveDateColumn: 'changed_at',
    granularity: SnapshotGranularity.DAY,
    compression: SnapshotCompression.ZSTD,
    currentView: false,
    periodBasis: SnapshotPeriodBasis.EFFECTIVE_DATE,
    supersededRetention: Duration.minutes(0),
  });
  // And the third: closing LOAD_TIME periods, superseded folders kept 90 minutes.
  const orders = new SnapshotPartitionTable(stack, 'Orders', {
    ...customersTableProps(lake.silver),
    tableName: 'orders',
    closePeriods: true,
    supersededRetention: Duration.minutes(90),
  });
  const pii = new PiiTokenizer(stack, 'Pii');

  // Layers (default names and argumentName), environment, the user's arguments, every managed option.
  const layers = new GlueJob(stack, 'Layers', {
    script: script(),
    environment: 'dev',
    arguments: { '--run_mode': 'full', '--max-files': '10' },
    sparkUi: true,
    additionalPythonModules: ['pydantic==2.9.2'],
    extraPythonFiles: [glue.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Libs', 'libs'), 'helpers.zip')],
  });
  layers.readsFrom(lake.bronze, { prefix: 'orders/' })
    .readsFrom(lake.bronze, { prefix: 'customers/', argumentName: 'raw_customers' })
    .writesTo(lake.silver, { prefix: 'orders/' });
  pii.bindToJob(layers);

  // Tables: read and written (default names and argumentName), a tokenizer with detokenize under its own name.
  const tables = new GlueJob(stack, 'Tables', { script: script() });
  tables.readsFrom(customers).writesTo(customers).writesTo(accounts, { argumentName: 'accounts_snapshot' })
    .readsFrom(accounts).writesTo(orders);
  pii.bindToJob(tables, { argumentName: 'emails', detokenize: true });

  // A bookmarked job, with no other argument than its locations.
  const bookmarked = new BookmarkedJob(stack, 'Bookmarked', { script: script() });
  bookmarked.readsFrom(lake.bronze, { prefix: 'events/' }).writesTo(lake.silver, { prefix: 'events/' });

  // A job run per partition.
  const partitioned = new GlueJob(stack, 'Partitioned', { script: script(), maxConcurrentRuns: 5 });
  partitioned.readsFrom(lake.bronze, { prefix: 'providers/' });
  const orchestrator = new PartitionedJobOrchestrator(stack, 'Providers', { job: partitioned, partitions: [{ partitionId: 'acme' }] });

  const template = Template.fromStack(stack);
  return { stack, lake, customers, accounts, orders, pii, layers, tables, bookmarked, partitioned, orchestrator, template };
}

describe('the runtime reads every argument the constructs pass', () => {
  const app = lakeApp();
  const { stack, lake, template } = app;

  test('layers, argumentName, environment, the temporary directory and the user\'s arguments (with every managed option set)', () => {
    const args = jobArguments(template, stack, app.layers);
    const parsed = parse(args);
    expect(parsed.job_name).toBe(args['--JOB_NAME']);
    expect(parsed.job_name).toMatch(/^Stack-Layers-[0-9A-F]{8}$/);
    expect(parsed.env).toBe('dev');
    expect(parsed.temp_dir).toBe(resolved(stack, app.layers.tempDir));
    expect(parsed.locations).toEqual({
      input_bronze: layerLocation(stack, 'input_bronze', lake.bronze, 'orders/'),
      raw_customers: layerLocation(stack, 'raw_customers', lake.bronze, 'customers/'),
      output_silver: layerLocation(stack, 'output_silver', lake.silver, 'orders/'),
    });
    expect(parsed.tokenizers).toEqual({ pii_tokenizer: tokenizer(stack, 'pii_tokenizer', app.pii, false) });
    // Only the user's own arguments are left: the runtime knows every key the library and Glue set.
    expect(parsed.extra).toEqual({ 'run_mode': 'full', 'max-files': '10' });
  });

  test('snapshot tables read and written (default names and argumentName) and a tokenizer that may detokenize', () => {
    const parsed = parse(jobArguments(template, stack, app.tables));
    expect(parsed.env).toBeNull();
    expect(parsed.locations).toEqual({
      input_customers: tableLocation(stack, 'input_customers', app.customers, false),
      output_customers: tableLocation(stack, 'output_customers', app.customers, true),
      input_accounts: tableLocation(stack, 'input_accounts', app.accounts, false),
      accounts_snapshot: tableLocation(stack, 'accounts_snapshot', app.accounts, true),
      output_orders: tableLocation(stack, 'output_orders', app.orders, true),
    });
    expect(parsed.locations.output_customers.primary_key).toEqual(['customer_id']);
    expect(parsed.locations.accounts_snapshot).toEqual(expect.objectContaining({
      primary_key: ['tenant_id', 'account_id'], granularity: 'DAY', partition_format: '%Y-%m-%d', compression: 'zstd', current_view: null,
    }));
    expect(parsed.locations.accounts_snapshot).toEqual(expect.objectContaining({
      period_basis: 'EFFECTIVE_DATE', close_periods: false, superseded_retention_minutes: 0,
    }));
    expect(parsed.locations.output_customers).toEqual(expect.objectContaining({
      granularity: 'MONTH', partition_format: '%Y-%m', compression: 'snappy', current_view: 'customers_current',
    }));
    expect(parsed.locations.output_customers).toEqual(expect.objectContaining({
      period_basis: 'LOAD_TIME', close_periods: false, superseded_retention_minutes: 360,
    }));
    expect(parsed.locations.output_orders).toEqual(expect.objectContaining({
      period_basis: 'LOAD_TIME', close_periods: true, superseded_retention_minutes: 90,
    }));
    expect(parsed.locations.input_customers).toEqual(expect.objectContaining({
      period_basis: null, close_periods: false, superseded_retention_minutes: null,
    }));
    expect(parsed.tokenizers).toEqual({ emails: tokenizer(stack, 'emails', app.pii, true) });
    expect(parsed.extra).toEqual({});
  });

  test('a BookmarkedJob: its locations, and its bookmark option is Glue\'s, not the script\'s', () => {
    const args = jobArguments(template, stack, app.bookmarked);
    expect(args['--job-bookmark-option']).toBe('job-bookmark-enable');
    const parsed = parse(args);
    expect(parsed.locations).toEqual({
      input_bronze: layerLocation(stack, 'input_bronze', lake.bronze, 'events/'),
      output_silver: layerLocation(stack, 'output_silver', lake.silver, 'events/'),
    });
    expect(parsed.extra).toEqual({});
  });

  test('a job run by a PartitionedJobOrchestrator: the job has no partition argument; the run\'s --partition is the only extra', () => {
    const args = jobArguments(template, stack, app.partitioned);
    expect(args[app.orchestrator.argumentName]).toBeUndefined();
    expect(parse(args).extra).toEqual({});
    const parsed = parse(jobArguments(template, stack, app.partitioned, { [app.orchestrator.argumentName]: 'acme' }));
    expect(parsed.locations).toEqual({ input_bronze: layerLocation(stack, 'input_bronze', lake.bronze, 'providers/') });
    expect(parsed.extra).toEqual({ partition: 'acme' });
  });

  test('a key the runtime does not know is left in extra: a new suffix on the constructs\' side fails the assertions above', () => {
    const parsed = parse({ ...jobArguments(template, stack, app.layers), '--output_silver_format': 'parquet', '--pii_tokenizer_region': 'eu-west-1' });
    expect(parsed.extra).toEqual({ 'run_mode': 'full', 'max-files': '10', 'output_silver_format': 'parquet', 'pii_tokenizer_region': 'eu-west-1' });
    expect(parsed.locations.output_silver).toEqual(layerLocation(stack, 'output_silver', lake.silver, 'orders/'));
  });

  test('every job of the app carries the runtime on --extra-py-files (so the parser above is what runs)', () => {
    for (const job of [app.layers, app.tables, app.bookmarked, app.partitioned]) {
      expect(jobArguments(template, stack, job)['--extra-py-files']).toMatch(/^s3:\/\/[^,]+\/[0-9a-f]{64}\.zip(,|$)/);
    }
  });
});

describe('an incomplete table binding is refused by the runtime', () => {
  const app = lakeApp();
  const args = jobArguments(app.template, app.stack, app.tables);
  const writerKeys = Object.keys(args).filter(k => k.startsWith('--output_customers_')).sort();

  test('the writer binding has the keys the runtime reads', () => {
    expect(writerKeys).toEqual([
      '--output_customers_close_periods', '--output_customers_compression', '--output_customers_current_view',
      '--output_customers_database', '--output_customers_effective_date_column', '--output_customers_granularity',
      '--output_customers_partition_format', '--output_customers_partition_key',
      '--output_customers_path', '--output_customers_period_basis', '--output_customers_primary_key',
      '--output_customers_superseded_retention_minutes', '--output_customers_table',
    ]);
  });

  // current_view is optional. Without _path or _database the keys name no location at all (the runtime
  // leaves them in `extra`); every other key of the set is required.
  const required = writerKeys.filter(k => !/_(current_view|path|database)$/.test(k));
  test.each(required)('without %s', key => {
    const { [key]: _, ...rest } = args;
    const result = runParser(rest);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('output_customers');
  });
});

describe('partition ids: the runtime checks the orchestrator\'s rule', () => {
  test('gluelake.arguments.PARTITION_ID_PATTERN is the registry\'s PARTITION_ID_PATTERN', () => {
    const result = spawnSync('python3', ['-c', 'from gluelake.arguments import PARTITION_ID_PATTERN; print(PARTITION_ID_PATTERN.pattern)'], {
      cwd: ROOT,
      env: { ...process.env, PYTHONPATH: RUNTIME_SOURCES, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(PARTITION_ID_PATTERN.source);
  });
});
