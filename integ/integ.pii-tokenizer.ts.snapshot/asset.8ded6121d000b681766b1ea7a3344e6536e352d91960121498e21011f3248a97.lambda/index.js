"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// src/governance/tokenize.lambda.ts
var tokenize_lambda_exports = {};
__export(tokenize_lambda_exports, {
  DEFAULT_WRITE_CONCURRENCY: () => DEFAULT_WRITE_CONCURRENCY,
  UNPROCESSED_READ_ATTEMPTS: () => UNPROCESSED_READ_ATTEMPTS,
  createTokenizer: () => createTokenizer,
  handler: () => handler
});
module.exports = __toCommonJS(tokenize_lambda_exports);
var import_crypto2 = require("crypto");
var import_client_dynamodb = require("@aws-sdk/client-dynamodb");
var import_client_kms = require("@aws-sdk/client-kms");

// src/governance/vault.ts
var FINGERPRINT = "fp";
var TOKEN = "token";
var CIPHERTEXT = "ct";
var DATA_KEY = "dk";
var CREATED_AT = "createdAt";
var VALUE_ENCRYPTION_CONTEXT_KEY = "purpose";
var VALUE_ENCRYPTION_CONTEXT_VALUE = "cdk-glue-lake:pii-tokenizer:value";
var FINGERPRINT_SECRET_MESSAGE = "cdk-glue-lake:pii-tokenizer:fingerprint:v1";
var FINGERPRINT_MAC_ALGORITHM = "HMAC_SHA_256";
var DATA_KEY_MAX_AGE_SECONDS = 3600;
var DATA_KEY_MAX_VALUES = 1e6;
var MAX_BATCH_SIZE = 1e3;
var MAX_VALUE_BYTES = 1024;
var INVALID_REQUEST_ERROR = "InvalidTokenizerRequest";
var TOKENIZER_FAILED_ERROR = "TokenizerFailed";
var VAULT_INTEGRITY_ERROR = "VaultIntegrityError";
var TOKEN_PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}_$/;
var TOKEN_RANDOM_BYTES = 16;
var MAX_REMOVE_CHARACTERS = 64;
function normalize(value, spec) {
  let result = value.normalize("NFC");
  if (spec.removeCharacters.length > 0) {
    const remove = new Set(Array.from(spec.removeCharacters.normalize("NFC")));
    result = Array.from(result).filter((c) => !remove.has(c)).join("");
  }
  if (spec.trim) result = result.trim();
  if (spec.caseFold) result = result.toLowerCase();
  return result;
}
var ENV_VAULT_TABLE_NAME = "VAULT_TABLE_NAME";
var ENV_VALUE_KEY_ARN = "VALUE_KEY_ARN";
var ENV_FINGERPRINT_KEY_ARN = "FINGERPRINT_KEY_ARN";
var ENV_TOKEN_PREFIX = "TOKEN_PREFIX";
var ENV_NORMALIZATION = "NORMALIZATION";

// src/governance/vault-runtime.ts
var import_crypto = require("crypto");

// src/private/handler-runtime.ts
var jsonLogger = (level, message, fields = {}) => {
  const write = level === "error" ? console.error : level === "warn" ? console.warn : console.info;
  write(JSON.stringify({ level, message, ...fields }));
};
async function mapWithConcurrency(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  let failure;
  const worker = async () => {
    while (next < items.length && failure === void 0) {
      const index = next++;
      try {
        results[index] = await fn(items[index]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== void 0) throw failure.error;
  return results;
}
function errorName(error) {
  return error instanceof Error ? error.name : typeof error;
}

// src/governance/vault-runtime.ts
var DYNAMODB_MAX_ATTEMPTS = 8;
var KMS_MAX_ATTEMPTS = 5;
var VALUE_ENCRYPTION_CONTEXT = { [VALUE_ENCRYPTION_CONTEXT_KEY]: VALUE_ENCRYPTION_CONTEXT_VALUE };
var InvalidTokenizerRequest = class extends Error {
  constructor(message) {
    super(message);
    this.name = INVALID_REQUEST_ERROR;
  }
};
var TokenizerFailed = class extends Error {
  constructor(message) {
    super(message);
    this.name = TOKENIZER_FAILED_ERROR;
  }
};
var VaultIntegrityError = class extends Error {
  constructor(message) {
    super(message);
    this.name = VAULT_INTEGRITY_ERROR;
  }
};
var TokenizerConfigError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "TokenizerConfigError";
  }
};
function ownMessage(error) {
  const own = error instanceof InvalidTokenizerRequest || error instanceof TokenizerFailed || error instanceof VaultIntegrityError || error instanceof TokenizerConfigError;
  return own ? error.message : void 0;
}
function jsonType(value) {
  if (value === null) return "null";
  if (value === void 0) return "missing";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}
var MAX_PROBLEMS_LISTED = 5;
function problemsMessage(problems) {
  const listed = problems.slice(0, MAX_PROBLEMS_LISTED).join("; ");
  const more = problems.length > MAX_PROBLEMS_LISTED ? `; and ${problems.length - MAX_PROBLEMS_LISTED} more` : "";
  return `${problems.length} invalid ${problems.length === 1 ? "entry" : "entries"}, nothing was read or written: ${listed}${more}`;
}
function requestList(event, field, example) {
  if (event === null || typeof event !== "object" || Array.isArray(event)) {
    throw new InvalidTokenizerRequest(`the request must be a JSON object ${example}; received ${jsonType(event)}`);
  }
  const others = Object.keys(event).filter((k) => k !== field);
  if (others.length > 0) {
    const names = others.slice(0, 3).map((k) => JSON.stringify(k.slice(0, 40))).join(", ");
    throw new InvalidTokenizerRequest(`the request has unknown fields (${names}${others.length > 3 ? ", ..." : ""}); expected only "${field}": ${example}`);
  }
  const list = event[field];
  if (!Array.isArray(list)) {
    throw new InvalidTokenizerRequest(`"${field}" must be a list of strings, as in ${example}; received ${jsonType(list)}`);
  }
  if (list.length > MAX_BATCH_SIZE) {
    throw new InvalidTokenizerRequest(`"${field}" has ${list.length} entries; at most ${MAX_BATCH_SIZE} are accepted per request: split the batch`);
  }
  return list;
}
function awsCallFailed(call, error, consequence) {
  const attempts = error?.$metadata?.attempts;
  const after = attempts !== void 0 ? ` after ${attempts} attempt${attempts === 1 ? "" : "s"}` : "";
  return new TokenizerFailed(`${call} failed with ${errorName(error)}${after}; ${consequence}`);
}
function requiredEnv(env, name) {
  const value = env[name];
  if (value === void 0 || value === "") throw new TokenizerConfigError(`environment variable ${name} is not set`);
  return value;
}
function vaultConfigFromEnv(env) {
  const tokenPrefix = requiredEnv(env, ENV_TOKEN_PREFIX);
  if (!TOKEN_PREFIX_PATTERN.test(tokenPrefix)) {
    throw new TokenizerConfigError(`environment variable ${ENV_TOKEN_PREFIX} is ${JSON.stringify(tokenPrefix)}; expected ${TOKEN_PREFIX_PATTERN}`);
  }
  return {
    tableName: requiredEnv(env, ENV_VAULT_TABLE_NAME),
    valueKeyArn: requiredEnv(env, ENV_VALUE_KEY_ARN),
    tokenPrefix
  };
}
function tokenizeConfigFromEnv(env) {
  const raw = requiredEnv(env, ENV_NORMALIZATION);
  let parsed;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TokenizerConfigError(`environment variable ${ENV_NORMALIZATION} is not JSON`);
  }
  const spec = parsed;
  if (spec === null || typeof spec !== "object" || typeof spec.trim !== "boolean" || typeof spec.caseFold !== "boolean" || typeof spec.removeCharacters !== "string" || spec.removeCharacters.length > MAX_REMOVE_CHARACTERS) {
    throw new TokenizerConfigError(`environment variable ${ENV_NORMALIZATION} is ${raw}; expected {"trim": boolean, "caseFold": boolean, "removeCharacters": string}`);
  }
  return {
    ...vaultConfigFromEnv(env),
    fingerprintKeyArn: requiredEnv(env, ENV_FINGERPRINT_KEY_ARN),
    normalization: { trim: spec.trim, caseFold: spec.caseFold, removeCharacters: spec.removeCharacters }
  };
}
var IV_BYTES = 12;
function encryptValue(dataKey, fingerprint, value) {
  const iv = (0, import_crypto.randomBytes)(IV_BYTES);
  const cipher = (0, import_crypto.createCipheriv)("aes-256-gcm", dataKey, iv);
  cipher.setAAD(Buffer.from(fingerprint, "utf8"));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

// src/governance/tokenize.lambda.ts
var READ_CHUNK = 100;
var UNPROCESSED_READ_ATTEMPTS = 8;
var DEFAULT_WRITE_CONCURRENCY = 16;
function checkValues(event, config) {
  const values = requestList(event, "values", '{"values": ["a@example.com", ...]}');
  const problems = [];
  const normalised = values.map((value, i) => {
    if (typeof value !== "string") {
      problems.push(`values[${i}] is ${jsonType(value)}, expected a string (leave nulls out of the request)`);
      return "";
    }
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > MAX_VALUE_BYTES) {
      problems.push(`values[${i}] is ${bytes} bytes long, at most ${MAX_VALUE_BYTES} UTF-8 bytes are accepted`);
      return "";
    }
    const canonical = normalize(value, config.normalization);
    if (canonical.length === 0) {
      problems.push(`values[${i}] is empty${value.length > 0 ? " after normalisation" : ""}: empty values have no token (leave them out of the request)`);
    }
    return canonical;
  });
  if (problems.length > 0) throw new InvalidTokenizerRequest(problemsMessage(problems));
  return normalised;
}
function createTokenizer(options) {
  const { dynamodb, kms, config } = options;
  const log = options.log ?? jsonLogger;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const writeConcurrency = options.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY;
  let secret;
  let dataKey;
  const fingerprintSecret = (counts) => {
    if (secret === void 0) {
      counts.kmsCalls++;
      secret = (async () => {
        const out = await kms.send(new import_client_kms.GenerateMacCommand({
          KeyId: config.fingerprintKeyArn,
          MacAlgorithm: FINGERPRINT_MAC_ALGORITHM,
          Message: Buffer.from(FINGERPRINT_SECRET_MESSAGE, "utf8")
        }));
        if (!out.Mac || out.Mac.length < 32) throw new TokenizerFailed("KMS GenerateMac returned no MAC");
        return Buffer.from(out.Mac);
      })();
      secret.catch(() => {
        secret = void 0;
      });
    }
    return secret.catch((error) => {
      throw error instanceof TokenizerFailed ? error : awsCallFailed("KMS GenerateMac (the fingerprint secret)", error, "nothing was read or written");
    });
  };
  const currentDataKey = async (needed, counts) => {
    const fresh = dataKey !== void 0 && now().getTime() - dataKey.createdAtMs < DATA_KEY_MAX_AGE_SECONDS * 1e3 && dataKey.uses + needed <= DATA_KEY_MAX_VALUES;
    if (!fresh) {
      counts.kmsCalls++;
      let out;
      try {
        out = await kms.send(new import_client_kms.GenerateDataKeyCommand({
          KeyId: config.valueKeyArn,
          KeySpec: "AES_256",
          EncryptionContext: { ...VALUE_ENCRYPTION_CONTEXT }
        }));
      } catch (error) {
        throw awsCallFailed("KMS GenerateDataKey", error, "no values were written");
      }
      if (!out.Plaintext || !out.CiphertextBlob) throw new TokenizerFailed("KMS GenerateDataKey returned no key");
      dataKey = { plaintext: out.Plaintext, encrypted: out.CiphertextBlob, createdAtMs: now().getTime(), uses: 0 };
    }
    return dataKey;
  };
  const readExisting = async (fingerprints) => {
    const found = /* @__PURE__ */ new Map();
    const chunks = [];
    for (let i = 0; i < fingerprints.length; i += READ_CHUNK) chunks.push(fingerprints.slice(i, i + READ_CHUNK));
    await mapWithConcurrency(chunks, 4, async (chunk) => {
      let keys = chunk.map((fp) => ({ [FINGERPRINT]: { S: fp } }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        if (attempt > UNPROCESSED_READ_ATTEMPTS) {
          throw new TokenizerFailed(`DynamoDB BatchGetItem left ${keys.length} keys unprocessed after ${UNPROCESSED_READ_ATTEMPTS} attempts (throttling); nothing was written`);
        }
        if (attempt > 1) await sleep(Math.min(2e3, 50 * 2 ** (attempt - 2)) * (0.5 + Math.random() / 2));
        let out;
        try {
          out = await dynamodb.send(new import_client_dynamodb.BatchGetItemCommand({
            RequestItems: {
              [config.tableName]: {
                Keys: keys,
                ProjectionExpression: "#fp, #token",
                ExpressionAttributeNames: { "#fp": FINGERPRINT, "#token": TOKEN }
              }
            }
          }));
        } catch (error) {
          throw awsCallFailed("DynamoDB BatchGetItem", error, "nothing was written");
        }
        for (const item of out.Responses?.[config.tableName] ?? []) {
          const fp = item[FINGERPRINT]?.S;
          const token = item[TOKEN]?.S;
          if (fp !== void 0 && token !== void 0) found.set(fp, token);
        }
        keys = out.UnprocessedKeys?.[config.tableName]?.Keys ?? [];
      }
    });
    return found;
  };
  const writeEntry = async (fp, canonical, key, counts) => {
    const token = config.tokenPrefix + (0, import_crypto2.randomBytes)(TOKEN_RANDOM_BYTES).toString("hex");
    const sealed = encryptValue(key.plaintext, fp, canonical);
    key.uses++;
    try {
      await dynamodb.send(new import_client_dynamodb.PutItemCommand({
        TableName: config.tableName,
        Item: {
          [FINGERPRINT]: { S: fp },
          [TOKEN]: { S: token },
          [CIPHERTEXT]: { B: sealed },
          [DATA_KEY]: { B: key.encrypted },
          [CREATED_AT]: { S: now().toISOString() }
        },
        ConditionExpression: "attribute_not_exists(#fp)",
        ExpressionAttributeNames: { "#fp": FINGERPRINT }
      }));
      counts.created++;
      return token;
    } catch (error) {
      if (errorName(error) !== "ConditionalCheckFailedException") {
        throw awsCallFailed(
          "DynamoDB PutItem",
          error,
          "no tokens were returned; the entries this request stored before are complete and a retry reuses them"
        );
      }
    }
    counts.lostRaces++;
    let out;
    try {
      out = await dynamodb.send(new import_client_dynamodb.GetItemCommand({
        TableName: config.tableName,
        Key: { [FINGERPRINT]: { S: fp } },
        ConsistentRead: true,
        ProjectionExpression: "#token",
        ExpressionAttributeNames: { "#token": TOKEN }
      }));
    } catch (error) {
      throw awsCallFailed("DynamoDB GetItem", error, "no tokens were returned");
    }
    const winner = out.Item?.[TOKEN]?.S;
    if (winner === void 0) throw new TokenizerFailed("a vault entry was deleted while it was being read; retry the request");
    return winner;
  };
  return async (event) => {
    const started = Date.now();
    const counts = { kmsCalls: 0, existing: 0, created: 0, lostRaces: 0 };
    try {
      const normalised = checkValues(event, config);
      if (normalised.length === 0) return { tokens: [] };
      const hmacKey = await fingerprintSecret(counts);
      const fingerprintOf = /* @__PURE__ */ new Map();
      for (const canonical of normalised) {
        if (!fingerprintOf.has(canonical)) {
          fingerprintOf.set(canonical, (0, import_crypto2.createHmac)("sha256", hmacKey).update(canonical, "utf8").digest("hex"));
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
      const tokens = normalised.map((canonical) => tokenOf.get(fingerprintOf.get(canonical)));
      log("info", "tokenized", {
        values: normalised.length,
        distinct: fingerprintOf.size,
        ...counts,
        durationMs: Date.now() - started
      });
      return { tokens };
    } catch (error) {
      log(error instanceof InvalidTokenizerRequest ? "warn" : "error", "tokenize failed", {
        error: errorName(error),
        reason: ownMessage(error),
        ...counts,
        durationMs: Date.now() - started
      });
      throw error;
    }
  };
}
var instance;
var handler = async (event) => {
  instance ??= createTokenizer({
    dynamodb: new import_client_dynamodb.DynamoDBClient({ maxAttempts: DYNAMODB_MAX_ATTEMPTS }),
    kms: new import_client_kms.KMSClient({ maxAttempts: KMS_MAX_ATTEMPTS }),
    config: tokenizeConfigFromEnv(process.env)
  });
  return instance(event);
};
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  DEFAULT_WRITE_CONCURRENCY,
  UNPROCESSED_READ_ATTEMPTS,
  createTokenizer,
  handler
});
