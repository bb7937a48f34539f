import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as LocalStepFunctions from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
import { forLocalEmulator, renderString } from './helpers/asl';
import {
  globOnlyCharacters, InvalidStringMatchesPattern, parseStringMatches, stringMatches, toLocalEmulatorPattern,
} from './helpers/string-matches';
import { EMULATOR_TEST_TIMEOUT_MS } from './helpers/timeouts';
import { orchestratorStack } from './orchestration/fixtures';
import { lakeStack, script } from './processing/fixtures';
import { PartitionedJobOrchestrator } from '../src/orchestration/partitioned-job-orchestrator';
import { BookmarkedJob } from '../src/processing/bookmarked-job';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

// Every `StringMatches` pattern the library synthesizes, checked with Step Functions' documented
// semantics (test/helpers/string-matches.ts: only `*` is a wildcard, `\*` a literal star, `\\` a literal
// backslash, `?` and everything else literal) against inputs shaped like the real ones. The local
// emulator cannot do this: it evaluates patterns as globs (`?` = any one character).

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine }: typeof LocalStepFunctions = require('aws-local-stepfunctions');

/** A Glue job run id as Glue returns them: `jr_` and 64 lowercase hexadecimal digits. */
function glueRunId(seed: string): string {
  return `jr_${createHash('sha256').update(seed).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// The evaluator itself
// ---------------------------------------------------------------------------------------------

describe('the documented StringMatches semantics', () => {
  test.each<[string, string, boolean]>([
    // The examples of the States Language specification.
    ['foo*.log', 'foo23.log', true],
    ['*.log', 'zebra.log', true],
    ['foo*.*', 'foobar.zebra', true],
    // The whole string must match; * matches zero or more characters.
    ['foo*', 'foo', true],
    ['foo*', 'xfoo', false],
    ['*', '', true],
    ['a*b*c', 'a-b-b-c', true],
    ['a*b*c', 'a-b-b-c-', false],
    // ? and glob brackets are literal.
    ['jr_?*', glueRunId('a'), false],
    ['jr_?*', 'jr_?abc', true],
    ['a[bc]', 'ab', false],
    ['a[bc]', 'a[bc]', true],
    ['{a,b}', 'a', false],
    // \* is a literal star, \\ a literal backslash.
    ['x\\*y', 'x*y', true],
    ['x\\*y', 'xzy', false],
    ['x\\\\*', 'x\\anything', true],
    ['x\\\\*', 'xanything', false],
  ])('StringMatches %j against %j is %s', (pattern, value, expected) => {
    expect(stringMatches(pattern, value)).toBe(expected);
  });

  test.each<[string, string]>([
    ['abc\\', 'invalid StringMatches pattern "abc\\\\": it ends with an open escape \\ (Step Functions fails the execution with a runtime error)'],
    ['a\\?', 'invalid StringMatches pattern "a\\\\?": \\? at index 1 is not an escape Step Functions defines (only \\* and \\\\)'],
  ])('%j is refused', (pattern, message) => {
    expect(() => parseStringMatches(pattern)).toThrow(InvalidStringMatchesPattern);
    expect(() => parseStringMatches(pattern)).toThrow(message);
  });

  test.each<[string, string[]]>([
    ['jr_*', []],
    ['jr_?*', ["'?' (literal in Step Functions, any one character in a glob engine)"]],
    ['[a-z]*{x,y}', [
      "'[' (literal in Step Functions, the start of a character class in a glob engine)",
      "']' (literal in Step Functions, the end of a character class in a glob engine)",
      "'{' (literal in Step Functions, the start of a brace alternative in a glob engine)",
      "'}' (literal in Step Functions, the end of a brace alternative in a glob engine)",
    ]],
  ])('glob-only characters of %j', (pattern, expected) => {
    expect(globOnlyCharacters(pattern)).toEqual(expected);
  });
});

describe('the local emulator, given forLocalEmulator patterns, agrees with the documented semantics', () => {
  /** Runs a one-Choice state machine in aws-local-stepfunctions: true when the pattern matched. */
  async function emulatorMatches(pattern: string, value: string, rewrite: boolean): Promise<boolean> {
    const definition = {
      StartAt: 'Check',
      States: {
        Check: { Type: 'Choice', Choices: [{ Variable: '$.value', StringMatches: pattern, Next: 'Matched' }], Default: 'NotMatched' },
        Matched: { Type: 'Pass', Result: 'matched', End: true },
        NotMatched: { Type: 'Pass', Result: 'not matched', End: true },
      },
    };
    const machine = new StateMachine((rewrite ? forLocalEmulator(definition) : definition) as LocalStepFunctions.StateMachineDefinition);
    return await machine.run({ value }).result === 'matched';
  }

  const CASES: Array<[string, string]> = [
    ['jr_?*', glueRunId('b')], ['jr_?*', 'jr_?b'], ['jr_*', glueRunId('c')], ['jr_*', 'jr_'], ['jr_*', 'JR_x'],
    ['a[b]c', 'abc'], ['a[b]c', 'a[b]c'], ['a{b,c}', 'ab'], ['a{b,c}', 'a{b,c}'], ['a.c', 'abc'], ['a.c', 'a.c'],
    ['x\\*y', 'x*y'], ['x\\*y', 'xzy'], ['x\\\\y', 'x\\y'], ['(a|b)+', 'a'], ['(a|b)+', '(a|b)+'], ['^a$', '^a$'],
    ['a/b*', 'a/b/c'], ['**', 'any/thing'], ['*', ''], ['a!b', 'a!b'],
  ];

  test.each(CASES)('StringMatches %j against %j', async (pattern, value) => {
    await expect(emulatorMatches(pattern, value, true)).resolves.toBe(stringMatches(pattern, value));
  }, 60_000);

  test('without the rewrite, the emulator accepts a run id that Step Functions refuses (why the rewrite exists)', async () => {
    const id = glueRunId('d');
    expect(stringMatches('jr_?*', id)).toBe(false);
    await expect(emulatorMatches('jr_?*', id, false)).resolves.toBe(true);
    expect(toLocalEmulatorPattern('jr_?*')).toBe('jr_\\?*');
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// The library's patterns
// ---------------------------------------------------------------------------------------------

/** The constructs of the library that create a state machine, each synthesized in its default setup. */
const STATE_MACHINE_CONSTRUCTS: ReadonlyArray<{ readonly source: string; readonly name: string; readonly stack: () => Stack }> = [
  {
    source: 'src/processing/bookmarked-job.ts',
    name: BookmarkedJob.name,
    stack: () => {
      const { stack } = lakeStack();
      new BookmarkedJob(stack, 'Events', { script: script() });
      return stack;
    },
  },
  {
    source: 'src/orchestration/partitioned-job-orchestrator.ts',
    name: PartitionedJobOrchestrator.name,
    stack: () => orchestratorStack().stack,
  },
];

/** Inputs shaped like the real ones, per variable a `StringMatches` compares; every variable must be listed. */
const REAL_INPUTS: Readonly<Record<string, { readonly what: string; readonly match: string[]; readonly noMatch: string[] }>> = (() => {
  const runId = {
    what: 'a Glue job run id (jr_ and 64 lowercase hexadecimal digits)',
    match: [glueRunId('first run'), glueRunId('second run'), glueRunId('third run'), `jr_${'0'.repeat(64)}`],
    noMatch: ['', createHash('sha256').update('no prefix').digest('hex'), `JR_${'a'.repeat(64)}`, ` ${glueRunId('space')}`, 'run-1', 'jr'],
  };
  // The cause of a failed glue:startJobRun.sync task: the job run as JSON (its shape is not
  // documented; this is the form Step Functions reports), or an API error's text.
  const jobRun = (id: string, state: string, message: string) => JSON.stringify({ Id: id, JobName: 'orders', JobRunState: state, ErrorMessage: message, Attempt: 0 });
  const cause = {
    what: 'the cause of a failed Glue run task (the job run as JSON)',
    match: [
      jobRun(glueRunId('failed'), 'FAILED', 'AnalysisException: cannot cast "ann@example.com" to INT'),
      jobRun(glueRunId('timeout'), 'TIMEOUT', 'Job run timed out'),
    ],
    noMatch: ['', 'Rate exceeded (Service: Glue, Status Code: 400, Error Code: ThrottlingException)', 'An error occurred while calling o97.save'],
  };
  return { '$.fromRunId': runId, '$.toRunId': runId, '$.rewindToRunId': runId, '$.failure.Cause': cause };
})();

interface FoundPattern {
  readonly construct: string;
  readonly stateMachine: string;
  readonly state: string;
  readonly variable: string;
  readonly pattern: string;
}

/** Every StringMatches of a Choice rule (And/Or/Not nested) in the states, Parallel branches and Map iterators. */
function collectFromStates(states: Record<string, any>, where: Omit<FoundPattern, 'state' | 'variable' | 'pattern'>, found: FoundPattern[]): void {
  const fromRule = (state: string, rule: any): void => {
    if (rule === null || typeof rule !== 'object') return;
    if (typeof rule.StringMatches === 'string') found.push({ ...where, state, variable: String(rule.Variable), pattern: rule.StringMatches });
    for (const nested of [...(rule.And ?? []), ...(rule.Or ?? []), ...(rule.Not ? [rule.Not] : [])]) fromRule(state, nested);
  };
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Choice') for (const rule of state.Choices ?? []) fromRule(name, rule);
    if (state.Type === 'Parallel') for (const branch of state.Branches ?? []) collectFromStates(branch.States ?? {}, where, found);
    if (state.Type === 'Map') collectFromStates((state.ItemProcessor ?? state.Iterator)?.States ?? {}, where, found);
  }
}

/** Counts `StringMatches` keys anywhere in a definition (to prove the walk above misses none). */
function countStringMatchesKeys(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countStringMatchesKeys(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  return Object.entries(value).reduce((n, [k, v]) => n + (k === 'StringMatches' ? 1 : 0) + countStringMatchesKeys(v), 0);
}

const definitions = STATE_MACHINE_CONSTRUCTS.flatMap(({ name, stack }) => {
  const resources = Template.fromStack(stack()).findResources('AWS::StepFunctions::StateMachine');
  return Object.entries(resources).map(([logicalId, resource]) => ({
    construct: name,
    stateMachine: logicalId,
    definition: JSON.parse(renderString(resource.Properties.DefinitionString)),
  }));
});
const patterns: FoundPattern[] = definitions.flatMap(({ construct, stateMachine, definition }) => {
  const found: FoundPattern[] = [];
  collectFromStates(definition.States, { construct, stateMachine }, found);
  return found;
});
const label = (p: FoundPattern) => `${p.construct} ${p.stateMachine} state ${p.state}: ${p.variable} StringMatches ${JSON.stringify(p.pattern)}`;

describe('the StringMatches patterns the library synthesizes', () => {
  test('every construct that creates a state machine is synthesized here', () => {
    const root = path.join(__dirname, '..', 'src');
    const creators: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          visit(file);
        } else if (/\.ts$/.test(entry.name) && /new sfn\.StateMachine\(|new StateMachine\(|CfnStateMachine\(/.test(fs.readFileSync(file, 'utf8'))) {
          creators.push(path.relative(path.join(root, '..'), file).split(path.sep).join('/'));
        }
      }
    };
    visit(root);
    expect(creators.sort()).toEqual(STATE_MACHINE_CONSTRUCTS.map(c => c.source).sort());
    for (const { name } of STATE_MACHINE_CONSTRUCTS) {
      expect(definitions.filter(d => d.construct === name).length).toBeGreaterThanOrEqual(1);
    }
  });

  test('the walk finds every StringMatches of every definition (Choice rules, Parallel branches, Map iterators)', () => {
    for (const { stateMachine, definition } of definitions) {
      expect(patterns.filter(p => p.stateMachine === stateMachine)).toHaveLength(countStringMatchesKeys(definition));
    }
    // The reprocessing state machine checks three run ids: the walk must see them.
    expect(patterns.map(p => p.variable).sort()).toEqual(expect.arrayContaining(['$.fromRunId', '$.rewindToRunId', '$.toRunId']));
  });

  test('no pattern uses a character that only a glob engine treats as special, and none has an open escape', () => {
    const problems = patterns.flatMap(p => {
      try {
        // Braces are literal in Step Functions (and escaped for the emulator by forLocalEmulator): the
        // library uses them to recognise JSON text. '?' and brackets stay refused: they read as
        // wildcards to anyone used to globs, which is how 'jr_?*' refused every real run id.
        const glob = globOnlyCharacters(p.pattern).filter(c => !c.startsWith("'{'") && !c.startsWith("'}'"));
        return glob.length ? [`${label(p)} contains ${glob.join(', ')}; only '*' is a wildcard in Step Functions`] : [];
      } catch (e) {
        return [`${label(p)}: ${(e as Error).message}`];
      }
    });
    expect(problems).toEqual([]);
  });

  test('every pattern matches the real-shaped inputs of its variable and refuses the others', () => {
    const problems: string[] = [];
    for (const p of patterns) {
      const inputs = REAL_INPUTS[p.variable];
      if (!inputs) {
        problems.push(`${label(p)}: no real-shaped inputs listed for ${p.variable}; add them to REAL_INPUTS`);
        continue;
      }
      for (const value of inputs.match) {
        if (!stringMatches(p.pattern, value)) problems.push(`${label(p)} refuses ${JSON.stringify(value)}, ${inputs.what}`);
      }
      for (const value of inputs.noMatch) {
        if (stringMatches(p.pattern, value)) problems.push(`${label(p)} accepts ${JSON.stringify(value)}, which is not ${inputs.what}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// State names
// ---------------------------------------------------------------------------------------------

/** Every state name of a definition, Parallel branches and Map iterators included. */
function stateNames(states: Record<string, any>): string[] {
  return Object.entries(states).flatMap(([name, state]) => [
    name,
    ...(state.Type === 'Parallel' ? (state.Branches ?? []).flatMap((b: any) => stateNames(b.States ?? {})) : []),
    ...(state.Type === 'Map' ? stateNames((state.ItemProcessor ?? state.Iterator)?.States ?? {}) : []),
  ]);
}

describe('the state names the library synthesizes', () => {
  // Step Functions' API reference (StateExitedEventDetails, name): 1 to 80 characters, no white space,
  // brackets < > { } [ ], wildcard characters ? *, special characters " # % \ ^ | ~ ` $ & , ; : /
  // or control characters; for logging with CloudWatch Logs, only 0-9, A-Z, a-z, - and _.
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateExitedEventDetails.html
  test('every state name has 1 to 80 characters of 0-9, A-Z, a-z, - and _ (what Step Functions allows and logs)', () => {
    const names = definitions.flatMap(({ construct, definition }) => stateNames(definition.States).map(name => ({ construct, name })));
    expect(names.length).toBeGreaterThan(10);
    const invalid = names.filter(({ name }) => !/^[0-9A-Za-z_-]{1,80}$/.test(name)).map(({ construct, name }) => `${construct}: ${JSON.stringify(name)}`);
    expect(invalid).toEqual([]);
  });
});
