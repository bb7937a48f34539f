"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
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
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// src/orchestration/seed.lambda.ts
var seed_lambda_exports = {};
__export(seed_lambda_exports, {
  MAX_REASON_LENGTH: () => MAX_REASON_LENGTH,
  RESPONSE_RESERVE_MS: () => RESPONSE_RESERVE_MS,
  SDK_MAX_ATTEMPTS: () => SDK_MAX_ATTEMPTS,
  SEED_CHUNK_INDEX: () => SEED_CHUNK_INDEX,
  SEED_CHUNK_SIZE: () => SEED_CHUNK_SIZE,
  SEED_CONCURRENCY: () => SEED_CONCURRENCY,
  SEED_PARTITIONS: () => SEED_PARTITIONS,
  SEED_TABLE_NAME: () => SEED_TABLE_NAME,
  SEED_UPDATE_EXPRESSION: () => SEED_UPDATE_EXPRESSION,
  SeedPropertiesError: () => SeedPropertiesError,
  SeedTimeoutError: () => SeedTimeoutError,
  createSeedHandler: () => createSeedHandler,
  handler: () => handler,
  parseSeedProperties: () => parseSeedProperties,
  sendResponse: () => sendResponse
});
module.exports = __toCommonJS(seed_lambda_exports);
var http = __toESM(require("http"));
var https = __toESM(require("https"));
var import_client_dynamodb = require("@aws-sdk/client-dynamodb");

// src/orchestration/registry.ts
var PARTITION_ID = "partitionId";
var SCHEDULE = "schedule";
var SCHEDULE_ACTIVE = "active";
var DUE_AT = "dueAt";
var FREQUENCY_MINUTES = "frequencyMinutes";
var SEED_TABLE_NAME = "RegistryTable";
var SEED_PARTITIONS = "Partitions";
var SEED_CHUNK_INDEX = "Chunk";
var SEED_CHUNK_SIZE = 100;
var PARTITION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
var PARTITION_ID_EXPECTED = 'letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters (Step Functions logs executions named with these only)';
var MAX_FREQUENCY_MINUTES = 525600;

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

// src/orchestration/seed.lambda.ts
var SDK_MAX_ATTEMPTS = 5;
var SEED_CONCURRENCY = 10;
var MAX_REASON_LENGTH = 1e3;
var RESPONSE_RESERVE_MS = 1e4;
var SEED_UPDATE_EXPRESSION = "SET #f = :f, #s = if_not_exists(#s, :active), #d = if_not_exists(#d, :zero)";
var SeedPropertiesError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "SeedPropertiesError";
  }
};
var SeedTimeoutError = class extends Error {
  constructor() {
    super("the registry seed did not finish before the function's timeout; it is idempotent: deploy again");
    this.name = "SeedTimeout";
  }
};
var TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;
function parseSeedProperties(properties) {
  const props = properties ?? {};
  const tableName = props[SEED_TABLE_NAME];
  if (typeof tableName !== "string" || !TABLE_NAME_PATTERN.test(tableName)) {
    throw new SeedPropertiesError(`${SEED_TABLE_NAME}: expected a DynamoDB table name (3 to 255 letters, digits, "_", "-" or "."), got ${describe(tableName)}`);
  }
  const chunk = props[SEED_CHUNK_INDEX];
  if (typeof chunk !== "string" || !/^(0|[1-9]\d{0,5})$/.test(chunk)) {
    throw new SeedPropertiesError(`${SEED_CHUNK_INDEX}: expected the chunk index as a string of digits, got ${describe(chunk)}`);
  }
  const raw = props[SEED_PARTITIONS];
  if (typeof raw !== "string") {
    throw new SeedPropertiesError(`${SEED_PARTITIONS}: expected a JSON string {"<partitionId>": <frequency in minutes>, ...}, got ${describe(raw)}`);
  }
  let parsed;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SeedPropertiesError(`${SEED_PARTITIONS}: expected a JSON string {"<partitionId>": <frequency in minutes>, ...}, got text that is not JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SeedPropertiesError(`${SEED_PARTITIONS}: expected a JSON object {"<partitionId>": <frequency in minutes>, ...}, got ${Array.isArray(parsed) ? "an array" : describe(parsed)}`);
  }
  const entries = Object.entries(parsed);
  if (entries.length < 1 || entries.length > SEED_CHUNK_SIZE) {
    throw new SeedPropertiesError(`${SEED_PARTITIONS}: expected 1 to ${SEED_CHUNK_SIZE} partitions, got ${entries.length}`);
  }
  const partitions = entries.map(([partitionId, minutes]) => {
    if (!PARTITION_ID_PATTERN.test(partitionId)) {
      throw new SeedPropertiesError(`${SEED_PARTITIONS}: partition id ${JSON.stringify(partitionId.slice(0, 80))} is invalid: expected ${PARTITION_ID_EXPECTED}`);
    }
    if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 1 || minutes > MAX_FREQUENCY_MINUTES) {
      throw new SeedPropertiesError(`${SEED_PARTITIONS}: the frequency of partition ${partitionId} must be whole minutes from 1 to ${MAX_FREQUENCY_MINUTES}, got ${describe(minutes)}`);
    }
    return { partitionId, frequencyMinutes: minutes };
  });
  return { tableName, chunk, partitions };
}
function describe(value) {
  if (value === void 0) return "nothing";
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  if (typeof value === "string") return value.length <= 80 ? `string ${JSON.stringify(value)}` : `a string of ${value.length} characters`;
  return Array.isArray(value) ? "an array" : typeof value;
}
function reasonOf(error) {
  const text = error instanceof SeedPropertiesError ? `Invalid properties of the registry seed: ${error.message}` : `${errorName(error)}: ${error instanceof Error ? error.message : String(error)}`;
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 3)}...`;
}
function sendResponse(responseUrl, response) {
  let url;
  try {
    url = new URL(responseUrl);
  } catch {
    return Promise.reject(new Error("ResponseURL is not a URL"));
  }
  const local = url.protocol === "http:" && url.hostname === "127.0.0.1";
  if (url.protocol !== "https:" && !local) {
    return Promise.reject(new Error(`ResponseURL: expected an https URL, got the protocol ${url.protocol}`));
  }
  const body = JSON.stringify(response);
  const request3 = local ? http.request : https.request;
  return new Promise((resolve, reject) => {
    const req = request3(url, { method: "PUT", headers: { "content-type": "", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`the response URL answered HTTP ${status}`));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
function createSeedHandler(options) {
  const log = options.log ?? jsonLogger;
  const seed = async (request3, abortSignal) => {
    await mapWithConcurrency(request3.partitions, SEED_CONCURRENCY, async (p) => {
      await options.dynamodb.send(new import_client_dynamodb.UpdateItemCommand({
        TableName: request3.tableName,
        Key: { [PARTITION_ID]: { S: p.partitionId } },
        UpdateExpression: SEED_UPDATE_EXPRESSION,
        ExpressionAttributeNames: { "#f": FREQUENCY_MINUTES, "#s": SCHEDULE, "#d": DUE_AT },
        ExpressionAttributeValues: { ":f": { N: String(p.frequencyMinutes) }, ":active": { S: SCHEDULE_ACTIVE }, ":zero": { N: "0" } }
      }), { abortSignal });
    });
  };
  return async (event, context) => {
    const requestType = event.RequestType;
    const fields = { requestType, logicalResourceId: event.LogicalResourceId };
    let physicalResourceId = event.PhysicalResourceId;
    let status = "SUCCESS";
    let reason = "";
    const deadline = new AbortController();
    const remaining = context?.getRemainingTimeInMillis();
    const timer = remaining === void 0 ? void 0 : setTimeout(() => deadline.abort(), Math.max(0, remaining - RESPONSE_RESERVE_MS));
    try {
      if (requestType === "Create" || requestType === "Update") {
        const request3 = parseSeedProperties(event.ResourceProperties);
        if (requestType === "Create" || !physicalResourceId) physicalResourceId = `${request3.tableName}-seed-${request3.chunk}`;
        try {
          await seed(request3, deadline.signal);
        } catch (error) {
          throw deadline.signal.aborted ? new SeedTimeoutError() : error;
        }
        log("info", "Seeded the partition registry", { ...fields, partitions: request3.partitions.length });
      } else if (requestType === "Delete") {
        log("info", "Left the partition registry as it is (its items are kept)", fields);
      } else {
        throw new SeedPropertiesError(`RequestType: expected Create, Update or Delete, got ${describe(requestType)}`);
      }
    } catch (error) {
      status = "FAILED";
      reason = reasonOf(error);
      log("error", "The registry seed failed", { ...fields, error: errorName(error) });
    } finally {
      clearTimeout(timer);
    }
    const response = {
      Status: status,
      Reason: reason || (requestType === "Delete" ? "Nothing to delete: the registry keeps its items" : "Seeded"),
      // A failed Create before the properties were read still needs a non-empty id.
      PhysicalResourceId: physicalResourceId || `${event.LogicalResourceId}-seed-invalid`,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId
    };
    try {
      await sendResponse(event.ResponseURL, response);
    } catch (error) {
      log("error", "Could not send the response to CloudFormation", { ...fields, error: errorName(error) });
      throw error;
    }
    return response;
  };
}
var seedHandler;
var handler = async (event, context) => {
  seedHandler ??= createSeedHandler({ dynamodb: new import_client_dynamodb.DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS }) });
  return seedHandler(event, context);
};
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  MAX_REASON_LENGTH,
  RESPONSE_RESERVE_MS,
  SDK_MAX_ATTEMPTS,
  SEED_CHUNK_INDEX,
  SEED_CHUNK_SIZE,
  SEED_CONCURRENCY,
  SEED_PARTITIONS,
  SEED_TABLE_NAME,
  SEED_UPDATE_EXPRESSION,
  SeedPropertiesError,
  SeedTimeoutError,
  createSeedHandler,
  handler,
  parseSeedProperties,
  sendResponse
});
