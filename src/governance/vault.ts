/**
 * The contract between `PiiTokenizer` and its two handlers: the vault's item format, the
 * environment, the request limits, the token format and the normalisation of values.
 *
 * Imported by the construct and bundled into the handlers, so it imports nothing from aws-cdk-lib.
 */
import { CASE_FOLDING_DATA } from './case-folding';

// ---------------------------------------------------------------------------------------------
// The vault: one item per distinct normalised value
// ---------------------------------------------------------------------------------------------

/** Partition key (S): the HMAC-SHA-256 of the normalised value under the fingerprint key, in hex. */
export const FINGERPRINT = 'fp';
/** The token (S): the prefix and 32 random hex digits; the key of the token index. */
export const TOKEN = 'token';
/** The encrypted normalised value (B): a 12-byte IV, the AES-256-GCM ciphertext and its 16-byte tag. */
export const CIPHERTEXT = 'ct';
/** The data key that encrypts `ct` (B), as KMS encrypted it under the value key. */
export const DATA_KEY = 'dk';
/** When the entry was created (S, ISO 8601 UTC). */
export const CREATED_AT = 'createdAt';

/** The global secondary index that finds an entry by its token. */
export const TOKEN_INDEX = 'token';
/** The attributes the token index projects besides the keys: what detokenize decrypts. */
export const TOKEN_INDEX_ATTRIBUTES: readonly string[] = [CIPHERTEXT, DATA_KEY];

// ---------------------------------------------------------------------------------------------
// Keys and cryptography
// ---------------------------------------------------------------------------------------------

/** The encryption context of every data key (GenerateDataKey and Decrypt); IAM requires it. */
export const VALUE_ENCRYPTION_CONTEXT_KEY = 'purpose';
export const VALUE_ENCRYPTION_CONTEXT_VALUE = 'cdk-glue-lake:pii-tokenizer:value';
/** The message whose MAC under the fingerprint key (an HMAC KMS key) is the fingerprint secret. */
export const FINGERPRINT_SECRET_MESSAGE = 'cdk-glue-lake:pii-tokenizer:fingerprint:v1';
/** The MAC algorithm of the fingerprint key. */
export const FINGERPRINT_MAC_ALGORITHM = 'HMAC_SHA_256';
/** A data key encrypts values for at most this long in one tokenize container... */
export const DATA_KEY_MAX_AGE_SECONDS = 3600;
/** ... and at most this many values (far below AES-GCM's 2^32 random-IV limit). */
export const DATA_KEY_MAX_VALUES = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** The most values (tokenize) or tokens (detokenize) in one request. */
export const MAX_BATCH_SIZE = 1000;
/** The longest value accepted, in UTF-8 bytes, as received and once normalised. */
export const MAX_VALUE_BYTES = 1024;
/** The error name of a request the handlers refuse (nothing is read or written). */
export const INVALID_REQUEST_ERROR = 'InvalidTokenizerRequest';
/** The error name of a request that failed (DynamoDB or KMS, after retries). */
export const TOKENIZER_FAILED_ERROR = 'TokenizerFailed';
/** The error name of a vault entry whose ciphertext does not authenticate (tampered or misplaced). */
export const VAULT_INTEGRITY_ERROR = 'VaultIntegrityError';

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/** The default token prefix. */
export const DEFAULT_TOKEN_PREFIX = 'tok_';
/** A token prefix: 1 to 16 lowercase letters or digits, starting with a letter, then `_`. */
export const TOKEN_PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}_$/;
export const TOKEN_PREFIX_EXPECTED = "1 to 16 lowercase letters or digits, starting with a letter, followed by '_' (e.g. 'tok_' or 'email_')";
/** Random bytes per token (128 bits), written as 32 lowercase hex digits after the prefix. */
export const TOKEN_RANDOM_BYTES = 16;

/** True when `value` has the shape of a token with `prefix` (it may still be unknown to the vault). */
export function isTokenShaped(value: string, prefix: string): boolean {
  return value.length === prefix.length + 2 * TOKEN_RANDOM_BYTES
    && value.startsWith(prefix)
    && /^[0-9a-f]+$/.test(value.slice(prefix.length));
}

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

/** How values are normalised before they are fingerprinted and stored. */
export interface NormalizationSpec {
  /** Remove leading and trailing white space. */
  readonly trim: boolean;
  /**
   * Unicode compatibility normalisation (NFKC) instead of NFC, and full Unicode case folding
   * (CaseFolding.txt, statuses C and F: "Straße" and "STRASSE", "ＡＢＣ" and "abc" share a form).
   */
  readonly caseFold: boolean;
  /** Characters removed wherever they occur (e.g. ' -()' for phone numbers). */
  readonly removeCharacters: string;
}

/** The most characters `removeCharacters` may list. */
export const MAX_REMOVE_CHARACTERS = 64;

/** The full case folding table, parsed on first use: code point to folded string. */
let caseFoldings: Map<number, string> | undefined;

function caseFoldingTable(): Map<number, string> {
  if (caseFoldings === undefined) {
    caseFoldings = new Map();
    for (const entry of CASE_FOLDING_DATA.split(' ')) {
      const [from, to] = entry.split(':');
      caseFoldings.set(parseInt(from, 16), String.fromCodePoint(...to.split(',').map(h => parseInt(h, 16))));
    }
  }
  return caseFoldings;
}

/**
 * Unicode full case folding (CaseFolding.txt, statuses C and F, of `CASE_FOLDING_UNICODE_VERSION`):
 * "ß" and "ẞ" become "ss", "ﬁ" becomes "fi", "Σ" and "ς" become "σ". Locale-independent (no Turkic
 * "T" mappings) and independent of the runtime's own case mapping, so a Node.js upgrade does not
 * change it. Does not normalise: see `normalize`.
 */
export function fullCaseFold(value: string): string {
  const table = caseFoldingTable();
  let result = '';
  for (const c of value) result += table.get(c.codePointAt(0)!) ?? c;
  return result;
}

/**
 * The canonical form of a value.
 *
 * Without `caseFold`: Unicode NFC, then the characters to remove are removed, then white space is
 * trimmed (each step only when asked).
 *
 * With `caseFold`: Unicode NFKC (compatibility forms such as full-width letters and ligatures
 * become their plain letters), then the characters to remove (NFKC too) are removed, white space is
 * trimmed, the value is fully case-folded (`fullCaseFold`) and brought to NFKC again: the NFKC of
 * the full case folding of the NFKC, close to Unicode's NFKC_Casefold without its removal of
 * default-ignorable code points. NFKC comes from the runtime's ICU, which is stable for assigned
 * characters (Unicode's normalization stability policy).
 */
export function normalize(value: string, spec: NormalizationSpec): string {
  const form = spec.caseFold ? 'NFKC' : 'NFC';
  let result = value.normalize(form);
  if (spec.removeCharacters.length > 0) {
    const remove = new Set(Array.from(spec.removeCharacters.normalize(form)));
    result = Array.from(result).filter(c => !remove.has(c)).join('');
  }
  if (spec.trim) result = result.trim();
  if (spec.caseFold) result = fullCaseFold(result).normalize('NFKC');
  return result;
}

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

export const ENV_VAULT_TABLE_NAME = 'VAULT_TABLE_NAME';
export const ENV_VALUE_KEY_ARN = 'VALUE_KEY_ARN';
export const ENV_FINGERPRINT_KEY_ARN = 'FINGERPRINT_KEY_ARN';
export const ENV_TOKEN_PREFIX = 'TOKEN_PREFIX';
/** The normalisation, as the JSON of a `NormalizationSpec`. */
export const ENV_NORMALIZATION = 'NORMALIZATION';
