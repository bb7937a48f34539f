import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { newStack, onlyResource, script } from './fixtures';
import { BookmarkedJob, GlueJob, type GlueJobProps } from '../../src';
import { JOB_RUNTIME } from '../../src/private/job-runtime';
import { roleStatements } from '../helpers/iam';
import { render } from '../helpers/render';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

// The zip tests spawn Python (builds, imports): generous, like the emulator tests.
jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const ROOT = path.join(__dirname, '..', '..');
const BUILD_SCRIPT = path.join(ROOT, 'scripts', 'build-runtime.py');
const PACKAGE_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const ASSET = /^s3:\/\/cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.zip$/;
/** Python without the repository's runtime sources on its path and without writing bytecode. */
const PYTHON_ENV = { ...process.env, PYTHONPATH: '', PYTHONDONTWRITEBYTECODE: '1' };

function python(args: string[], cwd = os.tmpdir()): string {
  const result = spawnSync('python3', args, { cwd, env: PYTHON_ENV, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3 ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Builds the runtime zip into a new temporary folder (with another package.json when given). */
function buildZip(packageJson?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gluelake-zip-'));
  const out = path.join(dir, 'gluelake.zip');
  python([BUILD_SCRIPT, '--out', out, ...(packageJson ? ['--package-json', packageJson] : [])], ROOT);
  return out;
}

interface ZipEntry { name: string; date_time: number[]; mode: number; compress_type: number; create_system: number }

/** The zip's entries as Python's zipfile reads them (in archive order). */
function zipEntries(zip: string): ZipEntry[] {
  return JSON.parse(python(['-c', [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'print(json.dumps([{"name": i.filename, "date_time": list(i.date_time), "mode": i.external_attr >> 16,',
    '  "compress_type": i.compress_type, "create_system": i.create_system} for i in z.infolist()]))',
  ].join('\n'), zip]));
}

function zipMember(zip: string, name: string): string {
  return python(['-c', 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode("utf-8"))', zip, name]);
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function newJob(props: Partial<GlueJobProps> = {}): { stack: Stack; job: GlueJob; template: Template; props: any } {
  const stack = newStack();
  const job = new GlueJob(stack, 'Job', { script: script(), ...props });
  const template = Template.fromStack(stack);
  return { stack, job, template, props: onlyResource(template, 'AWS::Glue::Job').props };
}

/** The job role's statement that grants reading the job's code. */
function readJobCode(template: Template, job: GlueJob): any {
  return roleStatements(template, job.role).find((s: any) => s.Sid === 'ReadJobCode');
}

/** `s3://bucket/key` as the ARN of the object. */
function objectArn(uri: string): string {
  return `arn:aws:s3:::${uri.slice('s3://'.length)}`;
}

/** Where aws-cdk-lib uploads a file asset of the runtime zip (the fixture's account and region). */
function runtimeAssetUri(): string {
  const stack = newStack('Probe');
  const location = glue.Code.fromAsset(JOB_RUNTIME.zipPath).bind(stack, new iam.Role(stack, 'Probe', { assumedBy: new iam.AccountRootPrincipal() })).s3Location;
  return render(stack.resolve(`s3://${location.bucketName}/${location.objectKey}`));
}

describe('GlueJob ships the job runtime', () => {
  test('by default, the runtime zip is the only --extra-py-files, pinned (a run cannot replace it)', () => {
    const { stack, props } = newJob();
    const files = render(props.NonOverridableArguments['--extra-py-files']);
    expect(files).toMatch(ASSET);
    expect(files).toBe(runtimeAssetUri());
    expect(props.DefaultArguments['--extra-py-files']).toBeUndefined();
  });

  test('the runtime comes first; the user\'s extraPythonFiles follow, in their order', () => {
    const stack = newStack();
    const libs = s3.Bucket.fromBucketName(stack, 'Libs', 'libs');
    new GlueJob(stack, 'Job', { script: script(), extraPythonFiles: [glue.Code.fromBucket(libs, 'a.zip'), glue.Code.fromBucket(libs, 'b.py')] });
    const props = onlyResource(Template.fromStack(stack), 'AWS::Glue::Job').props;
    const files = render(props.NonOverridableArguments['--extra-py-files']).split(',');
    expect(files).toEqual([runtimeAssetUri(), 's3://libs/a.zip', 's3://libs/b.py']);
  });

  test('jobRuntime: false leaves it out: no --extra-py-files without extraPythonFiles, only the user\'s with them', () => {
    const without = newJob({ jobRuntime: false }).props;
    expect(without.NonOverridableArguments['--extra-py-files']).toBeUndefined();
    expect(without.DefaultArguments['--extra-py-files']).toBeUndefined();
    const stack = newStack();
    new GlueJob(stack, 'Job', { script: script(), jobRuntime: false, extraPythonFiles: [glue.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Libs', 'libs'), 'a.zip')] });
    const props = onlyResource(Template.fromStack(stack), 'AWS::Glue::Job').props;
    expect(render(props.NonOverridableArguments['--extra-py-files'])).toBe('s3://libs/a.zip');
  });

  test('the role may read exactly the script, the runtime zip and the user\'s files: object by object, no wildcard', () => {
    const stack = newStack();
    const job = new GlueJob(stack, 'Job', { script: script(), extraPythonFiles: [glue.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Libs', 'libs'), 'a.zip')] });
    const template = Template.fromStack(stack);
    const props = onlyResource(template, 'AWS::Glue::Job').props;
    const statement = readJobCode(template, job);
    expect(statement.Action).toBe('s3:GetObject');
    const scriptUri = render(props.Command.ScriptLocation);
    const files = render(props.NonOverridableArguments['--extra-py-files']).split(',');
    expect(files).toEqual([runtimeAssetUri(), 's3://libs/a.zip']);
    // The job's own code in its role; the runtime zip, the same object for every job, in the shared job policy.
    expect([statement.Resource].flat().map(render).sort()).toEqual([scriptUri, 's3://libs/a.zip'].map(objectArn).sort());
    const shared = onlyResource(template, 'AWS::IAM::ManagedPolicy').props.PolicyDocument.Statement.find((s: any) => s.Sid === 'ReadJobRuntime');
    expect(shared.Action).toBe('s3:GetObject');
    expect(render(shared.Resource)).toBe(objectArn(runtimeAssetUri()));
    const all = [statement.Resource, shared.Resource].flat().map(render);
    expect(all.filter((arn: string) => arn.includes('*'))).toEqual([]);
  });

  test('with jobRuntime: false the role reads the script only', () => {
    const { job, template, props } = newJob({ jobRuntime: false });
    expect(render(readJobCode(template, job).Resource)).toBe(objectArn(render(props.Command.ScriptLocation)));
  });

  test('a BookmarkedJob ships it too', () => {
    const stack = newStack();
    new BookmarkedJob(stack, 'Job', { script: script() });
    const props = onlyResource(Template.fromStack(stack), 'AWS::Glue::Job').props;
    expect(render(props.NonOverridableArguments['--extra-py-files'])).toBe(runtimeAssetUri());
  });

  test('jobs of a stack share one upload of the zip (one asset, same object)', () => {
    const stack = newStack();
    new GlueJob(stack, 'A', { script: script() });
    new GlueJob(stack, 'B', { script: script() });
    const jobs = Object.values(Template.fromStack(stack).findResources('AWS::Glue::Job')) as any[];
    const files = jobs.map(j => render(j.Properties.NonOverridableArguments['--extra-py-files']));
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(ASSET);
    expect(files[1]).toBe(files[0]);
  });

  test('the zip\'s asset is named the same wherever the package is installed (a pipeline does not change with the path)', () => {
    const built = JOB_RUNTIME.zipPath;
    const assetPaths = (zip: string) => {
      JOB_RUNTIME.zipPath = zip;
      try {
        const stack = newStack();
        new GlueJob(stack, 'Job', { script: script() });
        const props = onlyResource(Template.fromStack(stack), 'AWS::Glue::Job').props;
        const assets = stack.node.findAll().filter(c => c instanceof s3assets.Asset).map(c => c.node.path).sort();
        return { assets, files: render(props.NonOverridableArguments['--extra-py-files']) };
      } finally {
        JOB_RUNTIME.zipPath = built;
      }
    };
    // The same bytes elsewhere (e.g. the jsii runtime's copy of the package, in a temporary or cache folder).
    const elsewhere = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'installed-')), 'node_modules', 'cdk-glue-lake', 'assets', 'runtime', 'gluelake.zip');
    fs.mkdirSync(path.dirname(elsewhere), { recursive: true });
    fs.copyFileSync(built, elsewhere);
    const here = assetPaths(built);
    expect(here.assets).toContain('Stack/CdkGlueLakeSharedJobResources/JobRuntime');
    expect(assetPaths(elsewhere)).toEqual(here);
  });

  describe('without a built zip', () => {
    const built = JOB_RUNTIME.zipPath;
    const missing = path.join(os.tmpdir(), 'no-such-folder', 'gluelake.zip');
    beforeEach(() => { JOB_RUNTIME.zipPath = missing; });
    afterEach(() => { JOB_RUNTIME.zipPath = built; });

    test.each<[string, (stack: Stack) => unknown, string]>([
      ['a GlueJob', stack => new GlueJob(stack, 'Job', { script: script() }), 'GlueJob'],
      ['a BookmarkedJob', stack => new BookmarkedJob(stack, 'Job', { script: script() }), 'BookmarkedJob'],
    ])('%s fails with a message that says how to build it or opt out', (_name, create, construct) => {
      expect(() => create(newStack())).toThrow(
        `${construct} at 'Stack/Job': invalid prop 'jobRuntime': received true; expected the job runtime zip at ${missing}, which the library build creates (run \`npx projen bundle\` or \`python3 scripts/build-runtime.py\` in a checkout of cdk-glue-lake), or jobRuntime: false`);
    });

    test('jobRuntime: false does not need it', () => {
      const stack = newStack();
      new GlueJob(stack, 'Job', { script: script(), jobRuntime: false });
      expect(onlyResource(Template.fromStack(stack), 'AWS::Glue::Job').props.NonOverridableArguments['--extra-py-files']).toBeUndefined();
    });
  });
});

describe('the runtime zip (scripts/build-runtime.py)', () => {
  test('the shipped zip carries package.json\'s version', () => {
    const version = zipMember(JOB_RUNTIME.zipPath, 'gluelake/_version.py');
    expect(version).toMatch(new RegExp(`^__version__ = "${PACKAGE_VERSION.replace(/[.+]/g, '\\$&')}"$`, 'm'));
  });

  test('the version written is package.json\'s, and the rest of _version.py is kept', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gluelake-version-'));
    const packageJson = path.join(dir, 'package.json');
    fs.writeFileSync(packageJson, JSON.stringify({ name: 'cdk-glue-lake', version: '7.8.9-rc.1' }));
    const source = fs.readFileSync(path.join(ROOT, 'runtime', 'src', 'gluelake', '_version.py'), 'utf8');
    const zipped = zipMember(buildZip(packageJson), 'gluelake/_version.py');
    expect(zipped).toBe(source.replace(/^__version__ = "[^"]*"$/m, '__version__ = "7.8.9-rc.1"'));
    expect(zipped).not.toBe(source);
  });

  test('two builds give the same bytes, and the shipped zip is the build of the current sources', () => {
    const first = buildZip();
    const second = buildZip();
    expect(sha256(second)).toBe(sha256(first));
    // `npx projen bundle` (run before the tests) rebuilds it: a stale zip would ship an old runtime.
    expect(sha256(JOB_RUNTIME.zipPath)).toBe(sha256(first));
  });

  test('entries: sorted, stored, dated 1980-01-01, rw-r--r--, every module but the pytest kit, no bytecode', () => {
    const entries = zipEntries(buildZip());
    const names = entries.map(e => e.name);
    expect(names).toEqual([...names].sort());
    const sources = path.join(ROOT, 'runtime', 'src', 'gluelake');
    const expected = fs.readdirSync(sources, { recursive: true, encoding: 'utf8' })
      .map(p => p.split(path.sep).join('/'))
      .filter(p => fs.statSync(path.join(sources, p)).isFile())
      .filter(p => !p.startsWith('testing/') && !p.split('/').includes('__pycache__') && !/\.py[co]$/.test(p))
      .map(p => `gluelake/${p}`).sort();
    expect(names).toEqual(expected);
    expect(names).toEqual(expect.arrayContaining(['gluelake/__init__.py', 'gluelake/_version.py', 'gluelake/arguments.py', 'gluelake/py.typed']));
    expect(names.filter(n => n.startsWith('gluelake/testing/') || n.includes('__pycache__') || n.endsWith('.pyc'))).toEqual([]);
    for (const entry of entries) {
      expect(entry).toEqual({ name: entry.name, date_time: [1980, 1, 1, 0, 0, 0], mode: 0o100644, compress_type: 0, create_system: 3 });
    }
  });

  test('Python imports gluelake and gluelake.arguments from the zip alone (no other path)', () => {
    const out = python(['-c', [
      'import sys',
      `sys.path.insert(0, ${JSON.stringify(JOB_RUNTIME.zipPath)})`,
      'import gluelake, gluelake.arguments',
      'print(gluelake.__version__)',
      'print(gluelake.__file__)',
      'print(gluelake.arguments.parse_argv(["job.py", "--input_bronze_path", "s3://b/p/"])["input_bronze_path"])',
    ].join('\n')]);
    expect(out.split('\n')).toEqual([PACKAGE_VERSION, path.join(JOB_RUNTIME.zipPath, 'gluelake', '__init__.py'), 's3://b/p/', '']);
  });
});
