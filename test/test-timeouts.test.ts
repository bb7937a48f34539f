// No test may fail because the machine is slow. Every test file that runs an emulator sets the
// generous timeout of test/helpers/timeouts.ts for all its tests and hooks.
import * as fs from 'fs';
import * as path from 'path';
import { EMULATOR_TEST_TIMEOUT_MS } from './helpers/timeouts';

/** Imports that start an emulator or a local endpoint, or run a state machine or SQL engine. */
const EMULATOR_IMPORTS = [
  /from '(\.\.?\/)+helpers\/dynalite'/, /from '\.\/vault-hooks'/, /from '(\.\.?\/)+helpers\/duckdb'/,
  /from '(\.\.?\/)+helpers\/asl'/, /from 'aws-local-stepfunctions'/, /from 'dynalite'/, /from '@duckdb\/node-api'/,
  /from '\.\/harness'/,
];
const SETS_TIMEOUT = /^jest\.setTimeout\(EMULATOR_TEST_TIMEOUT_MS\);$/m;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__snapshots__' ? [] : testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = testFiles(__dirname).filter(f => f !== __filename).filter(f => EMULATOR_IMPORTS.some(re => re.test(fs.readFileSync(f, 'utf8'))));

test('the emulator timeout is generous (at least a minute)', () => {
  expect(EMULATOR_TEST_TIMEOUT_MS).toBeGreaterThanOrEqual(60_000);
});

test('the emulator test files are found (the check below cannot pass on an empty list)', () => {
  const names = files.map(f => path.relative(__dirname, f));
  expect(names).toEqual(expect.arrayContaining([
    path.join('governance', 'detokenize.test.ts'), path.join('governance', 'tokenize.test.ts'),
    path.join('catalog', 'retain-last-merge.test.ts'),
  ]));
});

test.each(files.map(f => [path.relative(__dirname, f), f]))('%s sets jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS)', (_name, file) => {
  expect(fs.readFileSync(file, 'utf8')).toMatch(SETS_TIMEOUT);
});
