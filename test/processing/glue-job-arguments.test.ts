import { Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { lakeStack, newStack, onlyResource, script } from './fixtures';
import { BookmarkedJob, GlueJob, type GlueJobProps } from '../../src';
import { render } from '../helpers/render';

const AT = "GlueJob at 'Stack/Job': invalid prop";
const NAME = "'--' followed by 1 to 128 letters, digits, '_' or '-', e.g. '--pii_tokenizer_function'";
const MANAGED = 'an argument the library does not manage: set it through its prop or the method that owns it';
const taken = (name: string) => `an argument this job does not already have (${name} is set by its arguments, a location or another service)`;
const LOCATION_TAKEN = (name: string, key: string) =>
  `${AT} 'argumentName': received "${name}"; expected a name that no other location or argument of this job uses (${key} is taken); pass argumentName to tell two locations of one layer apart`;

function newJob(props: Partial<GlueJobProps> = {}): { stack: Stack; job: GlueJob } {
  const stack = newStack();
  return { stack, job: new GlueJob(stack, 'Job', { script: script(), ...props }) };
}

function defaultArguments(stack: Stack): Record<string, unknown> {
  return onlyResource(Template.fromStack(stack), 'AWS::Glue::Job').props.DefaultArguments;
}

describe('GlueJob.addArgument', () => {
  test('adds the argument to the job\'s default arguments, next to the others, and returns the job', () => {
    const { stack, job } = newJob({ arguments: { '--orders_table': 'orders' } });
    const before = defaultArguments(newJob({ arguments: { '--orders_table': 'orders' } }).stack);
    expect(job.addArgument('--pii_tokenizer_function', 'tokenize-fn')).toBe(job);
    const args = defaultArguments(stack);
    expect(args['--pii_tokenizer_function']).toBe('tokenize-fn');
    expect(args['--orders_table']).toBe('orders');
    const { '--pii_tokenizer_function': _, ...rest } = args;
    expect(Object.keys(rest).sort()).toEqual(Object.keys(before).sort());
    expect(rest['--job-bookmark-option']).toBe('job-bookmark-disable');
  });

  test('arguments are chained and may be tokens (e.g. a function name)', () => {
    const { stack, job } = newJob();
    const role = new iam.Role(stack, 'Other', { assumedBy: new iam.AccountRootPrincipal() });
    job.addArgument('--a', 'x').addArgument('--b-c', role.roleName).addArgument(`--${'x'.repeat(128)}`, 'long');
    const args = defaultArguments(stack);
    expect(args['--a']).toBe('x');
    expect(args['--b-c']).toEqual({ Ref: stack.getLogicalId(role.node.defaultChild as any) });
    expect(args[`--${'x'.repeat(128)}`]).toBe('long');
  });

  test('arguments added after readsFrom and before writesTo all reach the job', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script() });
    job.readsFrom(lake.bronze, { prefix: 'orders/' }).addArgument('--run_mode', 'full').writesTo(lake.silver, { prefix: 'orders/' });
    const args = defaultArguments(stack);
    expect(Object.keys(args).filter(k => !k.startsWith('--enable') && !k.startsWith('--job') && !k.startsWith('--custom') && !k.startsWith('--continuous')).sort()).toEqual([
      '--input_bronze_database', '--input_bronze_path', '--output_silver_database', '--output_silver_path', '--run_mode',
    ]);
  });

  test('a BookmarkedJob names itself in the message', () => {
    const stack = newStack();
    const job = new BookmarkedJob(stack, 'Job', { script: script() });
    expect(() => job.addArgument('--job-bookmark-option', 'job-bookmark-disable')).toThrow(
      `BookmarkedJob at 'Stack/Job': invalid prop 'name': received "--job-bookmark-option"; expected ${MANAGED}`);
  });
});

describe('GlueJob.addArgument refuses', () => {
  test.each<[string, string, string]>([
    ['a name without --', 'pii_tokenizer_function', `${AT} 'name': received "pii_tokenizer_function"; expected ${NAME}`],
    ['a name with a single dash', '-pii', `${AT} 'name': received "-pii"; expected ${NAME}`],
    ['a name with a space', '--pii tokenizer', `${AT} 'name': received "--pii tokenizer"; expected ${NAME}`],
    ['a name with =', '--pii=x', `${AT} 'name': received "--pii=x"; expected ${NAME}`],
    ['a name with a dot', '--pii.function', `${AT} 'name': received "--pii.function"; expected ${NAME}`],
    ['a bare --', '--', `${AT} 'name': received "--"; expected ${NAME}`],
    ['an empty name', '', `${AT} 'name': received ""; expected ${NAME}`],
    ['a name of 129 characters after --', `--${'x'.repeat(129)}`, `${AT} 'name': received "--${'x'.repeat(129)}"; expected ${NAME}`],
    ['the managed --TempDir', '--TempDir', `${AT} 'name': received "--TempDir"; expected ${MANAGED}`],
    ['the managed --job-bookmark-option', '--job-bookmark-option', `${AT} 'name': received "--job-bookmark-option"; expected ${MANAGED}`],
    ['the managed --enable-metrics', '--enable-metrics', `${AT} 'name': received "--enable-metrics"; expected ${MANAGED}`],
    ['the managed --env (not set on this job)', '--env', `${AT} 'name': received "--env"; expected ${MANAGED}`],
    ['the Glue-reserved --JOB_NAME', '--JOB_NAME', `${AT} 'name': received "--JOB_NAME"; expected ${MANAGED}`],
  ])('%s', (_, name, message) => {
    const { job } = newJob();
    expect(() => job.addArgument(name, 'x')).toThrow(message);
  });

  test('an unresolved name', () => {
    const { job } = newJob();
    expect(() => job.addArgument(Lazy.string({ produce: () => '--pii' }), 'x')).toThrow(`${AT} 'name': received an unresolved token; expected ${NAME}`);
  });

  test('a name already set through the arguments prop', () => {
    const { stack, job } = newJob({ arguments: { '--orders_table': 'orders' } });
    expect(() => job.addArgument('--orders_table', 'customers')).toThrow(`${AT} 'name': received "--orders_table"; expected ${taken('--orders_table')}`);
    expect(defaultArguments(stack)['--orders_table']).toBe('orders');
  });

  test('a name already set by readsFrom', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script() });
    job.readsFrom(lake.bronze, { prefix: 'orders/' });
    expect(() => job.addArgument('--input_bronze_path', 's3://elsewhere/')).toThrow(
      `${AT} 'name': received "--input_bronze_path"; expected ${taken('--input_bronze_path')}`);
    expect(defaultArguments(stack)['--input_bronze_path']).not.toBe('s3://elsewhere/');
  });

  test('a name already set by writesTo', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script() });
    job.writesTo(lake.silver, { prefix: 'orders/', argumentName: 'orders' });
    expect(() => job.addArgument('--orders_database', 'other')).toThrow(`${AT} 'name': received "--orders_database"; expected ${taken('--orders_database')}`);
  });

  test('a second addArgument of the same name', () => {
    const { stack, job } = newJob();
    job.addArgument('--pii_tokenizer_function', 'first');
    expect(() => job.addArgument('--pii_tokenizer_function', 'second')).toThrow(
      `${AT} 'name': received "--pii_tokenizer_function"; expected ${taken('--pii_tokenizer_function')}`);
    expect(defaultArguments(stack)['--pii_tokenizer_function']).toBe('first');
  });

  test('an empty value, and adds nothing', () => {
    const { stack, job } = newJob();
    expect(() => job.addArgument('--pii_tokenizer_function', '')).toThrow(
      `${AT} 'value': received ""; expected a non-empty string for --pii_tokenizer_function`);
    expect(defaultArguments(stack)['--pii_tokenizer_function']).toBeUndefined();
    // The name is still free.
    expect(() => job.addArgument('--pii_tokenizer_function', 'fn')).not.toThrow();
  });

  test('a value that is not a string (from an untyped caller)', () => {
    const { job } = newJob();
    expect(() => job.addArgument('--workers', 5 as unknown as string)).toThrow(`${AT} 'value': received 5; expected a non-empty string for --workers`);
  });

  test('the errors are LakeValidationErrors', () => {
    const { job } = newJob();
    expect(() => job.addArgument('pii', 'x')).toThrow(expect.objectContaining({ name: 'LakeValidationError' }));
  });
});

describe('locations and the arguments prop', () => {
  test('readsFrom refuses a location whose argument the arguments prop already sets (it used to be overwritten silently)', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script(), arguments: { '--input_bronze_path': 's3://mine/' } });
    expect(() => job.readsFrom(lake.bronze, { prefix: 'orders/' })).toThrow(LOCATION_TAKEN('input_bronze', '--input_bronze_path'));
    expect(defaultArguments(stack)['--input_bronze_path']).toBe('s3://mine/');
  });

  test('readsFrom refuses it for the second argument of a location too (_database)', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script(), arguments: { '--input_bronze_database': 'mine' } });
    expect(() => job.readsFrom(lake.bronze, { prefix: 'orders/' })).toThrow(LOCATION_TAKEN('input_bronze', '--input_bronze_database'));
    expect(defaultArguments(stack)['--input_bronze_database']).toBe('mine');
  });

  test('writesTo refuses a location whose argument the arguments prop already sets', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script(), arguments: { '--orders_path': 's3://mine/' } });
    expect(() => job.writesTo(lake.silver, { prefix: 'orders/', argumentName: 'orders' })).toThrow(LOCATION_TAKEN('orders', '--orders_path'));
  });

  test('readsFrom refuses a location whose argument addArgument already set', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script() });
    job.addArgument('--input_bronze_path', 's3://mine/');
    expect(() => job.readsFrom(lake.bronze, { prefix: 'orders/' })).toThrow(LOCATION_TAKEN('input_bronze', '--input_bronze_path'));
  });

  test('another argumentName avoids the clash', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script(), arguments: { '--input_bronze_path': 's3://mine/' } });
    job.readsFrom(lake.bronze, { prefix: 'orders/', argumentName: 'orders' });
    const args = defaultArguments(stack);
    expect(args['--input_bronze_path']).toBe('s3://mine/');
    expect(args['--orders_path']).toBeDefined();
  });
});

describe('GlueJob pins the arguments it manages (NonOverridableArguments)', () => {
  function jobArguments(stack: Stack): { pinned: Record<string, unknown>; defaults: Record<string, unknown> } {
    const props = onlyResource(Template.fromStack(stack), 'AWS::Glue::Job').props;
    return { pinned: props.NonOverridableArguments ?? {}, defaults: props.DefaultArguments ?? {} };
  }
  /**
   * A run's effective arguments as Glue documents them: the run's arguments replace the job's
   * default arguments, and a run argument whose key is non-overridable is ignored.
   */
  function effective(stack: Stack, run: Record<string, string>): Record<string, unknown> {
    const { pinned, defaults } = jobArguments(stack);
    return { ...defaults, ...run, ...pinned };
  }

  test('code, logging, catalog, temporary directory, metrics, Spark UI and environment are pinned, and only there', () => {
    const stack = newStack();
    const job = new GlueJob(stack, 'Job', {
      script: script(),
      environment: 'dev',
      sparkUi: true,
      extraPythonFiles: [glue.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Libs', 'libs'), 'lib.zip')],
      additionalPythonModules: ['great_expectations==1.3.0'],
      arguments: { '--orders_table': 'orders' },
    });
    job.addArgument('--pii_tokenizer_function', 'tokenize-fn');
    const { pinned, defaults } = jobArguments(stack);
    expect(Object.keys(pinned)).toEqual(expect.arrayContaining([
      '--TempDir', '--enable-glue-datacatalog', '--custom-logGroup-prefix', '--custom-logStream-prefix',
      '--extra-py-files', '--additional-python-modules', '--enable-continuous-cloudwatch-log',
      '--continuous-log-logStreamPrefix', '--enable-metrics', '--enable-observability-metrics',
      '--enable-spark-ui', '--spark-event-logs-path', '--enable-auto-scaling', '--env', '--job-language',
    ]));
    expect(pinned['--env']).toBe('dev');
    expect(pinned['--additional-python-modules']).toBe('great_expectations==1.3.0');
    // An argument is in one map only: a default that repeats a pinned key would read as overridable.
    expect(Object.keys(defaults).filter(key => key in pinned)).toEqual([]);
    expect(Object.keys(defaults).sort()).toEqual(['--job-bookmark-option', '--orders_table', '--pii_tokenizer_function']);
  });

  test('locations and the bookmark option stay default arguments (a run may pass them)', () => {
    const { stack, lake } = lakeStack();
    new GlueJob(stack, 'Job', { script: script() }).readsFrom(lake.bronze, { prefix: 'orders/' });
    const { pinned, defaults } = jobArguments(stack);
    expect(Object.keys(defaults).sort()).toEqual(['--input_bronze_database', '--input_bronze_path', '--job-bookmark-option']);
    expect(pinned).not.toHaveProperty('--input_bronze_path');
  });

  test('a run cannot replace the code, temporary directory, logging or catalog; the reprocess and orchestrator arguments still apply', () => {
    const stack = newStack();
    new BookmarkedJob(stack, 'Job', { script: script(), extraPythonFiles: [glue.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Libs', 'libs'), 'lib.zip')], additionalPythonModules: ['pyarrow==17.0.0'], environment: 'dev' });
    const { pinned } = jobArguments(stack);
    const run = effective(stack, {
      '--extra-py-files': 's3://attacker/evil.py',
      '--additional-python-modules': 'evil==6.6.6',
      '--TempDir': 's3://attacker/tmp/',
      '--custom-logGroup-prefix': '/attacker',
      '--enable-glue-datacatalog': 'false',
      '--enable-continuous-cloudwatch-log': 'false',
      '--env': 'prod',
      // What the reprocess state machine and the orchestrator pass.
      '--job-bookmark-option': 'job-bookmark-pause',
      '--job-bookmark-from': 'jr_1',
      '--job-bookmark-to': 'jr_2',
      '--partition': '2026-12-01',
    });
    for (const key of ['--extra-py-files', '--additional-python-modules', '--TempDir', '--custom-logGroup-prefix', '--enable-glue-datacatalog', '--enable-continuous-cloudwatch-log', '--env']) {
      expect([key, run[key]]).toEqual([key, pinned[key]]);
    }
    expect(run['--job-bookmark-option']).toBe('job-bookmark-pause');
    expect(run['--job-bookmark-from']).toBe('jr_1');
    expect(run['--job-bookmark-to']).toBe('jr_2');
    expect(run['--partition']).toBe('2026-12-01');
  });
});

describe('a layer prefix bound to a job is a folder', () => {
  test("prefix 'orders' gives the job the folder s3://.../orders/ and grants orders/* only (not orders-archive/)", () => {
    const { stack, lake } = lakeStack();
    new GlueJob(stack, 'Job', { script: script() }).readsFrom(lake.bronze, { prefix: 'orders' });
    const args = defaultArguments(stack);
    expect(render(args['--input_bronze_path'])).toMatch(/^s3:\/\/<LakeBronzeBucket\w+>\/orders\/$/);
    const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Role'));
    expect(policies).toContain('/orders/*');
    expect(policies).not.toMatch(/\/orders\*"/);
  });
});
