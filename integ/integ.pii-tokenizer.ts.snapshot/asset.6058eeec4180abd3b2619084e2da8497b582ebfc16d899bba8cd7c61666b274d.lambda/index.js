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

// src/governance/detokenize.lambda.ts
var detokenize_lambda_exports = {};
__export(detokenize_lambda_exports, {
  DATA_KEY_CACHE_SIZE: () => DATA_KEY_CACHE_SIZE,
  DEFAULT_QUERY_CONCURRENCY: () => DEFAULT_QUERY_CONCURRENCY,
  createDetokenizer: () => createDetokenizer,
  handler: () => handler
});
module.exports = __toCommonJS(detokenize_lambda_exports);
var import_client_dynamodb = require("@aws-sdk/client-dynamodb");
var import_client_kms = require("@aws-sdk/client-kms");

// src/governance/vault.ts
var FINGERPRINT = "fp";
var TOKEN = "token";
var CIPHERTEXT = "ct";
var DATA_KEY = "dk";
var TOKEN_INDEX = "token";
var VALUE_ENCRYPTION_CONTEXT_KEY = "purpose";
var VALUE_ENCRYPTION_CONTEXT_VALUE = "cdk-glue-lake:pii-tokenizer:value";
var DATA_KEY_MAX_AGE_SECONDS = 3600;
var MAX_BATCH_SIZE = 1e3;
var INVALID_REQUEST_ERROR = "InvalidTokenizerRequest";
var TOKENIZER_FAILED_ERROR = "TokenizerFailed";
var VAULT_INTEGRITY_ERROR = "VaultIntegrityError";
var TOKEN_PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}_$/;
var TOKEN_RANDOM_BYTES = 16;
function isTokenShaped(value, prefix) {
  return value.length === prefix.length + 2 * TOKEN_RANDOM_BYTES && value.startsWith(prefix) && /^[0-9a-f]+$/.test(value.slice(prefix.length));
}
var ENV_VAULT_TABLE_NAME = "VAULT_TABLE_NAME";
var ENV_VALUE_KEY_ARN = "VALUE_KEY_ARN";
var ENV_TOKEN_PREFIX = "TOKEN_PREFIX";

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
var IV_BYTES = 12;
var TAG_BYTES = 16;
function decryptValue(dataKey, fingerprint, sealed) {
  if (sealed.length < IV_BYTES + TAG_BYTES) {
    throw new VaultIntegrityError("a vault entry's ciphertext is truncated; no values were returned");
  }
  const data = Buffer.from(sealed);
  try {
    const decipher = (0, import_crypto.createDecipheriv)("aes-256-gcm", dataKey, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(fingerprint, "utf8"));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new VaultIntegrityError(
      "a vault entry did not authenticate (its ciphertext, fingerprint or data key was changed); no values were returned"
    );
  }
}

// src/governance/detokenize.lambda.ts
var DEFAULT_QUERY_CONCURRENCY = 16;
var DATA_KEY_CACHE_SIZE = 256;
function checkTokens(event) {
  const tokens = requestList(event, "tokens", '{"tokens": ["tok_...", ...]}');
  const problems = [];
  tokens.forEach((token, i) => {
    if (typeof token !== "string") problems.push(`tokens[${i}] is ${jsonType(token)}, expected a string (leave nulls out of the request)`);
  });
  if (problems.length > 0) throw new InvalidTokenizerRequest(problemsMessage(problems));
  return tokens;
}
function createDetokenizer(options) {
  const { dynamodb, kms, config } = options;
  const log = options.log ?? jsonLogger;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const queryConcurrency = options.queryConcurrency ?? DEFAULT_QUERY_CONCURRENCY;
  const keys = /* @__PURE__ */ new Map();
  const lookUp = async (token) => {
    let out;
    try {
      out = await dynamodb.send(new import_client_dynamodb.QueryCommand({
        TableName: config.tableName,
        IndexName: TOKEN_INDEX,
        KeyConditionExpression: "#token = :token",
        ExpressionAttributeNames: { "#token": TOKEN },
        ExpressionAttributeValues: { ":token": { S: token } }
      }));
    } catch (error) {
      throw awsCallFailed("DynamoDB Query of the token index", error, "no values were returned");
    }
    const item = out.Items?.[0];
    if (item === void 0) return void 0;
    const fingerprint = item[FINGERPRINT]?.S;
    const ciphertext = item[CIPHERTEXT]?.B;
    const dataKey = item[DATA_KEY]?.B;
    if (fingerprint === void 0 || ciphertext === void 0 || dataKey === void 0) {
      throw new VaultIntegrityError("a vault entry lacks its fingerprint, ciphertext or data key; no values were returned");
    }
    return { fingerprint, ciphertext, dataKey };
  };
  const plaintextKeys = async (entries, counts) => {
    const result = /* @__PURE__ */ new Map();
    const toDecrypt = /* @__PURE__ */ new Map();
    const nowMs = now().getTime();
    for (const entry of entries) {
      const id = Buffer.from(entry.dataKey).toString("base64");
      const cached = keys.get(id);
      if (cached && nowMs - cached.atMs < DATA_KEY_MAX_AGE_SECONDS * 1e3) {
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
        out = await kms.send(new import_client_kms.DecryptCommand({
          CiphertextBlob: blob,
          KeyId: config.valueKeyArn,
          EncryptionContext: { ...VALUE_ENCRYPTION_CONTEXT }
        }));
      } catch (error) {
        if (errorName(error) === "InvalidCiphertextException") {
          throw new VaultIntegrityError("a vault entry's data key does not decrypt under the value key; no values were returned");
        }
        throw awsCallFailed("KMS Decrypt", error, "no values were returned");
      }
      if (!out.Plaintext) throw new TokenizerFailed("KMS Decrypt returned no key");
      keys.set(id, { plaintext: out.Plaintext, atMs: nowMs });
      result.set(id, out.Plaintext);
    });
    while (keys.size > DATA_KEY_CACHE_SIZE) keys.delete(keys.keys().next().value);
    return result;
  };
  return async (event) => {
    const started = Date.now();
    const counts = { kmsCalls: 0 };
    try {
      const tokens = checkTokens(event);
      const distinct = [...new Set(tokens.filter((t) => isTokenShaped(t, config.tokenPrefix)))];
      const found = await mapWithConcurrency(distinct, queryConcurrency, lookUp);
      const entries = found.filter((e) => e !== void 0);
      const dataKeys = await plaintextKeys(entries, counts);
      const valueOf = /* @__PURE__ */ new Map();
      distinct.forEach((token, i) => {
        const entry = found[i];
        if (entry === void 0) return;
        const key = dataKeys.get(Buffer.from(entry.dataKey).toString("base64"));
        valueOf.set(token, decryptValue(key, entry.fingerprint, entry.ciphertext));
      });
      const values = tokens.map((t) => valueOf.get(t) ?? null);
      log("info", "detokenized", {
        tokens: tokens.length,
        distinct: distinct.length,
        found: valueOf.size,
        unknown: tokens.length - values.filter((v) => v !== null).length,
        dataKeys: new Set(entries.map((e) => Buffer.from(e.dataKey).toString("base64"))).size,
        ...counts,
        durationMs: Date.now() - started
      });
      return { values };
    } catch (error) {
      log(error instanceof InvalidTokenizerRequest ? "warn" : "error", "detokenize failed", {
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
  instance ??= createDetokenizer({
    dynamodb: new import_client_dynamodb.DynamoDBClient({ maxAttempts: DYNAMODB_MAX_ATTEMPTS }),
    kms: new import_client_kms.KMSClient({ maxAttempts: KMS_MAX_ATTEMPTS }),
    config: vaultConfigFromEnv(process.env)
  });
  return instance(event);
};
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  DATA_KEY_CACHE_SIZE,
  DEFAULT_QUERY_CONCURRENCY,
  createDetokenizer,
  handler
});
