/**
 * The detokenize Lambda of `PiiTokenizer`: `{ "tokens": [...] }` -> `{ "values": [...] }`.
 *
 * Each distinct token is looked up in the vault's token index; its entry's data key is decrypted by
 * KMS once per distinct data key (and cached in the container for an hour), and its value decrypted
 * with AES-256-GCM, authenticated against the entry's fingerprint. Unknown tokens, and strings that
 * are not shaped like this tokenizer's tokens, come back as null: the response never tells which
 * tokens exist beyond the values it returns. Values come back normalised, as they were stored.
 *
 * Errors and logs name positions, sizes and counts, never a value or a token.
 */
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CIPHERTEXT, DATA_KEY, DATA_KEY_MAX_AGE_SECONDS, FINGERPRINT, TOKEN, TOKEN_INDEX, isTokenShaped } from './vault';
import {
  DYNAMODB_MAX_ATTEMPTS, InvalidTokenizerRequest, KMS_MAX_ATTEMPTS, TokenizerFailed, VALUE_ENCRYPTION_CONTEXT, VaultIntegrityError,
  awsCallFailed, decryptValue, jsonType, ownMessage, problemsMessage, requestList, vaultConfigFromEnv, type VaultConfig,
} from './vault-runtime';
import { errorName, jsonLogger, mapWithConcurrency, type Logger } from '../private/handler-runtime';

/** Token index queries in flight at once. */
export const DEFAULT_QUERY_CONCURRENCY = 16;
/** Decrypted data keys kept in the container (least recently used first out). */
export const DATA_KEY_CACHE_SIZE = 256;

/** The response: one value per token, in the order of the tokens; null where the token is unknown. */
export interface DetokenizeResponse {
  readonly values: Array<string | null>;
}

export type Detokenizer = (event: unknown) => Promise<DetokenizeResponse>;

/** What the detokenizer is given. */
export interface DetokenizerOptions {
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly config: VaultConfig;
  /** @default - `jsonLogger` */
  readonly log?: Logger;
  /** @default - `() => new Date()` */
  readonly now?: () => Date;
  /** @default 16 */
  readonly queryConcurrency?: number;
}

interface Entry {
  readonly fingerprint: string;
  readonly ciphertext: Uint8Array;
  readonly dataKey: Uint8Array;
}

/** Checks every token before anything is read. */
function checkTokens(event: unknown): string[] {
  const tokens = requestList(event, 'tokens', '{"tokens": ["tok_...", ...]}');
  const problems: string[] = [];
  tokens.forEach((token, i) => {
    if (typeof token !== 'string') problems.push(`tokens[${i}] is ${jsonType(token)}, expected a string (leave nulls out of the request)`);
  });
  if (problems.length > 0) throw new InvalidTokenizerRequest(problemsMessage(problems));
  return tokens as string[];
}

/** Creates a detokenize handler; decrypted data keys are cached as long as it lives (at most an hour each). */
export function createDetokenizer(options: DetokenizerOptions): Detokenizer {
  const { dynamodb, kms, config } = options;
  const log = options.log ?? jsonLogger;
  const now = options.now ?? (() => new Date());
  const queryConcurrency = options.queryConcurrency ?? DEFAULT_QUERY_CONCURRENCY;
  /** base64 of the encrypted data key -> its plaintext and when it was decrypted; Map order is recency. */
  const keys = new Map<string, { plaintext: Uint8Array; atMs: number }>();

  const lookUp = async (token: string): Promise<Entry | undefined> => {
    let out;
    try {
      out = await dynamodb.send(new QueryCommand({
        TableName: config.tableName,
        IndexName: TOKEN_INDEX,
        KeyConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#token': TOKEN },
        ExpressionAttributeValues: { ':token': { S: token } },
      }));
    } catch (error) {
      throw awsCallFailed('DynamoDB Query of the token index', error, 'no values were returned');
    }
    const item: Record<string, AttributeValue> | undefined = out.Items?.[0];
    if (item === undefined) return undefined;
    const fingerprint = item[FINGERPRINT]?.S;
    const ciphertext = item[CIPHERTEXT]?.B;
    const dataKey = item[DATA_KEY]?.B;
    if (fingerprint === undefined || ciphertext === undefined || dataKey === undefined) {
      throw new VaultIntegrityError('a vault entry lacks its fingerprint, ciphertext or data key; no values were returned');
    }
    return { fingerprint, ciphertext, dataKey };
  };

  const plaintextKeys = async (entries: Entry[], counts: { kmsCalls: number }): Promise<Map<string, Uint8Array>> => {
    const result = new Map<string, Uint8Array>();
    const toDecrypt = new Map<string, Uint8Array>();
    const nowMs = now().getTime();
    for (const entry of entries) {
      const id = Buffer.from(entry.dataKey).toString('base64');
      const cached = keys.get(id);
      if (cached && nowMs - cached.atMs < DATA_KEY_MAX_AGE_SECONDS * 1000) {
        keys.delete(id);
        keys.set(id, cached);
        result.set(id, cached.plaintext);
      } else {
        toDecrypt.set(id, entry.dataKey);
      }
    }
    await mapWithConcurrency([...toDecrypt], 4, async ([id, blob]) => {
      counts.kmsCalls++;
      let out;
      try {
        out = await kms.send(new DecryptCommand({
          CiphertextBlob: blob,
          KeyId: config.valueKeyArn,
          EncryptionContext: { ...VALUE_ENCRYPTION_CONTEXT },
        }));
      } catch (error) {
        if (errorName(error) === 'InvalidCiphertextException') {
          throw new VaultIntegrityError('a vault entry\'s data key does not decrypt under the value key; no values were returned');
        }
        throw awsCallFailed('KMS Decrypt', error, 'no values were returned');
      }
      if (!out.Plaintext) throw new TokenizerFailed('KMS Decrypt returned no key');
      keys.set(id, { plaintext: out.Plaintext, atMs: nowMs });
      result.set(id, out.Plaintext);
    });
    while (keys.size > DATA_KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
    return result;
  };

  return async (event: unknown): Promise<DetokenizeResponse> => {
    const started = Date.now();
    const counts = { kmsCalls: 0 };
    try {
      const tokens = checkTokens(event);
      const distinct = [...new Set(tokens.filter(t => isTokenShaped(t, config.tokenPrefix)))];
      const found = await mapWithConcurrency(distinct, queryConcurrency, lookUp);
      const entries = found.filter((e): e is Entry => e !== undefined);
      const dataKeys = await plaintextKeys(entries, counts);

      const valueOf = new Map<string, string>();
      distinct.forEach((token, i) => {
        const entry = found[i];
        if (entry === undefined) return;
        const key = dataKeys.get(Buffer.from(entry.dataKey).toString('base64'))!;
        valueOf.set(token, decryptValue(key, entry.fingerprint, entry.ciphertext));
      });
      const values = tokens.map(t => valueOf.get(t) ?? null);
      log('info', 'detokenized', {
        tokens: tokens.length,
        distinct: distinct.length,
        found: valueOf.size,
        unknown: tokens.length - values.filter(v => v !== null).length,
        dataKeys: new Set(entries.map(e => Buffer.from(e.dataKey).toString('base64'))).size,
        ...counts,
        durationMs: Date.now() - started,
      });
      return { values };
    } catch (error) {
      log(error instanceof InvalidTokenizerRequest ? 'warn' : 'error', 'detokenize failed', {
        error: errorName(error), reason: ownMessage(error), ...counts, durationMs: Date.now() - started,
      });
      throw error;
    }
  };
}

let instance: Detokenizer | undefined;

/** The Lambda entry point: clients and configuration are created once per container. */
export const handler = async (event: unknown): Promise<DetokenizeResponse> => {
  instance ??= createDetokenizer({
    dynamodb: new DynamoDBClient({ maxAttempts: DYNAMODB_MAX_ATTEMPTS }),
    kms: new KMSClient({ maxAttempts: KMS_MAX_ATTEMPTS }),
    config: vaultConfigFromEnv(process.env),
  });
  return instance(event);
};
