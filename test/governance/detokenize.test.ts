import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { emails } from './fixtures';
import { useVault } from './vault-hooks';
import { MAX_BATCH_SIZE } from '../../src/governance/vault';
import { TokenizerConfigError, vaultConfigFromEnv } from '../../src/governance/vault-runtime';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const ctx = useVault();
const { tokenize } = ctx;

/** A token of the right shape that the vault never issued. */
const UNKNOWN = `tok_${'0'.repeat(32)}`;

describe('detokenize', () => {
  test('returns the values in the order of the tokens, duplicates included', async () => {
    const tokens = await tokenize(['amy@example.com', 'ben@example.com']);
    const { values } = await ctx.vault.detokenizer()({ tokens: [tokens[1], tokens[0], tokens[1]] });
    expect(values).toEqual(['ben@example.com', 'amy@example.com', 'ben@example.com']);
  });

  test('unknown tokens and strings that are not tokens come back as null, not as an error', async () => {
    const [token] = await tokenize(['cat@example.com']);
    const { values } = await ctx.vault.detokenizer()({
      tokens: [UNKNOWN, token, 'cat@example.com', '', 'tok_XYZ', `email_${'a'.repeat(32)}`, token.toUpperCase()],
    });
    expect(values).toEqual([null, 'cat@example.com', null, null, null, null, null]);
    expect(ctx.vault.logged('detokenized').at(-1)).toMatchObject({ tokens: 7, distinct: 2, found: 1, unknown: 6 });
  });

  test('an empty batch returns no values and calls nothing', async () => {
    expect(await ctx.vault.detokenizer()({ tokens: [] })).toEqual({ values: [] });
    expect(ctx.vault.kms.total).toBe(0);
  });

  test.each([1, 10, 100, 1000])('%i tokens issued by one call need one KMS Decrypt (cold), none when warm', async size => {
    const tokens = await tokenize(emails(size, `batch${size}`));
    ctx.vault.kms.resetCounts();
    const detokenizer = ctx.vault.detokenizer();
    const { values } = await detokenizer({ tokens });
    expect(values).toEqual(emails(size, `batch${size}`));
    expect(ctx.vault.kms.calls).toEqual({ GenerateMac: 0, GenerateDataKey: 0, Decrypt: 1 });

    ctx.vault.kms.resetCounts();
    await detokenizer({ tokens });
    expect(ctx.vault.kms.total).toBe(0);
  });

  test('tokens issued under two data keys need two Decrypts; a cached key expires after an hour', async () => {
    const first = await tokenize(['dan@example.com']);
    const second = await tokenize(['eve@example.com']); // another container: another data key
    let now = new Date('2026-11-21T10:00:00Z');
    const detokenizer = ctx.vault.detokenizer({ now: () => now });
    ctx.vault.kms.resetCounts();
    await detokenizer({ tokens: [...first, ...second, ...first] });
    expect(ctx.vault.kms.calls.Decrypt).toBe(2);
    now = new Date(now.getTime() + 3600_000);
    await detokenizer({ tokens: first });
    expect(ctx.vault.kms.calls.Decrypt).toBe(3);
  });

  test('a tampered ciphertext fails the call (VaultIntegrityError) and returns no values', async () => {
    const [token] = await tokenize(['fay@example.com']);
    const [item] = await ctx.vault.items();
    const ct = Buffer.from(item.ct.B!);
    ct[ct.length - 20] = (ct[ct.length - 20] + 1) % 256;
    await ctx.vault.db.client.send(new PutItemCommand({ TableName: ctx.vault.tableName, Item: { ...item, ct: { B: ct } } }));
    await expect(ctx.vault.detokenizer()({ tokens: [token] })).rejects.toThrow(expect.objectContaining({
      name: 'VaultIntegrityError',
      message: 'a vault entry did not authenticate (its ciphertext, fingerprint or data key was changed); no values were returned',
    }));
  });

  test('a ciphertext moved to another entry does not decrypt (it is bound to its fingerprint)', async () => {
    const [a, b] = await tokenize(['gus@example.com', 'hal@example.com']);
    const items = await ctx.vault.items();
    const itemA = items.find(i => i.token.S === a)!;
    const itemB = items.find(i => i.token.S === b)!;
    await ctx.vault.db.client.send(new PutItemCommand({ TableName: ctx.vault.tableName, Item: { ...itemB, ct: itemA.ct, dk: itemA.dk } }));
    await expect(ctx.vault.detokenizer()({ tokens: [b] })).rejects.toThrow(expect.objectContaining({ name: 'VaultIntegrityError' }));
  });

  test('a data key that KMS refuses to decrypt fails the call as an integrity error', async () => {
    const [token] = await tokenize(['ida@example.com']);
    const [item] = await ctx.vault.items();
    const dk = Buffer.from(item.dk.B!);
    dk[0] = (dk[0] + 128) % 256;
    await ctx.vault.db.client.send(new PutItemCommand({ TableName: ctx.vault.tableName, Item: { ...item, dk: { B: dk } } }));
    await expect(ctx.vault.detokenizer()({ tokens: [token] })).rejects.toThrow(
      'a vault entry\'s data key does not decrypt under the value key; no values were returned');
  });

  test('KMS refusing Decrypt fails the call with the error code', async () => {
    const [token] = await tokenize(['jay@example.com']);
    ctx.vault.kms.fail('Decrypt', 'AccessDeniedException');
    await expect(ctx.vault.detokenizer()({ tokens: [token] })).rejects.toThrow(expect.objectContaining({
      name: 'TokenizerFailed', message: 'KMS Decrypt failed with AccessDeniedException; no values were returned',
    }));
  });

  test('a throttled index query is retried; one that never succeeds fails the call', async () => {
    const [token] = await tokenize(['kim@example.com']);
    let throttles = 2;
    const flaky = ctx.vault.throttledClient(command => command === 'QueryCommand' && throttles-- > 0);
    await expect(ctx.vault.detokenizer({ dynamodb: flaky.client })({ tokens: [token] })).resolves.toEqual({ values: ['kim@example.com'] });
    expect(flaky.attempts.QueryCommand).toBe(3);

    const blocked = ctx.vault.throttledClient(command => command === 'QueryCommand');
    await expect(ctx.vault.detokenizer({ dynamodb: blocked.client })({ tokens: [token] })).rejects.toThrow(
      'DynamoDB Query of the token index failed with ProvisionedThroughputExceededException after 8 attempts; no values were returned');
  });

  test('detokenize writes nothing', async () => {
    const tokens = await tokenize(emails(5, 'readonly'));
    const before = await ctx.vault.items();
    await ctx.vault.detokenizer()({ tokens: [...tokens, UNKNOWN] });
    expect(await ctx.vault.items()).toEqual(before);
    const item = await ctx.vault.db.client.send(new GetItemCommand({ TableName: ctx.vault.tableName, Key: { fp: before[0].fp } }));
    expect(item.Item).toEqual(before[0]);
  });
});

describe('invalid requests: a clear error, nothing read', () => {
  test.each<[string, unknown, string]>([
    ['not an object', 42, 'the request must be a JSON object {"tokens": ["tok_...", ...]}; received a number'],
    ['values instead of tokens', { values: [] },
      'the request has unknown fields ("values"); expected only "tokens": {"tokens": ["tok_...", ...]}'],
    ['tokens not a list', { tokens: { a: 1 } }, '"tokens" must be a list of strings, as in {"tokens": ["tok_...", ...]}; received an object'],
    ['too many tokens', { tokens: Array.from({ length: MAX_BATCH_SIZE + 1 }, () => UNKNOWN) },
      '"tokens" has 1001 entries; at most 1000 are accepted per request: split the batch'],
    ['a null token', { tokens: [UNKNOWN, null] },
      '1 invalid entry, nothing was read or written: tokens[1] is null, expected a string (leave nulls out of the request)'],
    ['a list token', { tokens: [[UNKNOWN]] },
      '1 invalid entry, nothing was read or written: tokens[0] is a list, expected a string (leave nulls out of the request)'],
  ])('%s', async (_name, event, message) => {
    const { client, attempts } = ctx.vault.throttledClient(() => false);
    await expect(ctx.vault.detokenizer({ dynamodb: client })(event)).rejects.toThrow(expect.objectContaining({ name: 'InvalidTokenizerRequest', message }));
    expect(attempts).toEqual({});
    expect(ctx.vault.kms.total).toBe(0);
  });
});

describe('configuration from the environment', () => {
  test('needs the table, the value key and the prefix', () => {
    expect(vaultConfigFromEnv({ VAULT_TABLE_NAME: 't', VALUE_KEY_ARN: 'k', TOKEN_PREFIX: 'tok_' }))
      .toEqual({ tableName: 't', valueKeyArn: 'k', tokenPrefix: 'tok_' });
    expect(() => vaultConfigFromEnv({ VAULT_TABLE_NAME: 't', TOKEN_PREFIX: 'tok_' }))
      .toThrow(new TokenizerConfigError('environment variable VALUE_KEY_ARN is not set'));
  });
});
