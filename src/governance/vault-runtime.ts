/**
 * What the tokenize and detokenize handlers share: their configuration, their errors, request
 * checks that never echo a value, and the envelope encryption of values (AES-256-GCM under a KMS
 * data key, bound to the entry's fingerprint).
 *
 * Bundled into the handlers, so it imports nothing from aws-cdk-lib.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'crypto';
import {
  ENV_FINGERPRINT_KEY_ARN, ENV_NORMALIZATION, ENV_TOKEN_PREFIX, ENV_VALUE_KEY_ARN, ENV_VAULT_TABLE_NAME,
  INVALID_REQUEST_ERROR, MAX_BATCH_SIZE, MAX_REMOVE_CHARACTERS, TOKEN_PREFIX_PATTERN, TOKENIZER_FAILED_ERROR,
  VALUE_ENCRYPTION_CONTEXT_KEY, VALUE_ENCRYPTION_CONTEXT_VALUE, VAULT_INTEGRITY_ERROR, type NormalizationSpec,
} from './vault';
import { errorName } from '../private/handler-runtime';

/** What both handlers read from their environment. */
export interface VaultConfig {
  /** The vault table. */
  readonly tableName: string;
  /** The KMS key whose data keys encrypt the values. */
  readonly valueKeyArn: string;
  /** The token prefix. */
  readonly tokenPrefix: string;
}

/** What the tokenize handler also needs. */
export interface TokenizeConfig extends VaultConfig {
  /** The HMAC KMS key that derives the fingerprint secret. */
  readonly fingerprintKeyArn: string;
  /** How values are normalised. */
  readonly normalization: NormalizationSpec;
}

/** Attempts per DynamoDB call (the first one included); the SDK's standard retry backs off on throttling. */
export const DYNAMODB_MAX_ATTEMPTS = 8;
/** Attempts per KMS call. */
export const KMS_MAX_ATTEMPTS = 5;

/** The encryption context of every data key. */
export const VALUE_ENCRYPTION_CONTEXT: Readonly<Record<string, string>> = { [VALUE_ENCRYPTION_CONTEXT_KEY]: VALUE_ENCRYPTION_CONTEXT_VALUE };

// ---------------------------------------------------------------------------------------------
// Errors: their messages name fields, positions, sizes and types, never a value or a token
// ---------------------------------------------------------------------------------------------

/** A request the handler refuses before reading or writing anything. */
export class InvalidTokenizerRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = INVALID_REQUEST_ERROR;
  }
}

/** A request that failed after retries (DynamoDB or KMS); the message names the call and the error code. */
export class TokenizerFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = TOKENIZER_FAILED_ERROR;
  }
}

/** A vault entry whose ciphertext does not authenticate under its data key and fingerprint. */
export class VaultIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = VAULT_INTEGRITY_ERROR;
  }
}

/** The environment is not what the construct sets: a deployment defect, not a request error. */
export class TokenizerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerConfigError';
  }
}

/** The message of the library's own errors (which never hold a value); undefined for any other error. */
export function ownMessage(error: unknown): string | undefined {
  const own = error instanceof InvalidTokenizerRequest || error instanceof TokenizerFailed
    || error instanceof VaultIntegrityError || error instanceof TokenizerConfigError;
  return own ? error.message : undefined;
}

/** How a JSON value is described in an error: its type, never its content. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    case 'object': return 'an object';
    default: return typeof value;
  }
}

/** The most problems one error message lists. */
const MAX_PROBLEMS_LISTED = 5;

/** Joins the problems found in a request into one message (the first few, and how many more). */
export function problemsMessage(problems: readonly string[]): string {
  const listed = problems.slice(0, MAX_PROBLEMS_LISTED).join('; ');
  const more = problems.length > MAX_PROBLEMS_LISTED ? `; and ${problems.length - MAX_PROBLEMS_LISTED} more` : '';
  return `${problems.length} invalid ${problems.length === 1 ? 'entry' : 'entries'}, nothing was read or written: ${listed}${more}`;
}

/**
 * The list under `field` of a request object that has no other field, checked for size.
 * `example` shows the expected shape in the error.
 */
export function requestList(event: unknown, field: string, example: string): unknown[] {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidTokenizerRequest(`the request must be a JSON object ${example}; received ${jsonType(event)}`);
  }
  const others = Object.keys(event).filter(k => k !== field);
  if (others.length > 0) {
    const names = others.slice(0, 3).map(k => JSON.stringify(k.slice(0, 40))).join(', ');
    throw new InvalidTokenizerRequest(`the request has unknown fields (${names}${others.length > 3 ? ', ...' : ''}); expected only "${field}": ${example}`);
  }
  const list = (event as Record<string, unknown>)[field];
  if (!Array.isArray(list)) {
    throw new InvalidTokenizerRequest(`"${field}" must be a list of strings, as in ${example}; received ${jsonType(list)}`);
  }
  if (list.length > MAX_BATCH_SIZE) {
    throw new InvalidTokenizerRequest(`"${field}" has ${list.length} entries; at most ${MAX_BATCH_SIZE} are accepted per request: split the batch`);
  }
  return list;
}

/** Wraps a failed AWS call into a `TokenizerFailed` that names the call, the error code and the attempts. */
export function awsCallFailed(call: string, error: unknown, consequence: string): TokenizerFailed {
  const attempts = (error as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;
  const after = attempts !== undefined ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : '';
  return new TokenizerFailed(`${call} failed with ${errorName(error)}${after}; ${consequence}`);
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new TokenizerConfigError(`environment variable ${name} is not set`);
  return value;
}

/** The configuration both handlers read. */
export function vaultConfigFromEnv(env: NodeJS.ProcessEnv): VaultConfig {
  const tokenPrefix = requiredEnv(env, ENV_TOKEN_PREFIX);
  if (!TOKEN_PREFIX_PATTERN.test(tokenPrefix)) {
    throw new TokenizerConfigError(`environment variable ${ENV_TOKEN_PREFIX} is ${JSON.stringify(tokenPrefix)}; expected ${TOKEN_PREFIX_PATTERN}`);
  }
  return {
    tableName: requiredEnv(env, ENV_VAULT_TABLE_NAME),
    valueKeyArn: requiredEnv(env, ENV_VALUE_KEY_ARN),
    tokenPrefix,
  };
}

/**
 * Throws unless `String.prototype.normalize` implements Unicode NFC and NFKC: in a Node.js built
 * without ICU it returns its input unchanged, and tokens would silently differ from those of other
 * runtimes (https://nodejs.org/api/intl.html, "Feature availability").
 */
export function checkUnicodeNormalization(): void {
  if ('e\u0301'.normalize('NFC') !== '\u00e9' || '\uff21\ufb01'.normalize('NFKC') !== 'Afi') {
    throw new TokenizerConfigError('String.prototype.normalize does not implement Unicode NFC and NFKC in this runtime (a Node.js built without ICU?): '
      + 'tokens would differ from those of other runtimes');
  }
}

/** The configuration of the tokenize handler (after checking that the runtime normalises Unicode). */
export function tokenizeConfigFromEnv(env: NodeJS.ProcessEnv): TokenizeConfig {
  checkUnicodeNormalization();
  const raw = requiredEnv(env, ENV_NORMALIZATION);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TokenizerConfigError(`environment variable ${ENV_NORMALIZATION} is not JSON`);
  }
  const spec = parsed as Partial<NormalizationSpec> | null;
  if (spec === null || typeof spec !== 'object' || typeof spec.trim !== 'boolean' || typeof spec.caseFold !== 'boolean'
    || typeof spec.removeCharacters !== 'string' || spec.removeCharacters.length > MAX_REMOVE_CHARACTERS) {
    throw new TokenizerConfigError(`environment variable ${ENV_NORMALIZATION} is ${raw}; expected {"trim": boolean, "caseFold": boolean, "removeCharacters": string}`);
  }
  return {
    ...vaultConfigFromEnv(env),
    fingerprintKeyArn: requiredEnv(env, ENV_FINGERPRINT_KEY_ARN),
    normalization: { trim: spec.trim, caseFold: spec.caseFold, removeCharacters: spec.removeCharacters },
  };
}

// ---------------------------------------------------------------------------------------------
// Envelope encryption of values
// ---------------------------------------------------------------------------------------------

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts a normalised value with AES-256-GCM under a data key. The fingerprint is the additional
 * authenticated data, so a ciphertext moved to another entry does not decrypt.
 * Returns the IV, the ciphertext and the tag, concatenated.
 */
export function encryptValue(dataKey: Uint8Array, fingerprint: string, value: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(fingerprint, 'utf8'));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** Decrypts what `encryptValue` returned; throws `VaultIntegrityError` when it does not authenticate. */
export function decryptValue(dataKey: Uint8Array, fingerprint: string, sealed: Uint8Array): string {
  if (sealed.length < IV_BYTES + TAG_BYTES) {
    throw new VaultIntegrityError('a vault entry\'s ciphertext is truncated; no values were returned');
  }
  const data = Buffer.from(sealed);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(fingerprint, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new VaultIntegrityError(
      'a vault entry did not authenticate (its ciphertext, fingerprint or data key was changed); no values were returned');
  }
}
