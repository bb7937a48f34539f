import { createHash } from 'crypto';
import { emails, VaultHarness, type VaultItem } from './fixtures';
import { useVault } from './vault-hooks';
import { UNPROCESSED_READ_ATTEMPTS } from '../../src/governance/tokenize.lambda';
import { DATA_KEY_MAX_AGE_SECONDS, MAX_BATCH_SIZE } from '../../src/governance/vault';
import { DYNAMODB_MAX_ATTEMPTS, TokenizerConfigError, tokenizeConfigFromEnv } from '../../src/governance/vault-runtime';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const TOKEN = /^tok_[0-9a-f]{32}$/;

const ctx = useVault();
const { secrets, tokenize } = ctx;

function complete(item: VaultItem): boolean {
  return /^[0-9a-f]{64}$/.test(item.fp?.S ?? '') && TOKEN.test(item.token?.S ?? '')
    && (item.ct?.B?.length ?? 0) > 28 && (item.dk?.B?.length ?? 0) > 0 && !Number.isNaN(Date.parse(item.createdAt?.S ?? ''));
}

describe('round trip and determinism', () => {
  test('values become tokens, in order, and detokenize back', async () => {
    const values = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
    const tokens = await tokenize(values);
    expect(tokens).toHaveLength(3);
    for (const t of tokens) expect(t).toMatch(TOKEN);
    expect(new Set(tokens).size).toBe(3);

    const { values: back } = await ctx.vault.detokenizer()({ tokens: [tokens[2], tokens[0], tokens[1]] });
    expect(back).toEqual(['carol@example.com', 'alice@example.com', 'bob@example.com']);
  });

  test('the same value gets the same token across invocations and cold starts', async () => {
    const warm = ctx.vault.tokenizer();
    const first = await tokenize(['dave@example.com', 'erin@example.com'], warm);
    const again = await tokenize(['erin@example.com', 'dave@example.com'], warm);
    const cold = await tokenize(['dave@example.com'], ctx.vault.tokenizer());
    expect(again).toEqual([first[1], first[0]]);
    expect(cold).toEqual([first[0]]);
    expect(await ctx.vault.items()).toHaveLength(2);
  });

  test('existing values reuse their token and nothing is written for them', async () => {
    const values = emails(20, 'reuse');
    const first = await tokenize(values);
    const before = await ctx.vault.items();
    const second = await tokenize([...values].reverse());
    expect(second).toEqual([...first].reverse());
    expect(await ctx.vault.items()).toEqual(expect.arrayContaining(before));
    expect(await ctx.vault.items()).toHaveLength(20);
    expect(ctx.vault.logged('tokenized').at(-1)).toMatchObject({ values: 20, distinct: 20, existing: 20, created: 0 });
  });

  test('duplicates in a batch get one token and one vault entry', async () => {
    const tokens = await tokenize(['frank@example.com', '  frank@example.com', 'grace@example.com', 'frank@example.com ']);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[0]).toBe(tokens[3]);
    expect(tokens[2]).not.toBe(tokens[0]);
    expect(await ctx.vault.items()).toHaveLength(2);
    expect(ctx.vault.logged('tokenized').at(-1)).toMatchObject({ values: 4, distinct: 2, created: 2 });
  });

  test('by default values are trimmed but not case-folded; detokenize returns the normalised value', async () => {
    const tokens = await tokenize(['  Heidi@Example.com\t', 'heidi@example.com']);
    expect(tokens[0]).not.toBe(tokens[1]);
    const { values } = await ctx.vault.detokenizer()({ tokens });
    expect(values).toEqual(['Heidi@Example.com', 'heidi@example.com']);
  });

  test('canonically equivalent Unicode strings (NFC) share a token', async () => {
    const composed = 'zoë@example.com';
    const decomposed = 'zoe\u0308@example.com';
    expect(composed).not.toBe(decomposed);
    const tokens = await tokenize([composed, decomposed]);
    expect(tokens[0]).toBe(tokens[1]);
  });

  test('an empty batch returns no tokens and calls nothing', async () => {
    expect(await ctx.vault.tokenizer()({ values: [] })).toEqual({ tokens: [] });
    expect(ctx.vault.kms.total).toBe(0);
  });
});

describe('normalisation declared on the construct', () => {
  test('caseFold and removeCharacters reach the handler through the synthesized environment', async () => {
    const phones = await VaultHarness.start({ normalization: { caseFold: true, removeCharacters: ' -()' }, tokenPrefix: 'pii_' });
    try {
      const tokenizer = phones.tokenizer();
      const { tokens } = await tokenizer({ values: ['+1 (555) 010-0000', '+15550100000', 'Ivan@Example.COM', 'ivan@example.com'] });
      for (const t of tokens) secrets.add(t);
      expect(tokens[0]).toMatch(/^pii_[0-9a-f]{32}$/);
      expect(tokens[0]).toBe(tokens[1]);
      expect(tokens[2]).toBe(tokens[3]);
      const { values } = await phones.detokenizer()({ tokens: [tokens[0], tokens[2]] });
      expect(values).toEqual(['+15550100000', 'ivan@example.com']);
    } finally {
      await phones.close();
    }
  });
});

describe('caseFold is full Unicode case folding after NFKC', () => {
  const SAME: ReadonlyArray<readonly [string, string]> = [
    ['Straße@example.com', 'STRASSE@example.com'],
    ['ＡＢＣ@example.com', 'abc@example.com'],
    ['ΣΊΣΥΦΟΣ@example.com', 'σίσυφος@example.com'],
    ['ﬁona@example.com', 'FIONA@example.com'],
    ['GROẞ@example.com', 'gross@example.com'],
  ];
  const DISTINCT: ReadonlyArray<readonly [string, string]> = [
    ['İlker@example.com', 'ilker@example.com'],
    ['ılker@example.com', 'ilker@example.com'],
    ['rené@example.com', 'rene@example.com'],
    ['søren@example.com', 'soren@example.com'],
  ];

  test('pairs that differ only in case or compatibility form share one token and one entry; others stay distinct', async () => {
    const folded = await VaultHarness.start({ normalization: { caseFold: true } });
    try {
      const values = [...SAME, ...DISTINCT].flat();
      for (const v of values) secrets.add(v);
      const { tokens } = await folded.tokenizer()({ values });
      for (const t of tokens) secrets.add(t);
      SAME.forEach((_pair, i) => expect(tokens[2 * i]).toBe(tokens[2 * i + 1]));
      DISTINCT.forEach((_pair, j) => expect(tokens[2 * (SAME.length + j)]).not.toBe(tokens[2 * (SAME.length + j) + 1]));
      expect(await folded.items()).toHaveLength(SAME.length + 2 * DISTINCT.length - 1); // ilker@example.com twice
      const { values: back } = await folded.detokenizer()({ tokens: tokens.slice(0, 2 * SAME.length).filter((_t, i) => i % 2 === 0) });
      expect(back).toEqual(['strasse@example.com', 'abc@example.com', 'σίσυφοσ@example.com', 'fiona@example.com', 'gross@example.com']);
    } finally {
      await folded.close();
    }
  });

  test('a value that NFKC makes longer than 1,024 bytes is refused (U+FDFA is 3 bytes, its NFKC 33)', async () => {
    const folded = await VaultHarness.start({ normalization: { caseFold: true } });
    try {
      await expect(folded.tokenizer()({ values: ['ok@example.com', '\ufdfa'.repeat(100)] })).rejects.toThrow(expect.objectContaining({
        name: 'InvalidTokenizerRequest',
        message: '1 invalid entry, nothing was read or written: values[1] is 3300 bytes long after normalisation, at most 1024 UTF-8 bytes are accepted',
      }));
      expect(await folded.items()).toHaveLength(0);
    } finally {
      await folded.close();
    }
  });

  test('without caseFold the same pairs keep their own tokens (NFC only)', async () => {
    const tokens = await tokenize(SAME.flat());
    SAME.forEach((_pair, i) => expect(tokens[2 * i]).not.toBe(tokens[2 * i + 1]));
  });
});

describe('the vault holds no plaintext and no plain hash', () => {
  test('an entry is an HMAC fingerprint, a random token, the ciphertext, the data key and the time', async () => {
    const value = 'judy@example.com';
    const [token] = await tokenize([value], ctx.vault.tokenizer({ now: () => new Date('2026-11-21T10:00:00Z') }));
    const [item] = await ctx.vault.items();
    expect(Object.keys(item).sort()).toEqual(['createdAt', 'ct', 'dk', 'fp', 'token']);
    expect(complete(item)).toBe(true);
    expect(item.token.S).toBe(token);
    expect(item.createdAt.S).toBe('2026-11-21T10:00:00.000Z');
    // keyed: not the SHA-256 of the value, so the vault cannot be brute-forced without KMS
    expect(item.fp.S).not.toBe(createHash('sha256').update(value).digest('hex'));
    const stored = JSON.stringify(item, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    expect(stored.includes(value)).toBe(false);
    expect(stored.includes('judy')).toBe(false);
  });

  test('the same value in two vaults (two HMAC keys) has different fingerprints and tokens', async () => {
    const other = await VaultHarness.start();
    try {
      const [a] = await tokenize(['ken@example.com']);
      const { tokens: [b] } = await other.tokenizer()({ values: ['ken@example.com'] });
      secrets.add(b);
      expect(a).not.toBe(b);
      expect((await ctx.vault.items())[0].fp.S).not.toBe((await other.items())[0].fp.S);
    } finally {
      await other.close();
    }
  });
});

describe('concurrency', () => {
  test('50 concurrent calls for the same new value (50 containers) end with exactly one token', async () => {
    const value = 'race@example.com';
    secrets.add(value);
    const results = await Promise.all(Array.from({ length: 50 }, () => ctx.vault.tokenizer()({ values: [value] })));
    const tokens = new Set(results.map(r => r.tokens[0]));
    expect(tokens.size).toBe(1);
    secrets.add([...tokens][0]);
    const items = await ctx.vault.items();
    expect(items).toHaveLength(1);
    expect(items[0].token.S).toBe([...tokens][0]);
    const logged = ctx.vault.logged('tokenized').slice(-50);
    expect(logged.reduce((n, l) => n + (l.created as number), 0)).toBe(1);
    // every other call either read the winner's entry or lost the conditional put and read it then
    expect(logged.every(l => (l.created as number) + (l.existing as number) + (l.lostRaces as number) === 1)).toBe(true);
  });

  test('concurrent overlapping batches agree on every token', async () => {
    const shared = emails(100, 'overlap');
    const batches = Array.from({ length: 8 }, (_, i) => [...shared.slice(i * 5), ...emails(10, `own${i}`)]);
    const results = await Promise.all(batches.map(b => tokenize(b)));
    const tokenOf = new Map<string, string>();
    results.forEach((tokens, b) => batches[b].forEach((value, i) => {
      if (tokenOf.has(value)) expect(tokens[i]).toBe(tokenOf.get(value));
      tokenOf.set(value, tokens[i]);
    }));
    expect(await ctx.vault.items()).toHaveLength(100 + 80);
  });
});

describe('KMS calls do not grow with the batch', () => {
  test.each([1, 10, 100, 1000])('a cold batch of %i new values: one GenerateMac and one GenerateDataKey', async size => {
    const tokenizer = ctx.vault.tokenizer();
    await tokenize(emails(size, `cold${size}`), tokenizer);
    expect(ctx.vault.kms.calls).toEqual({ GenerateMac: 1, GenerateDataKey: 1, Decrypt: 0 });

    ctx.vault.kms.resetCounts();
    await tokenize(emails(size, `warm${size}`), tokenizer);
    expect(ctx.vault.kms.total).toBe(0);
    expect(ctx.vault.logged('tokenized').at(-1)).toMatchObject({ created: size, kmsCalls: 0 });
  });

  test('a data key is replaced after an hour (and the tokens stay the same)', async () => {
    let now = new Date('2026-11-21T10:00:00Z');
    const tokenizer = ctx.vault.tokenizer({ now: () => now });
    const first = await tokenize(['leo@example.com'], tokenizer);
    now = new Date(now.getTime() + (DATA_KEY_MAX_AGE_SECONDS - 1) * 1000);
    await tokenize(['mia@example.com'], tokenizer);
    expect(ctx.vault.kms.calls.GenerateDataKey).toBe(1);
    now = new Date(now.getTime() + 2000);
    await tokenize(['noah@example.com'], tokenizer);
    expect(ctx.vault.kms.calls.GenerateDataKey).toBe(2);
    expect(await tokenize(['leo@example.com'], tokenizer)).toEqual(first);
    const dataKeys = new Set((await ctx.vault.items()).map(i => Buffer.from(i.dk.B!).toString('base64')));
    expect(dataKeys.size).toBe(2);
  });

  test('a batch of existing values needs no data key', async () => {
    const values = emails(50, 'known');
    await tokenize(values);
    ctx.vault.kms.resetCounts();
    await tokenize(values);
    expect(ctx.vault.kms.calls).toEqual({ GenerateMac: 1, GenerateDataKey: 0, Decrypt: 0 });
  });
});

describe('DynamoDB throttling', () => {
  test('throttled puts are retried by the SDK and the call succeeds', async () => {
    let throttles = 3;
    const { client, attempts } = ctx.vault.throttledClient(command => command === 'PutItemCommand' && throttles-- > 0);
    const tokens = await tokenize(['olivia@example.com'], ctx.vault.tokenizer({ dynamodb: client }));
    expect(attempts.PutItemCommand).toBe(4);
    const items = await ctx.vault.items();
    expect(items).toHaveLength(1);
    expect(items[0].token.S).toBe(tokens[0]);
  });

  test('a put throttled on every attempt fails the call; no partial entry; a retry returns the tokens', async () => {
    const values = emails(10, 'throttled');
    const victim = values[6];
    let victimFp: string | undefined;
    const { client, attempts } = ctx.vault.throttledClient((command, input) => {
      if (command !== 'PutItemCommand') return false;
      const item = input.Item as VaultItem;
      // the victim's fingerprint is the one whose puts keep failing: the first put after the sixth
      if (victimFp === undefined && (attempts.PutItemCommand ?? 0) === 7) victimFp = item.fp.S;
      return item.fp.S === victimFp;
    });
    secrets.add(victim);
    const failing = ctx.vault.tokenizer({ dynamodb: client });
    await expect(failing({ values })).rejects.toThrow(expect.objectContaining({
      name: 'TokenizerFailed',
      message: `DynamoDB PutItem failed with ProvisionedThroughputExceededException after ${DYNAMODB_MAX_ATTEMPTS} attempts; `
        + 'no tokens were returned; the entries this request stored before are complete and a retry reuses them',
    }));
    const stored = await ctx.vault.items();
    expect(stored.length).toBeLessThan(values.length);
    expect(stored.every(complete)).toBe(true);
    expect(stored.some(i => i.fp.S === victimFp)).toBe(false);
    expect(ctx.vault.logged('tokenize failed').at(-1)).toMatchObject({ error: 'TokenizerFailed' });

    // the caller retries the whole batch: the entries stored before keep their tokens
    const tokens = await tokenize(values);
    const byToken = new Map(stored.map(i => [i.token.S, i.fp.S]));
    expect(tokens.filter(t => byToken.has(t))).toHaveLength(stored.length);
    const all = await ctx.vault.items();
    expect(all).toHaveLength(values.length);
    expect(all.every(complete)).toBe(true);
  });

  test('when every write is throttled the call fails and the vault stays empty', async () => {
    const { client } = ctx.vault.throttledClient(command => command === 'PutItemCommand');
    await expect(tokenize(emails(5, 'blocked'), ctx.vault.tokenizer({ dynamodb: client }))).rejects.toThrow(/^DynamoDB PutItem failed with ProvisionedThroughputExceededException/);
    expect(await ctx.vault.items()).toHaveLength(0);
  });

  test('unprocessed reads are read again with backoff; reads that never succeed fail before any write', async () => {
    let unprocessed = 2;
    const sleeps: number[] = [];
    const values = emails(3, 'unprocessed');
    // dynalite never leaves keys unprocessed: pretend it did, by answering the first reads with nothing processed
    const { client } = ctx.vault.throttledClient(() => false);
    client.middlewareStack.add(next => async args => {
      const input = (args as { input: { RequestItems?: Record<string, unknown> } }).input;
      if (input.RequestItems && unprocessed > 0) {
        unprocessed--;
        return { output: { Responses: {}, UnprocessedKeys: input.RequestItems, $metadata: {} }, response: {} } as never;
      }
      return next(args);
    }, { step: 'initialize', name: 'testUnprocessed' });
    const tokenizer = ctx.vault.tokenizer({ dynamodb: client, sleep: async ms => { sleeps.push(ms); } });
    await tokenize(values, tokenizer);
    expect(sleeps).toHaveLength(2);
    expect(await ctx.vault.items()).toHaveLength(3);

    unprocessed = Number.MAX_SAFE_INTEGER;
    await expect(tokenize(emails(3, 'never'), tokenizer)).rejects.toThrow(
      `DynamoDB BatchGetItem left 3 keys unprocessed after ${UNPROCESSED_READ_ATTEMPTS} attempts (throttling); nothing was written`);
    expect(await ctx.vault.items()).toHaveLength(3);
  });
});

describe('KMS failures', () => {
  test('a failing GenerateDataKey fails the call before any write', async () => {
    ctx.vault.kms.fail('GenerateDataKey', 'AccessDeniedException');
    await expect(tokenize(['peggy@example.com'])).rejects.toThrow(expect.objectContaining({
      name: 'TokenizerFailed', message: 'KMS GenerateDataKey failed with AccessDeniedException; no values were written',
    }));
    expect(await ctx.vault.items()).toHaveLength(0);
  });

  test('a failing GenerateMac fails the call and is asked again on the next call', async () => {
    const tokenizer = ctx.vault.tokenizer();
    ctx.vault.kms.fail('GenerateMac', 'KMSInvalidStateException');
    await expect(tokenize(['quinn@example.com'], tokenizer)).rejects.toThrow(
      'KMS GenerateMac (the fingerprint secret) failed with KMSInvalidStateException; nothing was read or written');
    ctx.vault.kms.heal();
    await expect(tokenize(['quinn@example.com'], tokenizer)).resolves.toHaveLength(1);
    expect(ctx.vault.kms.calls.GenerateMac).toBe(2);
  });
});

describe('invalid requests: a clear error, nothing read or written', () => {
  const big = 'é'.repeat(513); // 1,026 UTF-8 bytes
  test.each<[string, unknown, string]>([
    ['not an object', 'a@example.com', 'the request must be a JSON object {"values": ["a@example.com", ...]}; received a string'],
    ['null', null, 'the request must be a JSON object {"values": ["a@example.com", ...]}; received null'],
    ['a list', ['a@example.com'], 'the request must be a JSON object {"values": ["a@example.com", ...]}; received a list'],
    ['no values', {}, '"values" must be a list of strings, as in {"values": ["a@example.com", ...]}; received missing'],
    ['values not a list', { values: 'a@example.com' }, '"values" must be a list of strings, as in {"values": ["a@example.com", ...]}; received a string'],
    ['an unknown field', { values: [], tokens: [] }, 'the request has unknown fields ("tokens"); expected only "values": {"values": ["a@example.com", ...]}'],
    ['too many values', { values: emails(MAX_BATCH_SIZE + 1, 'many') },
      '"values" has 1001 entries; at most 1000 are accepted per request: split the batch'],
    ['a number', { values: ['a@example.com', 42] },
      '1 invalid entry, nothing was read or written: values[1] is a number, expected a string (leave nulls out of the request)'],
    ['a null', { values: [null] },
      '1 invalid entry, nothing was read or written: values[0] is null, expected a string (leave nulls out of the request)'],
    ['an empty string', { values: ['a@example.com', ''] },
      '1 invalid entry, nothing was read or written: values[1] is empty: empty values have no token (leave them out of the request)'],
    ['blank after trimming', { values: [' \t '] },
      '1 invalid entry, nothing was read or written: values[0] is empty after normalisation: empty values have no token (leave them out of the request)'],
    ['over 1,024 bytes', { values: [big] },
      '1 invalid entry, nothing was read or written: values[0] is 1026 bytes long, at most 1024 UTF-8 bytes are accepted'],
    ['over 1,024 bytes after normalisation (U+FB2C is 3 bytes, its NFC 6)', { values: ['\ufb2c'.repeat(200)] },
      '1 invalid entry, nothing was read or written: values[0] is 1200 bytes long after normalisation, at most 1024 UTF-8 bytes are accepted'],
    ['many problems', { values: [1, 2, 3, 4, 5, 6, 7] },
      '7 invalid entries, nothing was read or written: values[0] is a number, expected a string (leave nulls out of the request); '
      + 'values[1] is a number, expected a string (leave nulls out of the request); values[2] is a number, expected a string (leave nulls out of the request); '
      + 'values[3] is a number, expected a string (leave nulls out of the request); values[4] is a number, expected a string (leave nulls out of the request); and 2 more'],
  ])('%s', async (_name, event, message) => {
    secrets.add(big);
    await expect(ctx.vault.tokenizer()(event)).rejects.toThrow(expect.objectContaining({ name: 'InvalidTokenizerRequest', message }));
    expect(await ctx.vault.items()).toHaveLength(0);
    expect(ctx.vault.kms.total).toBe(0);
    expect(ctx.vault.logged('tokenize failed').at(-1)).toMatchObject({ error: 'InvalidTokenizerRequest' });
    expect(ctx.vault.logs.at(-1)?.level).toBe('warn');
  });

  test('a value of exactly 1,024 bytes is accepted', async () => {
    const value = 'x'.repeat(1020) + '@e.c';
    await expect(tokenize([value])).resolves.toHaveLength(1);
  });

  test('a batch of exactly 1,000 values is accepted', async () => {
    await expect(tokenize(emails(MAX_BATCH_SIZE, 'max'))).resolves.toHaveLength(MAX_BATCH_SIZE);
  });
});

describe('configuration from the environment', () => {
  const env = {
    VAULT_TABLE_NAME: 'vault',
    VALUE_KEY_ARN: 'arn:v',
    FINGERPRINT_KEY_ARN: 'arn:f',
    TOKEN_PREFIX: 'tok_',
    NORMALIZATION: '{"trim":true,"caseFold":false,"removeCharacters":""}',
  };
  test('reads a complete environment', () => {
    expect(tokenizeConfigFromEnv(env)).toEqual({
      tableName: 'vault',
      valueKeyArn: 'arn:v',
      fingerprintKeyArn: 'arn:f',
      tokenPrefix: 'tok_',
      normalization: { trim: true, caseFold: false, removeCharacters: '' },
    });
  });
  test.each<[string, Record<string, string | undefined>, string]>([
    ['a missing table', { VAULT_TABLE_NAME: undefined }, 'environment variable VAULT_TABLE_NAME is not set'],
    ['a missing fingerprint key', { FINGERPRINT_KEY_ARN: '' }, 'environment variable FINGERPRINT_KEY_ARN is not set'],
    ['a bad prefix', { TOKEN_PREFIX: 'TOK' }, 'environment variable TOKEN_PREFIX is "TOK"; expected /^[a-z][a-z0-9]{0,15}_$/'],
    ['normalisation not JSON', { NORMALIZATION: 'trim' }, 'environment variable NORMALIZATION is not JSON'],
    ['normalisation incomplete', { NORMALIZATION: '{"trim":true}' },
      'environment variable NORMALIZATION is {"trim":true}; expected {"trim": boolean, "caseFold": boolean, "removeCharacters": string}'],
  ])('%s', (_name, change, message) => {
    expect(() => tokenizeConfigFromEnv({ ...env, ...change })).toThrow(new TokenizerConfigError(message));
  });
  test('a runtime whose String.prototype.normalize does not normalise (Node.js without ICU) is refused at cold start', () => {
    const noOp = jest.spyOn(String.prototype, 'normalize').mockImplementation(function (this: string) { return String(this); });
    try {
      expect(() => tokenizeConfigFromEnv(env)).toThrow(new TokenizerConfigError(
        'String.prototype.normalize does not implement Unicode NFC and NFKC in this runtime (a Node.js built without ICU?): '
        + 'tokens would differ from those of other runtimes'));
    } finally {
      noOp.mockRestore();
    }
    expect(tokenizeConfigFromEnv(env).normalization.caseFold).toBe(false);
  });
});
