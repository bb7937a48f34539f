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

// src/orchestration/dispatcher.lambda.ts
var dispatcher_lambda_exports = {};
__export(dispatcher_lambda_exports, {
  DEFAULT_CALL_CONCURRENCY: () => DEFAULT_CALL_CONCURRENCY,
  DEFAULT_PAGE_SIZE: () => DEFAULT_PAGE_SIZE,
  DispatchError: () => DispatchError,
  DispatcherConfigError: () => DispatcherConfigError,
  ENV_MAX_CONCURRENT_PARTITIONS: () => ENV_MAX_CONCURRENT_PARTITIONS,
  ENV_REGISTRY_TABLE_NAME: () => ENV_REGISTRY_TABLE_NAME,
  ENV_SCHEDULE_INTERVAL_MINUTES: () => ENV_SCHEDULE_INTERVAL_MINUTES,
  ENV_STATE_MACHINE_ARN: () => ENV_STATE_MACHINE_ARN,
  MAX_CONCURRENT_PARTITIONS_LIMIT: () => MAX_CONCURRENT_PARTITIONS_LIMIT,
  SDK_MAX_ATTEMPTS: () => SDK_MAX_ATTEMPTS,
  configFromEnv: () => configFromEnv,
  createDispatcher: () => createDispatcher,
  executionInput: () => executionInput,
  handler: () => handler,
  jsonLogger: () => jsonLogger
});
module.exports = __toCommonJS(dispatcher_lambda_exports);
var import_client_dynamodb = require("@aws-sdk/client-dynamodb");
var import_client_sfn = require("@aws-sdk/client-sfn");

// src/orchestration/registry.ts
var PARTITION_ID = "partitionId";
var SCHEDULE = "schedule";
var SCHEDULE_ACTIVE = "active";
var DUE_AT = "dueAt";
var FREQUENCY_MINUTES = "frequencyMinutes";
var STATUS = "status";
var EXECUTION_ARN = "executionArn";
var DUE_INDEX = "due";
var STATUS_RUNNING = "RUNNING";
var ENV_REGISTRY_TABLE_NAME = "REGISTRY_TABLE_NAME";
var ENV_STATE_MACHINE_ARN = "STATE_MACHINE_ARN";
var ENV_SCHEDULE_INTERVAL_MINUTES = "SCHEDULE_INTERVAL_MINUTES";
var ENV_MAX_CONCURRENT_PARTITIONS = "MAX_CONCURRENT_PARTITIONS";
var MAX_CONCURRENT_PARTITIONS_LIMIT = 1e3;
var NO_TAKE_OVER = "none";
var PARTITION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
var PARTITION_ID_EXPECTED = 'letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters (Step Functions logs executions named with these only)';
var SCHEDULE_INTERVAL_MINUTES = [
  1,
  2,
  3,
  4,
  5,
  6,
  10,
  12,
  15,
  20,
  30,
  60,
  120,
  180,
  240,
  360,
  480,
  720,
  1440
];
var MAX_FREQUENCY_MINUTES = 525600;
function slotStart(time, intervalMinutes) {
  const interval = intervalMinutes * 6e4;
  return new Date(Math.floor(time.getTime() / interval) * interval);
}
function slotStamp(slot) {
  return slot.toISOString().replace(/[-:]/g, "").replace(/\d\d\.\d{3}Z$/, "Z");
}
function executionName(partitionId, slot) {
  return `${partitionId}-${slotStamp(slot)}`;
}

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

// src/orchestration/dispatcher.lambda.ts
var DEFAULT_PAGE_SIZE = 200;
var DEFAULT_CALL_CONCURRENCY = 10;
var SDK_MAX_ATTEMPTS = 5;
var DispatchError = class extends Error {
  constructor(summary) {
    super(dispatchErrorMessage(summary));
    this.summary = summary;
    this.name = "DispatchError";
  }
  summary;
};
var DispatcherConfigError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "DispatcherConfigError";
  }
};
var OVER = /* @__PURE__ */ new Set([
  import_client_sfn.ExecutionStatus.SUCCEEDED,
  import_client_sfn.ExecutionStatus.FAILED,
  import_client_sfn.ExecutionStatus.TIMED_OUT,
  import_client_sfn.ExecutionStatus.ABORTED,
  import_client_sfn.ExecutionStatus.PENDING_REDRIVE
]);
var MAX_IDS_IN_ERROR = 20;
function configFromEnv(env) {
  const config = {
    tableName: requiredEnv(env, ENV_REGISTRY_TABLE_NAME),
    stateMachineArn: requiredEnv(env, ENV_STATE_MACHINE_ARN),
    intervalMinutes: integerEnv(env, ENV_SCHEDULE_INTERVAL_MINUTES),
    maxConcurrentPartitions: integerEnv(env, ENV_MAX_CONCURRENT_PARTITIONS)
  };
  checkInterval(config.intervalMinutes, `environment variable ${ENV_SCHEDULE_INTERVAL_MINUTES}`);
  checkMaxConcurrent(config.maxConcurrentPartitions, `environment variable ${ENV_MAX_CONCURRENT_PARTITIONS}`);
  return config;
}
function requiredEnv(env, name) {
  const value = env[name]?.trim();
  if (!value) {
    throw new DispatcherConfigError(`environment variable ${name} is missing or empty`);
  }
  return value;
}
function integerEnv(env, name) {
  const value = requiredEnv(env, name);
  if (!/^\d+$/.test(value)) {
    throw new DispatcherConfigError(`environment variable ${name}: expected a whole number, got "${value}"`);
  }
  return Number(value);
}
function checkInterval(value, label) {
  if (!SCHEDULE_INTERVAL_MINUTES.includes(value)) {
    throw new DispatcherConfigError(`${label}: expected one of ${SCHEDULE_INTERVAL_MINUTES.join(", ")} (minutes), got ${value}`);
  }
}
function checkMaxConcurrent(value, label) {
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENT_PARTITIONS_LIMIT) {
    throw new DispatcherConfigError(`${label}: expected a whole number from 1 to ${MAX_CONCURRENT_PARTITIONS_LIMIT}, got ${value}`);
  }
}
function checkPositive(value, label) {
  if (!Number.isInteger(value) || value < 1) {
    throw new DispatcherConfigError(`${label}: expected a whole number >= 1, got ${value}`);
  }
}
function checkConfig(config) {
  if (!config.tableName) throw new DispatcherConfigError("config.tableName is empty");
  if (!config.stateMachineArn) throw new DispatcherConfigError("config.stateMachineArn is empty");
  checkInterval(config.intervalMinutes, "config.intervalMinutes");
  checkMaxConcurrent(config.maxConcurrentPartitions, "config.maxConcurrentPartitions");
  if (config.pageSize !== void 0) checkPositive(config.pageSize, "config.pageSize");
  if (config.callConcurrency !== void 0) checkPositive(config.callConcurrency, "config.callConcurrency");
}
function parseItem(item) {
  const partitionId = item[PARTITION_ID]?.S;
  if (partitionId === void 0) return `${PARTITION_ID} is missing or not a string`;
  if (!PARTITION_ID_PATTERN.test(partitionId)) return `${PARTITION_ID} is invalid: expected ${PARTITION_ID_EXPECTED}`;
  const frequency = item[FREQUENCY_MINUTES]?.N;
  if (frequency === void 0) return `${FREQUENCY_MINUTES} is missing or not a number`;
  const frequencyMinutes = Number(frequency);
  if (!Number.isInteger(frequencyMinutes) || frequencyMinutes < 1 || frequencyMinutes > MAX_FREQUENCY_MINUTES) {
    return `${FREQUENCY_MINUTES} is ${frequency}: expected a whole number from 1 to ${MAX_FREQUENCY_MINUTES}`;
  }
  return {
    partitionId,
    frequencyMinutes,
    status: item[STATUS]?.S,
    executionArn: item[EXECUTION_ARN]?.S || void 0
  };
}
function reportedId(item) {
  const id = item[PARTITION_ID]?.S;
  return id === void 0 ? "(missing)" : id;
}
function describeError(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `Error: ${String(error)}`;
}
function errorName(error) {
  return error instanceof Error ? error.name : void 0;
}
function dispatchErrorMessage(summary) {
  const list = (ids) => {
    const more = ids.length > MAX_IDS_IN_ERROR ? ` and ${ids.length - MAX_IDS_IN_ERROR} more` : "";
    return `${ids.slice(0, MAX_IDS_IN_ERROR).join(", ")}${more}`;
  };
  const parts = [];
  if (summary.failed.length > 0) {
    parts.push(`${summary.failed.length} partition(s) could not be dispatched: ${list(summary.failed.map((f) => f.partitionId))}`);
  }
  if (summary.invalid.length > 0) {
    parts.push(`${summary.invalid.length} registry item(s) are invalid: ${list(summary.invalid.map((i) => i.partitionId))}`);
  }
  return `dispatch of slot ${summary.slot} failed: ${parts.join("; ")}`;
}
function invocationTime(event, now, log) {
  if (typeof event.time === "string") {
    const time = new Date(event.time);
    if (!Number.isNaN(time.getTime())) return time;
  }
  log("warn", "the event has no valid time: dispatching the slot of the current time", { eventTime: event.time ?? null });
  return now();
}
function executionInput(partitionId, frequencyMinutes, slot, takeOverExecution) {
  return {
    partitionId,
    slot: slot.toISOString(),
    slotSeconds: slot.getTime() / 1e3,
    nextDueAt: slot.getTime() / 1e3 + frequencyMinutes * 60,
    takeOverExecution
  };
}
function createDispatcher(options) {
  const { dynamodb, sfn, config } = options;
  checkConfig(config);
  const log = options.log ?? jsonLogger;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const pageSize = config.pageSize ?? DEFAULT_PAGE_SIZE;
  const callConcurrency = config.callConcurrency ?? DEFAULT_CALL_CONCURRENCY;
  async function queryDue(slotSeconds) {
    const items = [];
    let exclusiveStartKey;
    do {
      const page = await dynamodb.send(new import_client_dynamodb.QueryCommand({
        TableName: config.tableName,
        IndexName: DUE_INDEX,
        KeyConditionExpression: "#schedule = :active AND #dueAt <= :slot",
        ExpressionAttributeNames: {
          "#schedule": SCHEDULE,
          "#dueAt": DUE_AT,
          "#partitionId": PARTITION_ID,
          "#frequencyMinutes": FREQUENCY_MINUTES,
          "#status": STATUS,
          "#executionArn": EXECUTION_ARN
        },
        ExpressionAttributeValues: {
          ":active": { S: SCHEDULE_ACTIVE },
          ":slot": { N: String(slotSeconds) }
        },
        ProjectionExpression: "#partitionId, #frequencyMinutes, #status, #executionArn",
        ScanIndexForward: true,
        Limit: pageSize,
        ExclusiveStartKey: exclusiveStartKey
      }));
      items.push(...page.Items ?? []);
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
  }
  async function isStillRunning(executionArn) {
    try {
      const execution = await sfn.send(new import_client_sfn.DescribeExecutionCommand({ executionArn }));
      if (execution.status === import_client_sfn.ExecutionStatus.RUNNING) return true;
      if (execution.status !== void 0 && OVER.has(execution.status)) return false;
      return { error: new Error(`unexpected execution status ${execution.status}`) };
    } catch (error) {
      if (errorName(error) === "ExecutionDoesNotExist") return false;
      return { error };
    }
  }
  async function start(due, slot) {
    const { partitionId, frequencyMinutes } = due.partition;
    const input = executionInput(partitionId, frequencyMinutes, slot, due.takeOverExecution);
    try {
      await sfn.send(new import_client_sfn.StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: executionName(partitionId, slot),
        input: JSON.stringify(input)
      }));
      return "started";
    } catch (error) {
      if (errorName(error) === "ExecutionAlreadyExists") return "alreadyStarted";
      return { error };
    }
  }
  return async function dispatch(event) {
    const slot = slotStart(invocationTime(event, now, log), config.intervalMinutes);
    const slotSeconds = slot.getTime() / 1e3;
    const items = await queryDue(slotSeconds);
    const invalid = [];
    const failed = [];
    const running = [];
    const stale = [];
    const fail = (partitionId, error, message) => {
      failed.push({ partitionId, error: describeError(error) });
      log("error", message, { slot: slot.toISOString(), partitionId, error: describeError(error) });
    };
    const partitions = [];
    for (const item of items) {
      const parsed = parseItem(item);
      if (typeof parsed === "string") {
        invalid.push({ partitionId: reportedId(item), reason: parsed });
        log("error", "invalid registry item: not dispatched", { slot: slot.toISOString(), partitionId: reportedId(item), reason: parsed });
      } else {
        partitions.push(parsed);
      }
    }
    const classified = await mapWithConcurrency(partitions, callConcurrency, async (partition) => {
      if (partition.status !== STATUS_RUNNING) return { partition, takeOverExecution: NO_TAKE_OVER };
      if (partition.executionArn === void 0) {
        stale.push(partition.partitionId);
        return { partition, takeOverExecution: NO_TAKE_OVER };
      }
      const stillRunning = await isStillRunning(partition.executionArn);
      if (stillRunning === true) {
        running.push(partition.partitionId);
        return void 0;
      }
      if (stillRunning === false) {
        stale.push(partition.partitionId);
        return { partition, takeOverExecution: partition.executionArn };
      }
      fail(partition.partitionId, stillRunning.error, "could not describe the execution holding the lock: not dispatched");
      return void 0;
    });
    const due = classified.filter((d) => d !== void 0);
    const busy = running.length + failed.length;
    const budget = Math.max(0, config.maxConcurrentPartitions - busy);
    const toStart = due.slice(0, budget);
    const deferred = due.slice(budget).map((d) => d.partition.partitionId);
    const started = [];
    const alreadyStarted = [];
    const outcomes = await mapWithConcurrency(toStart, callConcurrency, (d) => start(d, slot));
    outcomes.forEach((outcome, i) => {
      const partitionId = toStart[i].partition.partitionId;
      if (outcome === "started") started.push(partitionId);
      else if (outcome === "alreadyStarted") alreadyStarted.push(partitionId);
      else fail(partitionId, outcome.error, "could not start the execution: not dispatched");
    });
    const order = new Map(partitions.map((p, i) => [p.partitionId, i]));
    const inQueryOrder = (ids) => ids.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    const summary = {
      slot: slot.toISOString(),
      considered: items.length,
      started,
      alreadyStarted,
      running: inQueryOrder(running),
      stale: inQueryOrder(stale),
      deferred,
      invalid,
      failed: [...failed].sort((a, b) => (order.get(a.partitionId) ?? 0) - (order.get(b.partitionId) ?? 0))
    };
    log("info", "dispatch summary", { summary });
    if (summary.failed.length > 0 || summary.invalid.length > 0) throw new DispatchError(summary);
    return summary;
  };
}
var dispatcher;
var handler = async (event) => {
  dispatcher ??= createDispatcher({
    config: configFromEnv(process.env),
    dynamodb: new import_client_dynamodb.DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS }),
    sfn: new import_client_sfn.SFNClient({ maxAttempts: SDK_MAX_ATTEMPTS })
  });
  return dispatcher(event);
};
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  DEFAULT_CALL_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  DispatchError,
  DispatcherConfigError,
  ENV_MAX_CONCURRENT_PARTITIONS,
  ENV_REGISTRY_TABLE_NAME,
  ENV_SCHEDULE_INTERVAL_MINUTES,
  ENV_STATE_MACHINE_ARN,
  MAX_CONCURRENT_PARTITIONS_LIMIT,
  SDK_MAX_ATTEMPTS,
  configFromEnv,
  createDispatcher,
  executionInput,
  handler,
  jsonLogger
});
