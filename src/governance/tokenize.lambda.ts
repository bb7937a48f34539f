/**
 * The tokenize Lambda of `PiiTokenizer`: `{ "values": [...] }` -> `{ "tokens": [...] }`.
 *
 * Each value is normalised, then fingerprinted with HMAC-SHA-256 under a secret that KMS derives
 * from the tokenizer's HMAC key (once per container). A fingerprint already in the vault gives its
 * token; a new one gets a random token, written with the encrypted value in one conditional put, so
 * that of two concurrent calls for the same new value exactly one writes and the other reads the
 * winner's token. Values are encrypted with AES-256-GCM under a data key that KMS generates once
 * per container and hour: KMS calls do not grow with the batch. This function can generate data
 * keys but cannot decrypt them.
 *
 * The request is checked whole before anything is read or written. Errors and logs name positions,
 * sizes and counts, never a value or a token.
 */
import { createHmac, randomBytes } from 'crypto';
import {
  BatchGetItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { GenerateDataKeyCommand, GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CIPHERTEXT, CREATED_AT, DATA_KEY, DATA_KEY_MAX_AGE_SECONDS, DATA_KEY_MAX_VALUES, FINGERPRINT, FINGERPRINT_MAC_ALGORITHM,
  FINGERPRINT_SECRET_MESSAGE, MAX_VALUE_BYTES, TOKEN, TOKEN_RANDOM_BYTES, normalize,
} from './vault';
import {
  DYNAMODB_MAX_ATTEMPTS, InvalidTokenizerRequest, KMS_MAX_ATTEMPTS, TokenizerFailed, VALUE_ENCRYPTION_CONTEXT,
  awsCallFailed, encryptValue, jsonType, ownMessage, problemsMessage, requestList, tokenizeConfigFromEnv, type TokenizeConfig,
} from './vault-runtime';
import { errorName, jsonLogger, mapWithConcurrency, type Logger } from '../private/handler-runtime';

/** BatchGetItem reads at most this many keys per call. */
const READ_CHUNK = 100;
/** Attempts to read the keys that BatchGetItem left unprocessed (throttled). */
export const UNPROCESSED_READ_ATTEMPTS = 8;
/** Conditional puts in flight at once. */
export const DEFAULT_WRITE_CONCURRENCY = 16;

/** The request. */
export interface TokenizeRequest {
  readonly values: readonly string[];
}

/** The response: one token per value, in the order of the values. */
export interface TokenizeResponse {
  readonly tokens: string[];
}

export type Tokenizer = (event: unknown) => Promise<TokenizeResponse>;

/** What the tokenizer is given. */
export interface TokenizerOptions {
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly config: TokenizeConfig;
  /** @default - `jsonLogger` */
  readonly log?: Logger;
  /** @default - `() => new Date()` */
  readonly now?: () => Date;
  /** Waits between reads of unprocessed keys. @default - a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 16 */
  readonly writeConcurrency?: number;
}

/** The data key values are encrypted with in this container, and how much it has been used. */
interface CachedDataKey {
  readonly plaintext: Uint8Array;
  readonly encrypted: Uint8Array;
  readonly createdAtMs: number;
  uses: number;
}

/** Counts of one invocation, logged. */
interface Counts {
  kmsCalls: number;
  existing: number;
  created: number;
  lostRaces: number;
}

/** Checks every value before anything is read or written; returns the normalised values. */
function checkValues(event: unknown, config: TokenizeConfig): string[] {
  const values = requestList(event, 'values', '{"values": ["a@example.com", ...]}');
  const problems: string[] = [];
  const normalised = values.map((value, i) => {
    if (typeof value !== 'string') {
      problems.push(`values[${i}] is ${jsonType(value)}, expected a string (leave nulls out of the request)`);
      return '';
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_VALUE_BYTES) {
      problems.push(`values[${i}] is ${bytes} bytes long, at most ${MAX_VALUE_BYTES} UTF-8 bytes are accepted`);
      return '';
    }
    const canonical = normalize(value, config.normalization);
    if (canonical.length === 0) {
      problems.push(`values[${i}] is empty${value.length > 0 ? ' after normalisation' : ''}: empty values have no token (leave them out of the request)`);
    }
    // NFC can double a value's size, NFKC multiply it by 11 (U+FDFA): the stored (and detokenized) value keeps the limit too
    const canonicalBytes = Buffer.byteLength(canonical, 'utf8');
    if (canonicalBytes > MAX_VALUE_BYTES) {
      problems.push(`values[${i}] is ${canonicalBytes} bytes long after normalisation, at most ${MAX_VALUE_BYTES} UTF-8 bytes are accepted`);
    }
    return canonical;
  });
  if (problems.length > 0) throw new InvalidTokenizerRequest(problemsMessage(problems));
  return normalised;
}

/** Creates a tokenize handler; state (the fingerprint secret, the data key) lives as long as it does. */
export function createTokenizer(options: TokenizerOptions): Tokenizer {
  const { dynamodb, kms, config } = options;
  const log = options.log ?? jsonLogger;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
  const writeConcurrency = options.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY;
  let secret: Promise<Buffer> | undefined;
  let dataKey: CachedDataKey | undefined;

  const fingerprintSecret = (counts: Counts): Promise<Buffer> => {
    if (secret === undefined) {
      counts.kmsCalls++;
      secret = (async () => {
        const out = await kms.send(new GenerateMacCommand({
          KeyId: config.fingerprintKeyArn,
          MacAlgorithm: FINGERPRINT_MAC_ALGORITHM,
          Message: Buffer.from(FINGERPRINT_SECRET_MESSAGE, 'utf8'),
        }));
        if (!out.Mac || out.Mac.length < 32) throw new TokenizerFailed('KMS GenerateMac returned no MAC');
        return Buffer.from(out.Mac);
      })();
      // A failure is not cached: the next invocation asks KMS again.
      secret.catch(() => { secret = undefined; });
    }
    return secret.catch(error => {
      throw error instanceof TokenizerFailed ? error
        : awsCallFailed('KMS GenerateMac (the fingerprint secret)', error, 'nothing was read or written');
    });
  };

  /** The cached data key, or a new one when it is too old or too used for `needed` more values. */
  const currentDataKey = async (needed: number, counts: Counts): Promise<CachedDataKey> => {
    const fresh = dataKey !== undefined
      && now().getTime() - dataKey.createdAtMs < DATA_KEY_MAX_AGE_SECONDS * 1000
      && dataKey.uses + needed <= DATA_KEY_MAX_VALUES;
    if (!fresh) {
      counts.kmsCalls++;
      let out;
      try {
        out = await kms.send(new GenerateDataKeyCommand({
          KeyId: config.valueKeyArn,
          KeySpec: 'AES_256',
          EncryptionContext: { ...VALUE_ENCRYPTION_CONTEXT },
        }));
      } catch (error) {
        throw awsCallFailed('KMS GenerateDataKey', error, 'no values were written');
      }
      if (!out.Plaintext || !out.CiphertextBlob) throw new TokenizerFailed('KMS GenerateDataKey returned no key');
      dataKey = { plaintext: out.Plaintext, encrypted: out.CiphertextBlob, createdAtMs: now().getTime(), uses: 0 };
    }
    return dataKey!;
  };

  /** The tokens of the fingerprints already in the vault (eventually consistent reads). */
  const readExisting = async (fingerprints: string[]): Promise<Map<string, string>> => {
    const found = new Map<string, string>();
    const chunks: string[][] = [];
    for (let i = 0; i < fingerprints.length; i += READ_CHUNK) chunks.push(fingerprints.slice(i, i + READ_CHUNK));
    await mapWithConcurrency(chunks, 4, async chunk => {
      let keys: Array<Record<string, AttributeValue>> = chunk.map(fp => ({ [FINGERPRINT]: { S: fp } }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        if (attempt > UNPROCESSED_READ_ATTEMPTS) {
          throw new TokenizerFailed(`DynamoDB BatchGetItem left ${keys.length} keys unprocessed after ${UNPROCESSED_READ_ATTEMPTS} attempts (throttling); nothing was written`);
        }
        if (attempt > 1) await sleep(Math.min(2000, 50 * 2 ** (attempt - 2)) * (0.5 + Math.random() / 2));
        let out;
        try {
          out = await dynamodb.send(new BatchGetItemCommand({
            RequestItems: {
              [config.tableName]: {
                Keys: keys,
                ProjectionExpression: '#fp, #token',
                ExpressionAttributeNames: { '#fp': FINGERPRINT, '#token': TOKEN },
              },
            },
          }));
        } catch (error) {
          throw awsCallFailed('DynamoDB BatchGetItem', error, 'nothing was written');
        }
        for (const item of out.Responses?.[config.tableName] ?? []) {
          const fp = item[FINGERPRINT]?.S;
          const token = item[TOKEN]?.S;
          if (fp !== undefined && token !== undefined) found.set(fp, token);
        }
        keys = out.UnprocessedKeys?.[config.tableName]?.Keys ?? [];
      }
    });
    return found;
  };

  /** Writes a new entry unless the fingerprint exists; returns the token that the vault holds. */
  const writeEntry = async (fp: string, canonical: string, key: CachedDataKey, counts: Counts): Promise<string> => {
    const token = config.tokenPrefix + randomBytes(TOKEN_RANDOM_BYTES).toString('hex');
    const sealed = encryptValue(key.plaintext, fp, canonical);
    key.uses++;
    try {
      await dynamodb.send(new PutItemCommand({
        TableName: config.tableName,
        Item: {
          [FINGERPRINT]: { S: fp },
          [TOKEN]: { S: token },
          [CIPHERTEXT]: { B: sealed },
          [DATA_KEY]: { B: key.encrypted },
          [CREATED_AT]: { S: now().toISOString() },
        },
        ConditionExpression: 'attribute_not_exists(#fp)',
        ExpressionAttributeNames: { '#fp': FINGERPRINT },
      }));
      counts.created++;
      return token;
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') {
        throw awsCallFailed('DynamoDB PutItem', error,
          'no tokens were returned; the entries this request stored before are complete and a retry reuses them');
      }
    }
    // Another call stored this value first: its token is the value's token.
    counts.lostRaces++;
    let out;
    try {
      out = await dynamodb.send(new GetItemCommand({
        TableName: config.tableName,
        Key: { [FINGERPRINT]: { S: fp } },
        ConsistentRead: true,
        ProjectionExpression: '#token',
        ExpressionAttributeNames: { '#token': TOKEN },
      }));
    } catch (error) {
      throw awsCallFailed('DynamoDB GetItem', error, 'no tokens were returned');
    }
    const winner = out.Item?.[TOKEN]?.S;
    if (winner === undefined) throw new TokenizerFailed('a vault entry was deleted while it was being read; retry the request');
    return winner;
  };

  return async (event: unknown): Promise<TokenizeResponse> => {
    const started = Date.now();
    const counts: Counts = { kmsCalls: 0, existing: 0, created: 0, lostRaces: 0 };
    try {
      const normalised = checkValues(event, config);
      if (normalised.length === 0) return { tokens: [] };

      const hmacKey = await fingerprintSecret(counts);
      const fingerprintOf = new Map<string, string>();
      for (const canonical of normalised) {
        if (!fingerprintOf.has(canonical)) {
          fingerprintOf.set(canonical, createHmac('sha256', hmacKey).update(canonical, 'utf8').digest('hex'));
        }
      }
      const tokenOf = await readExisting([...fingerprintOf.values()]);
      counts.existing = tokenOf.size;

      const missing = [...fingerprintOf].filter(([, fp]) => !tokenOf.has(fp));
      if (missing.length > 0) {
        const key = await currentDataKey(missing.length, counts);
        await mapWithConcurrency(missing, writeConcurrency, async ([canonical, fp]) => {
          tokenOf.set(fp, await writeEntry(fp, canonical, key, counts));
        });
      }
      const tokens = normalised.map(canonical => tokenOf.get(fingerprintOf.get(canonical)!)!);
      log('info', 'tokenized', {
        values: normalised.length, distinct: fingerprintOf.size, ...counts, durationMs: Date.now() - started,
      });
      return { tokens };
    } catch (error) {
      log(error instanceof InvalidTokenizerRequest ? 'warn' : 'error', 'tokenize failed', {
        error: errorName(error), reason: ownMessage(error), ...counts, durationMs: Date.now() - started,
      });
      throw error;
    }
  };
}

let instance: Tokenizer | undefined;

/** The Lambda entry point: clients and configuration are created once per container. */
export const handler = async (event: unknown): Promise<TokenizeResponse> => {
  instance ??= createTokenizer({
    dynamodb: new DynamoDBClient({ maxAttempts: DYNAMODB_MAX_ATTEMPTS }),
    kms: new KMSClient({ maxAttempts: KMS_MAX_ATTEMPTS }),
    config: tokenizeConfigFromEnv(process.env),
  });
  return instance(event);
};
