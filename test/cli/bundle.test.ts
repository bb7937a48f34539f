/**
 * The built command (the npm `bin`): the esbuild bundle runs on its own, with the SDK inside.
 * `npm test` builds it before jest; run `npx projen bundle` after changing src/cli.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

const BUNDLE = join(__dirname, '..', '..', 'assets', 'cli', 'main', 'cdk-glue-lake.js');

function run(...args: string[]) {
  if (!existsSync(BUNDLE)) {
    throw new Error(`${BUNDLE} is missing: run 'npx projen bundle' (npm test builds it before jest)`);
  }
  // no AWS settings of the machine running the tests
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_CONFIG_FILE: join(__dirname, 'no-such-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(__dirname, 'no-such-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return spawnSync(process.execPath, [BUNDLE, ...args], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
}

describe('the bundled command', () => {
  test('--help: the usage, exit 0, nothing on stderr (no SDK warning either)', () => {
    const result = run('--help');

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cdk-glue-lake <command> \[flags\]\n/);
  });

  test('run-jobs --help', () => {
    const result = run('run-jobs', '--help');

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cdk-glue-lake run-jobs \(--tag <key>=<value> \| --job <name> \[--job <name>...\]\) \[options\]\n/);
  });

  test('run-jobs with a bad flag: the error, the hint, exit 2', () => {
    const result = run('run-jobs', '--tag', 'stage=integ', '--max-duration', 'ten');

    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: --max-duration: expected a duration such as "90s", "10m", "1h30m" or "2h" '
      + '(whole hours, minutes and seconds, more than zero), got "ten"\n'
      + "Run 'cdk-glue-lake run-jobs --help' for usage.\n");
  });

  test('--version: the version of the package', () => {
    const result = run('--version');

    expect(result.status).toBe(0);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(result.stdout).toBe(`cdk-glue-lake ${require('../../package.json').version}\n`);
  });

  test('no region: exit 2 before any AWS call', () => {
    const result = run('run-jobs', '--job', 'orders-raw');

    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: no AWS region: pass --region or set AWS_REGION\n');
  });
});
