import { VaultHarness } from './fixtures';
import type { Tokenizer } from '../../src/governance/tokenize.lambda';

/** The vault of a test file, and what its tests have handled. */
export interface VaultUnderTest {
  /** The harness (started before the file's first test). */
  readonly vault: VaultHarness;
  /** Every value and token a test handled: none may appear in any log line. */
  readonly secrets: Set<string>;
  /** Tokenizes with a new handler (or `tokenizer`), remembering the values and tokens as secrets. */
  tokenize(values: unknown[], tokenizer?: Tokenizer): Promise<string[]>;
}

/**
 * Registers the hooks of a handler test file: a vault started once, a fresh table, reset KMS
 * counts and the console captured before each test, and after each test the check that nothing
 * a handler logged (structured lines or console output) contains a value or a token.
 */
export function useVault(): VaultUnderTest {
  let vault: VaultHarness | undefined;
  let consoleLines: string[] = [];
  const secrets = new Set<string>();

  beforeAll(async () => {
    vault = await VaultHarness.start();
  }, 60_000);
  afterAll(async () => {
    await vault?.close();
  });
  beforeEach(async () => {
    await vault!.createTable();
    vault!.kms.resetCounts();
    vault!.kms.heal();
    // each test is checked against its own lines only, so a leak fails the test that caused it
    vault!.logs.length = 0;
    vault!.logText.length = 0;
    consoleLines = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleLines.push(args.map(String).join(' '));
      });
    }
  });
  afterEach(() => {
    jest.restoreAllMocks();
    const logged = [...vault!.logText, ...consoleLines].join('\n');
    for (const secret of secrets) expect(logged.includes(secret)).toBe(false);
  });

  const started = (): VaultHarness => {
    if (vault === undefined) throw new Error('the vault starts in beforeAll: use it inside a test or hook');
    return vault;
  };
  return {
    get vault() {
      return started();
    },
    secrets,
    // an arrow function: it may be destructured from the result
    tokenize: async (values, tokenizer) => {
      for (const v of values) if (typeof v === 'string') secrets.add(v);
      const { tokens } = await (tokenizer ?? started().tokenizer())({ values });
      for (const t of tokens) secrets.add(t);
      return tokens;
    },
  };
}
