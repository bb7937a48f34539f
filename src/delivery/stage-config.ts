import * as fs from 'fs';
import * as path from 'path';
import { Duration, Token } from 'aws-cdk-lib';
import { parse as parseYaml } from 'yaml';
import { DURATION_TEXT_EXPECTED, parseDurationText } from '../private/duration-text';
import { Described, describeValue } from '../private/errors';

/**
 * A tag that selects Glue jobs (`key=value` on the job).
 */
export interface JobTag {
  /** The tag key (1 to 128 characters). */
  readonly key: string;
  /** The tag value (at most 256 characters). */
  readonly value: string;
}

/**
 * The integration test of a stage: after the stage is deployed, the pipeline runs the selected
 * Glue jobs of the stage with the library's command-line tool (`cdk-glue-lake run-jobs`) and fails
 * when a run fails, times out or takes longer than `maxDuration`.
 *
 * Exactly one of `jobNames` and `tag` selects the jobs.
 */
export interface StageIntegrationTest {
  /**
   * The names of the jobs to run (literal names, as the stage's jobs are named in that account).
   *
   * @default - `tag` selects the jobs
   */
  readonly jobNames?: string[];

  /**
   * Runs every job of the stage's account and region that carries this tag.
   *
   * @default - `jobNames` selects the jobs
   */
  readonly tag?: JobTag;

  /**
   * The longest a run may take and still pass (whole seconds, at most `timeout`).
   *
   * @default - no limit besides `timeout`
   */
  readonly maxDuration?: Duration;

  /**
   * How long the test waits for all runs (whole seconds, 1 minute to 24 hours).
   *
   * @default Duration.minutes(60)
   */
  readonly timeout?: Duration;
}

/**
 * One stage of the lake's delivery pipeline: where it is deployed and with which values.
 */
export interface LakeStageConfig {
  /**
   * The stage's name: the deploy stage of the pipeline and the prefix of its stacks
   * (a letter, then letters, digits and '-', at most 32 characters; unique in the pipeline).
   */
  readonly name: string;

  /** The AWS account the stage is deployed to (12 digits). */
  readonly account: string;

  /** The AWS region the stage is deployed to, e.g. `eu-west-1`. */
  readonly region: string;

  /**
   * Whether a manual approval in the pipeline precedes the deployment of this stage.
   *
   * @default false
   */
  readonly requireApproval?: boolean;

  /**
   * The stage's own configuration values (e.g. job arguments such as input locations), handed to
   * the stage factory.
   *
   * @default - no values
   */
  readonly values?: { [key: string]: string };

  /**
   * The integration test run after the stage is deployed.
   *
   * @default - no integration test
   */
  readonly integrationTest?: StageIntegrationTest;
}

/**
 * Where the pipeline itself is deployed (its tooling account).
 */
export interface PipelineEnvironment {
  /** The pipeline's AWS account (12 digits). */
  readonly account: string;
  /** The pipeline's AWS region. */
  readonly region: string;
}

/**
 * The typed contents of a stage configuration file.
 */
export interface LakePipelineConfig {
  /**
   * The pipeline's own account and region (the `env` of the stack that holds `DataLakePipeline`).
   *
   * @default - not in the file
   */
  readonly pipeline?: PipelineEnvironment;

  /** The stages, in the order the pipeline deploys them. */
  readonly stages: LakeStageConfig[];
}

/** One problem found in a stage configuration: where, what was given, what is expected. */
export interface ConfigProblem {
  readonly path: string;
  readonly received: unknown;
  readonly expected: string;
}

/** The stage name rule (CloudFormation stack names and IAM role names are built from it). */
const STAGE_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** The longest an integration test may wait (the CodeBuild step also needs time to start and report). */
const MAX_TIMEOUT_SECONDS = 24 * 3600;

/**
 * Checks stages given in code or read from a file. Returns every problem found (empty when valid).
 * Unresolved tokens are refused: the values are needed at synthesis (stack names, role names, the
 * integration test command).
 */
export function stageProblems(stages: readonly LakeStageConfig[] | undefined, base = 'stages'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const fail = (where: string, received: unknown, expected: string) => problems.push({ path: where, received, expected });
  if (!Array.isArray(stages) || stages.length === 0) {
    fail(base, stages, 'a list of at least one stage');
    return problems;
  }
  const seen = new Map<string, number>();
  stages.forEach((stage, index) => {
    const at = `${base}[${index}]`;
    if (stage === null || typeof stage !== 'object' || Array.isArray(stage)) {
      fail(at, stage, 'a stage: { name, account, region, requireApproval?, values?, integrationTest? }');
      return;
    }
    if (!isLiteralString(stage.name) || !STAGE_NAME.test(stage.name)) {
      fail(`${at}.name`, stage.name, 'a letter, then letters, digits and \'-\' (at most 32 characters)');
    } else {
      const key = stage.name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) fail(`${at}.name`, stage.name, `a name not already used by ${base}[${first}] (stage names are unique, ignoring case)`);
      else seen.set(key, index);
    }
    problems.push(...environmentProblems(stage, at));
    if (stage.requireApproval !== undefined && typeof stage.requireApproval !== 'boolean') {
      fail(`${at}.requireApproval`, stage.requireApproval, 'true or false');
    }
    if (stage.values !== undefined) {
      if (stage.values === null || typeof stage.values !== 'object' || Array.isArray(stage.values)) {
        fail(`${at}.values`, stage.values, 'a map of names to string values');
      } else {
        for (const [name, value] of Object.entries(stage.values)) {
          if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/.test(name)) fail(`${at}.values`, name, 'value names of a letter or \'_\', then letters, digits, \'_\', \'.\' or \'-\'');
          else if (!isLiteralString(value)) fail(`${at}.values.${name}`, value, 'a string (quote numbers and booleans in YAML)');
        }
      }
    }
    if (stage.integrationTest !== undefined) problems.push(...integrationTestProblems(stage.integrationTest, `${at}.integrationTest`));
  });
  return problems;
}

/** Checks an account and a region (of a stage or of the pipeline). */
export function environmentProblems(env: { readonly account?: unknown; readonly region?: unknown }, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (env.account === undefined) {
    problems.push({ path: `${at}.account`, received: undefined, expected: 'an AWS account id (12 digits)' });
  } else if (typeof env.account === 'number') {
    problems.push({ path: `${at}.account`, received: env.account, expected: 'an AWS account id as a string of 12 digits (quote it in YAML: "012345678901")' });
  } else if (!isLiteralString(env.account) || !ACCOUNT.test(env.account)) {
    problems.push({ path: `${at}.account`, received: env.account, expected: 'an AWS account id (12 digits)' });
  }
  if (env.region === undefined) {
    problems.push({ path: `${at}.region`, received: undefined, expected: 'an AWS region such as "eu-west-1"' });
  } else if (!isLiteralString(env.region) || !REGION.test(env.region)) {
    problems.push({ path: `${at}.region`, received: env.region, expected: 'an AWS region such as "eu-west-1"' });
  }
  return problems;
}

function integrationTestProblems(test: StageIntegrationTest, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const fail = (where: string, received: unknown, expected: string) => problems.push({ path: where, received, expected });
  if (test === null || typeof test !== 'object' || Array.isArray(test)) {
    fail(at, test, 'an integration test: { jobNames | tag, maxDuration?, timeout? }');
    return problems;
  }
  const hasNames = test.jobNames !== undefined;
  const hasTag = test.tag !== undefined;
  if (hasNames === hasTag) {
    fail(at, new Described(hasNames ? 'both jobNames and tag' : 'neither jobNames nor tag'), 'exactly one of jobNames (a list of job names) and tag ({ key, value })');
  }
  if (hasNames) {
    if (!Array.isArray(test.jobNames) || test.jobNames.length === 0) {
      fail(`${at}.jobNames`, test.jobNames, 'a list of at least one job name');
    } else {
      const names = new Set<string>();
      test.jobNames.forEach((name, i) => {
        if (!isLiteralString(name) || !/^[^\s\x00-\x1f'"`$\\][^\x00-\x1f'"`$\\]{0,253}[^\s\x00-\x1f'"`$\\]$|^[^\s\x00-\x1f'"`$\\]$/.test(name)) {
          fail(`${at}.jobNames[${i}]`, name, 'a literal Glue job name (1 to 255 characters, no quotes, \'$\', \'\\\', control characters or surrounding spaces)');
        } else if (names.has(name)) {
          fail(`${at}.jobNames[${i}]`, name, 'each job name once');
        } else {
          names.add(name);
        }
      });
    }
  }
  if (hasTag) {
    const tag = test.tag as JobTag;
    if (tag === null || typeof tag !== 'object' || Array.isArray(tag)) {
      fail(`${at}.tag`, tag, 'a tag: { key, value }');
    } else {
      for (const key of Object.keys(tag)) {
        if (key !== 'key' && key !== 'value') fail(`${at}.tag`, key, 'only the keys "key" and "value"');
      }
      if (!isLiteralString(tag.key) || !/^[A-Za-z0-9 _.:/+\-@=]{1,128}$/.test(tag.key) || tag.key.startsWith('aws:')) {
        fail(`${at}.tag.key`, tag.key, 'a tag key of 1 to 128 letters, digits, spaces and _ . : / + - @ = (not starting with "aws:")');
      }
      if (!isLiteralString(tag.value) || !/^[A-Za-z0-9 _.:/+\-@=]{0,256}$/.test(tag.value)) {
        fail(`${at}.tag.value`, tag.value, 'a tag value of at most 256 letters, digits, spaces and _ . : / + - @ =');
      }
    }
  }
  const seconds = (value: unknown, where: string, min: number, max: number, range: string): number | undefined => {
    if (value === undefined) return undefined;
    if (!(value instanceof Duration) || value.isUnresolved() || !Number.isInteger(value.toSeconds({ integral: false }))
      || value.toSeconds() < min || value.toSeconds() > max) {
      fail(where, value, `a whole number of seconds, ${range}`);
      return undefined;
    }
    return value.toSeconds();
  };
  const timeout = seconds(test.timeout, `${at}.timeout`, 60, MAX_TIMEOUT_SECONDS, 'from 1 minute to 24 hours') ?? (test.timeout === undefined ? 3600 : undefined);
  const max = seconds(test.maxDuration, `${at}.maxDuration`, 1, MAX_TIMEOUT_SECONDS, 'from 1 second to 24 hours');
  if (max !== undefined && timeout !== undefined && max > timeout) {
    fail(`${at}.maxDuration`, test.maxDuration, `at most the timeout (${Duration.seconds(timeout).toHumanString()}): runs are not followed past it`);
  }
  return problems;
}

function isLiteralString(value: unknown): value is string {
  return typeof value === 'string' && !Token.isUnresolved(value);
}

/** Renders problems one per line: `<path>: received <value>; expected <what>`. */
export function renderProblems(problems: readonly ConfigProblem[]): string {
  return problems.map(p => `  ${p.path}: received ${describeValue(p.received)}; expected ${p.expected}`).join('\n');
}

/**
 * Loads and validates the stage configuration of a `DataLakePipeline` from a JSON or YAML file,
 * so a TypeScript or Python app and its stage factory share one typed, validated file.
 *
 * ```yaml
 * pipeline:
 *   account: "000000000000"
 *   region: eu-west-1
 * stages:
 *   - name: Dev
 *     account: "111111111111"
 *     region: eu-west-1
 *     values:
 *       ordersInput: s3://dev-landing/orders/
 *     integrationTest:
 *       tag: { key: lake-integ, value: "true" }
 *       maxDuration: 10m
 *       timeout: 60m
 *   - name: Prod
 *     account: "222222222222"
 *     region: eu-west-1
 *     requireApproval: true
 * ```
 *
 * Durations are written like the command-line tool's flags: `90s`, `10m`, `1h30m`. Unknown keys,
 * a missing account or region, an account that is not 12 digits and duplicate stage names are
 * refused, every problem listed with where it is.
 */
export class LakePipelineConfigFile {
  /**
   * Reads a `.json`, `.yaml` or `.yml` file (the extension decides the format).
   *
   * @param file the file's path (relative paths are resolved from the working directory)
   */
  public static load(file: string): LakePipelineConfig {
    const resolved = path.resolve(file);
    const extension = path.extname(resolved).toLowerCase();
    if (!['.json', '.yaml', '.yml'].includes(extension)) {
      throw new Error(`cdk-glue-lake stage configuration '${file}': unsupported file extension ${JSON.stringify(extension)}; expected .json, .yaml or .yml`);
    }
    let text: string;
    try {
      text = fs.readFileSync(resolved, 'utf8');
    } catch (error) {
      throw new Error(`cdk-glue-lake stage configuration '${file}': cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    let document: unknown;
    try {
      document = extension === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (error) {
      const detail = (error as Error).message.split('\n')[0];
      throw new Error(`cdk-glue-lake stage configuration '${file}': not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${detail}`);
    }
    return LakePipelineConfigFile.parse(document, file);
  }

  /**
   * Validates an already parsed document (e.g. from another source) and converts it to the typed
   * configuration; durations are texts such as `10m`.
   *
   * @param document the parsed JSON or YAML document
   * @param source where the document comes from, for error messages
   */
  public static parse(document: any, source?: string): LakePipelineConfig {
    const origin = source ?? 'document';
    const problems: ConfigProblem[] = [];
    const unknownKeys = (value: unknown, at: string, allowed: string[]) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      for (const key of Object.keys(value)) {
        if (!allowed.includes(key)) {
          problems.push({ path: at === '' ? key : `${at}.${key}`, received: key, expected: `only the keys ${allowed.map(k => JSON.stringify(k)).join(', ')} (unknown key)` });
        }
      }
    };

    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      throw new Error(`cdk-glue-lake stage configuration '${origin}': received ${describeValue(document)}; expected a document with "stages" (and optionally "pipeline")`);
    }
    unknownKeys(document, '', ['pipeline', 'stages']);

    let pipeline: PipelineEnvironment | undefined;
    if (document.pipeline !== undefined) {
      if (document.pipeline === null || typeof document.pipeline !== 'object' || Array.isArray(document.pipeline)) {
        problems.push({ path: 'pipeline', received: document.pipeline, expected: 'the pipeline\'s { account, region }' });
      } else {
        unknownKeys(document.pipeline, 'pipeline', ['account', 'region']);
        problems.push(...environmentProblems(document.pipeline, 'pipeline'));
        pipeline = { account: document.pipeline.account, region: document.pipeline.region };
      }
    }

    const rawStages: unknown = document.stages;
    const stages: LakeStageConfig[] = [];
    if (Array.isArray(rawStages)) {
      rawStages.forEach((raw, index) => {
        const at = `stages[${index}]`;
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
          stages.push(raw);
          return;
        }
        unknownKeys(raw, at, ['name', 'account', 'region', 'requireApproval', 'values', 'integrationTest']);
        const stage: any = { ...raw };
        const test = raw.integrationTest;
        if (test !== null && typeof test === 'object' && !Array.isArray(test)) {
          unknownKeys(test, `${at}.integrationTest`, ['jobNames', 'tag', 'maxDuration', 'timeout']);
          stage.integrationTest = {
            ...test,
            maxDuration: durationFromText(test.maxDuration, `${at}.integrationTest.maxDuration`, problems),
            timeout: durationFromText(test.timeout, `${at}.integrationTest.timeout`, problems),
          };
        }
        stages.push(stage);
      });
    }
    problems.push(...stageProblems(Array.isArray(rawStages) ? stages : rawStages as any));

    if (problems.length > 0) {
      throw new Error(`cdk-glue-lake stage configuration '${origin}' has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${renderProblems(problems)}`);
    }
    return { ...(pipeline ? { pipeline } : {}), stages: stages.map(withoutUndefined) };
  }
}

/** Converts a duration text; a wrong text is reported (and left out, so it is reported once). */
function durationFromText(value: unknown, where: string, problems: ConfigProblem[]): Duration | undefined {
  if (value === undefined) return undefined;
  const seconds = typeof value === 'string' ? parseDurationText(value) : undefined;
  if (seconds === undefined) {
    problems.push({ path: where, received: value, expected: DURATION_TEXT_EXPECTED });
    return undefined;
  }
  return Duration.seconds(seconds);
}

/** Drops keys whose value is undefined (a converted duration that was absent). */
function withoutUndefined(stage: LakeStageConfig): LakeStageConfig {
  const test = stage.integrationTest;
  const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return defined({ ...stage, integrationTest: test && defined(test) });
}
