import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aws, Duration, Lazy } from 'aws-cdk-lib';
import { LakePipelineConfig, LakePipelineConfigFile, LakeStageConfig } from '../../src';
import { environmentProblems, renderProblems, stageProblems } from '../../src/delivery/stage-config';

const FILES = path.join(__dirname, 'config-files');
const fixture = (name: string) => path.join(FILES, name);

/** The message of the error `fn` throws (fails when it throws nothing). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return (error as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}

/** The configuration rendered as plain data: durations as `{ seconds }`, everything else as is (undefined kept). */
function plain(value: unknown): unknown {
  if (value instanceof Duration) return { seconds: value.toSeconds() };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** What stages.yaml and stages.json hold. */
const EXPECTED_STAGES_FILE = {
  pipeline: { account: '000000000000', region: 'eu-west-1' },
  stages: [
    {
      name: 'Dev',
      account: '111111111111',
      region: 'eu-west-1',
      values: { ordersInput: 's3://dev-landing/orders/', batchSize: '500' },
      integrationTest: {
        tag: { key: 'lake-integ', value: 'true' },
        maxDuration: { seconds: 600 },
        timeout: { seconds: 5400 },
      },
    },
    {
      name: 'Test',
      account: '333333333333',
      region: 'eu-central-1',
      integrationTest: {
        jobNames: ['sales-orders-to-silver', 'sales-orders-to-gold'],
        maxDuration: { seconds: 90 },
      },
    },
    { name: 'Staging', account: '444444444444', region: 'us-east-1' },
    {
      name: 'Prod',
      account: '222222222222',
      region: 'eu-west-1',
      requireApproval: true,
      values: { ordersInput: 's3://prod-landing/orders/' },
    },
  ],
};

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stage-config-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Writes `text` to `<tmp>/<name>` and loads it by its relative name, from the temporary directory. */
function loadText(text: string, name = 'stages.yaml'): LakePipelineConfig {
  fs.writeFileSync(path.join(tmp, name), text);
  const cwd = process.cwd();
  process.chdir(tmp);
  try {
    return LakePipelineConfigFile.load(name);
  } finally {
    process.chdir(cwd);
  }
}

/** The first line of the message JSON.parse throws for `text` (its wording depends on the Node.js version). */
function jsonDetail(text: string): string {
  const detail = errorOf(() => JSON.parse(text)).split('\n')[0];
  expect(detail).toMatch(/\S/);
  return detail;
}

/** A YAML file of the given lines. */
const yamlLines = (...lines: string[]) => `${lines.join('\n')}\n`;
/** A YAML file with one valid stage, Dev, plus the given lines of that stage. */
const devWith = (...lines: string[]) => yamlLines('stages:', '  - name: Dev', '    account: "111111111111"', '    region: eu-west-1', ...lines.map(l => `    ${l}`));
/** A YAML file with the given stages (each a list of its lines). */
const stagesFile = (...stages: string[][]) => yamlLines('stages:', ...stages.flatMap(lines => lines.map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`)));

const ONE = "cdk-glue-lake stage configuration 'stages.yaml' has 1 problem:\n  ";
const TWO = "cdk-glue-lake stage configuration 'stages.yaml' has 2 problems:\n  ";
const STAGE_KEYS = 'only the keys "name", "account", "region", "requireApproval", "values", "integrationTest" (unknown key)';
const ACCOUNT = 'expected an AWS account id (12 digits)';
const REGION = 'expected an AWS region such as "eu-west-1"';
const NAME = 'expected a letter, then letters, digits and \'-\' (at most 32 characters)';
const DURATION = 'expected a duration such as "90s", "10m", "1h30m" or "2h" (whole hours, minutes and seconds, more than zero)';
const JOB_NAME = 'expected a literal Glue job name (1 to 255 characters, no quotes, \'$\', \'\\\', control characters or surrounding spaces)';
const ONE_SELECTOR = 'expected exactly one of jobNames (a list of job names) and tag ({ key, value })';
const TAG_KEY = 'expected a tag key of 1 to 128 letters, digits, spaces and _ . : / + - @ = (not starting with "aws:")';
const STAGES = 'expected a list of at least one stage';

describe('LakePipelineConfigFile.load reads valid files', () => {
  test('a YAML file loads to the typed configuration, stages in file order', () => {
    const config = LakePipelineConfigFile.load(fixture('stages.yaml'));
    expect(plain(config)).toStrictEqual(EXPECTED_STAGES_FILE);
    expect(config.stages.map(s => s.name)).toEqual(['Dev', 'Test', 'Staging', 'Prod']);
  });

  test('the equivalent JSON file loads to the same configuration', () => {
    const fromJson = LakePipelineConfigFile.load(fixture('stages.json'));
    expect(plain(fromJson)).toStrictEqual(EXPECTED_STAGES_FILE);
    expect(plain(fromJson)).toStrictEqual(plain(LakePipelineConfigFile.load(fixture('stages.yaml'))));
  });

  test('durations are Duration objects: 10m is 600 s, 1h30m is 5400 s, 90s is 90 s', () => {
    const [dev, test] = LakePipelineConfigFile.load(fixture('stages.yaml')).stages;
    expect(dev.integrationTest!.maxDuration).toBeInstanceOf(Duration);
    expect(dev.integrationTest!.maxDuration!.toSeconds()).toBe(600);
    expect(dev.integrationTest!.timeout).toBeInstanceOf(Duration);
    expect(dev.integrationTest!.timeout!.toSeconds()).toBe(5400);
    expect(test.integrationTest!.maxDuration!.toSeconds()).toBe(90);
  });

  test('absent optional settings are absent keys, not undefined values', () => {
    const config = LakePipelineConfigFile.load(fixture('stages.yaml'));
    const [dev, test, staging, prod] = config.stages;
    expect(Object.keys(config)).toEqual(['pipeline', 'stages']);
    expect(Object.keys(staging)).toEqual(['name', 'account', 'region']);
    expect(Object.keys(test)).toEqual(['name', 'account', 'region', 'integrationTest']);
    expect(Object.keys(test.integrationTest!)).toEqual(['jobNames', 'maxDuration']);
    expect(Object.keys(dev.integrationTest!)).toEqual(['tag', 'maxDuration', 'timeout']);
    expect(Object.keys(prod)).toEqual(['name', 'account', 'region', 'requireApproval', 'values']);
  });

  test('requireApproval, values and both kinds of integration test are read as written', () => {
    const [dev, test, staging, prod] = LakePipelineConfigFile.load(fixture('stages.json')).stages;
    expect(prod.requireApproval).toBe(true);
    expect(dev.requireApproval).toBeUndefined();
    expect(dev.values).toStrictEqual({ ordersInput: 's3://dev-landing/orders/', batchSize: '500' });
    expect(dev.integrationTest!.tag).toStrictEqual({ key: 'lake-integ', value: 'true' });
    expect(dev.integrationTest!.jobNames).toBeUndefined();
    expect(test.integrationTest!.jobNames).toStrictEqual(['sales-orders-to-silver', 'sales-orders-to-gold']);
    expect(test.integrationTest!.tag).toBeUndefined();
    expect(staging.integrationTest).toBeUndefined();
  });

  test('the pipeline section is optional (.yml file without it)', () => {
    const config = LakePipelineConfigFile.load(fixture('no-pipeline.yml'));
    expect(plain(config)).toStrictEqual({
      stages: [
        { name: 'Prod', account: '222222222222', region: 'eu-west-1' },
        { name: 'Dev', account: '111111111111', region: 'eu-west-1' },
      ],
    });
    expect('pipeline' in config).toBe(false);
  });

  test('a relative path is resolved from the working directory', () => {
    const relative = path.relative(process.cwd(), fixture('stages.yaml'));
    expect(path.isAbsolute(relative)).toBe(false);
    expect(plain(LakePipelineConfigFile.load(relative))).toStrictEqual(EXPECTED_STAGES_FILE);

    // the same name from another working directory is another file
    const config = loadText(yamlLines('stages:', '  - name: Elsewhere', '    account: "555555555555"', '    region: eu-north-1'));
    expect(plain(config)).toStrictEqual({ stages: [{ name: 'Elsewhere', account: '555555555555', region: 'eu-north-1' }] });
  });

  test('the extension is matched without regard to case; .yml and .YAML are YAML', () => {
    const text = yamlLines('stages:', '  - name: Dev', '    account: "111111111111"', '    region: eu-west-1');
    const expected = { stages: [{ name: 'Dev', account: '111111111111', region: 'eu-west-1' }] };
    expect(plain(loadText(text, 'upper.YAML'))).toStrictEqual(expected);
    expect(plain(loadText(text, 'short.yml'))).toStrictEqual(expected);
  });

  test('boundary values are accepted: 24 h timeout, 1 s maxDuration, 1 minute timeout, 32-character name, aws in the middle of a tag key', () => {
    const config = loadText(stagesFile(
      ['name: A', 'account: "111111111111"', 'region: us-gov-west-1', 'integrationTest:', '  jobNames: [j]', '  timeout: 24h', '  maxDuration: 1s'],
      [`name: ${'B'.repeat(32)}`, 'account: "222222222222"', 'region: ap-southeast-2', 'integrationTest:', '  tag: { key: "team:aws:x", value: "" }', '  timeout: 1m', '  maxDuration: 1m'],
    ));
    expect(plain(config)).toStrictEqual({
      stages: [
        { name: 'A', account: '111111111111', region: 'us-gov-west-1', integrationTest: { jobNames: ['j'], timeout: { seconds: 86400 }, maxDuration: { seconds: 1 } } },
        {
          name: 'B'.repeat(32),
          account: '222222222222',
          region: 'ap-southeast-2',
          integrationTest: { tag: { key: 'team:aws:x', value: '' }, timeout: { seconds: 60 }, maxDuration: { seconds: 60 } },
        },
      ],
    });
  });

  test('parse accepts an already parsed document and converts durations', () => {
    const config = LakePipelineConfigFile.parse({
      stages: [{ name: 'Dev', account: '111111111111', region: 'eu-west-1', integrationTest: { jobNames: ['a'], maxDuration: '1h', timeout: '1h30m' } }],
    });
    expect(plain(config)).toStrictEqual({
      stages: [{
        name: 'Dev',
        account: '111111111111',
        region: 'eu-west-1',
        integrationTest: { jobNames: ['a'], maxDuration: { seconds: 3600 }, timeout: { seconds: 5400 } },
      }],
    });
  });
});

describe('LakePipelineConfigFile refuses invalid configurations, listing every problem with where it is', () => {
  test.each<[string, string, string]>([
    // unknown keys
    ['an unknown top-level key', `version: 2\n${devWith()}`,
      `${ONE}version: received "version"; expected only the keys "pipeline", "stages" (unknown key)`],
    ['an unknown stage key (approval instead of requireApproval)', devWith('approval: true'),
      `${ONE}stages[0].approval: received "approval"; expected ${STAGE_KEYS}`],
    ['an unknown integrationTest key', devWith('integrationTest:', '  tag: { key: lake-integ, value: "true" }', '  retries: 2'),
      `${ONE}stages[0].integrationTest.retries: received "retries"; expected only the keys "jobNames", "tag", "maxDuration", "timeout" (unknown key)`],
    ['an unknown tag key', devWith('integrationTest:', '  tag: { key: lake-integ, value: "true", owner: data }'),
      `${ONE}stages[0].integrationTest.tag: received "owner"; expected only the keys "key" and "value"`],
    ['a misspelt tag key (Key): unknown, and key missing', devWith('integrationTest:', '  tag: { Key: lake-integ, value: "true" }'),
      `${TWO}stages[0].integrationTest.tag: received "Key"; expected only the keys "key" and "value"\n`
      + `  stages[0].integrationTest.tag.key: received undefined; ${TAG_KEY}`],
    ['an unknown pipeline key', `pipeline:\n  account: "000000000000"\n  region: eu-west-1\n  name: Tooling\n${devWith()}`,
      `${ONE}pipeline.name: received "name"; expected only the keys "account", "region" (unknown key)`],

    // account and region
    ['a missing account', stagesFile(['name: Dev', 'region: eu-west-1']),
      `${ONE}stages[0].account: received undefined; ${ACCOUNT}`],
    ['a missing region', stagesFile(['name: Dev', 'account: "111111111111"']),
      `${ONE}stages[0].region: received undefined; ${REGION}`],
    ['an account that is not 12 digits', stagesFile(['name: Dev', 'account: "12345"', 'region: eu-west-1']),
      `${ONE}stages[0].account: received "12345"; ${ACCOUNT}`],
    ['an account given as a YAML number', stagesFile(['name: Dev', 'account: 111111111111', 'region: eu-west-1']),
      `${ONE}stages[0].account: received 111111111111; expected an AWS account id as a string of 12 digits (quote it in YAML: "012345678901")`],
    ['an account with a leading zero given as a YAML number (the zero is lost)', stagesFile(['name: Dev', 'account: 012345678901', 'region: eu-west-1']),
      `${ONE}stages[0].account: received 12345678901; expected an AWS account id as a string of 12 digits (quote it in YAML: "012345678901")`],
    ['an account of 12 characters with letters', stagesFile(['name: Dev', 'account: "11111111111a"', 'region: eu-west-1']),
      `${ONE}stages[0].account: received "11111111111a"; ${ACCOUNT}`],
    ['an account of 13 digits', stagesFile(['name: Dev', 'account: "1111111111111"', 'region: eu-west-1']),
      `${ONE}stages[0].account: received "1111111111111"; ${ACCOUNT}`],
    ['a region in capitals', stagesFile(['name: Dev', 'account: "111111111111"', 'region: EU-WEST-1']),
      `${ONE}stages[0].region: received "EU-WEST-1"; ${REGION}`],
    ['a region without its number', stagesFile(['name: Dev', 'account: "111111111111"', 'region: eu-west']),
      `${ONE}stages[0].region: received "eu-west"; ${REGION}`],
    ['an availability zone instead of a region', stagesFile(['name: Dev', 'account: "111111111111"', 'region: eu-west-1a']),
      `${ONE}stages[0].region: received "eu-west-1a"; ${REGION}`],

    // stage names
    ['duplicate stage names', stagesFile(['name: Dev', 'account: "111111111111"', 'region: eu-west-1'], ['name: Dev', 'account: "222222222222"', 'region: eu-west-1']),
      `${ONE}stages[1].name: received "Dev"; expected a name not already used by stages[0] (stage names are unique, ignoring case)`],
    ['stage names differing only in case', stagesFile(
      ['name: Dev', 'account: "111111111111"', 'region: eu-west-1'],
      ['name: Prod', 'account: "222222222222"', 'region: eu-west-1'],
      ['name: DEV', 'account: "333333333333"', 'region: eu-west-1'],
    ), `${ONE}stages[2].name: received "DEV"; expected a name not already used by stages[0] (stage names are unique, ignoring case)`],
    ['a stage name starting with a digit', stagesFile(['name: 1dev', 'account: "111111111111"', 'region: eu-west-1']),
      `${ONE}stages[0].name: received "1dev"; ${NAME}`],
    ['a stage name of 33 characters', stagesFile([`name: ${'D'.repeat(33)}`, 'account: "111111111111"', 'region: eu-west-1']),
      `${ONE}stages[0].name: received "${'D'.repeat(33)}"; ${NAME}`],
    ['a stage name with an underscore', stagesFile(['name: dev_eu', 'account: "111111111111"', 'region: eu-west-1']),
      `${ONE}stages[0].name: received "dev_eu"; ${NAME}`],
    ['a missing stage name', stagesFile(['account: "111111111111"', 'region: eu-west-1']),
      `${ONE}stages[0].name: received undefined; ${NAME}`],
    ['a stage name that is a YAML number', stagesFile(['name: 2024', 'account: "111111111111"', 'region: eu-west-1']),
      `${ONE}stages[0].name: received 2024; ${NAME}`],

    // the stages list
    ['an empty stages list', 'stages: []\n', `${ONE}stages: received [] (an empty list); ${STAGES}`],
    ['no stages', 'pipeline:\n  account: "000000000000"\n  region: eu-west-1\n', `${ONE}stages: received undefined; ${STAGES}`],
    ['an empty stages key', 'stages:\n', `${ONE}stages: received null; ${STAGES}`],
    ['stages as a map instead of a list', yamlLines('stages:', '  Dev:', '    account: "111111111111"', '    region: eu-west-1'),
      `${ONE}stages: received {"Dev":{"account":"111111111111","region":"eu-west-1"}}; ${STAGES}`],
    ['a stage that is a text', yamlLines('stages:', '  - Dev'),
      `${ONE}stages[0]: received "Dev"; expected a stage: { name, account, region, requireApproval?, values?, integrationTest? }`],
    ['a stage that is empty', yamlLines('stages:', '  - name: Dev', '    account: "111111111111"', '    region: eu-west-1', '  -'),
      `${ONE}stages[1]: received null; expected a stage: { name, account, region, requireApproval?, values?, integrationTest? }`],
    ['a stage that is a list', yamlLines('stages:', '  - [Dev, "111111111111", eu-west-1]'),
      `${ONE}stages[0]: received ["Dev", "111111111111", "eu-west-1"]; expected a stage: { name, account, region, requireApproval?, values?, integrationTest? }`],

    // requireApproval and values
    ['requireApproval as the text "yes" (YAML 1.2: not a boolean)', devWith('requireApproval: yes'),
      `${ONE}stages[0].requireApproval: received "yes"; expected true or false`],
    ['requireApproval as a number', devWith('requireApproval: 1'),
      `${ONE}stages[0].requireApproval: received 1; expected true or false`],
    ['a value that is a number', devWith('values:', '  batchSize: 500'),
      `${ONE}stages[0].values.batchSize: received 500; expected a string (quote numbers and booleans in YAML)`],
    ['a value that is a boolean', devWith('values:', '  enabled: true'),
      `${ONE}stages[0].values.enabled: received true; expected a string (quote numbers and booleans in YAML)`],
    ['a value that is a map', devWith('values:', '  input: { bucket: b }'),
      `${ONE}stages[0].values.input: received {"bucket":"b"}; expected a string (quote numbers and booleans in YAML)`],
    ['values as a list', devWith('values: [a, b]'),
      `${ONE}stages[0].values: received ["a", "b"]; expected a map of names to string values`],
    ['a value name starting with a digit', devWith('values:', '  "1st": x'),
      `${ONE}stages[0].values: received "1st"; expected value names of a letter or '_', then letters, digits, '_', '.' or '-'`],

    // integration test: job selection
    ['an integration test with both jobNames and tag', devWith('integrationTest:', '  jobNames: [sales-orders]', '  tag: { key: lake-integ, value: "true" }'),
      `${ONE}stages[0].integrationTest: received both jobNames and tag; ${ONE_SELECTOR}`],
    ['an integration test with neither jobNames nor tag', devWith('integrationTest:', '  timeout: 30m'),
      `${ONE}stages[0].integrationTest: received neither jobNames nor tag; ${ONE_SELECTOR}`],
    ['an empty integration test', devWith('integrationTest:'),
      `${ONE}stages[0].integrationTest: received null; expected an integration test: { jobNames | tag, maxDuration?, timeout? }`],
    ['empty jobNames', devWith('integrationTest:', '  jobNames: []'),
      `${ONE}stages[0].integrationTest.jobNames: received [] (an empty list); expected a list of at least one job name`],
    ['jobNames as one text instead of a list', devWith('integrationTest:', '  jobNames: sales-orders'),
      `${ONE}stages[0].integrationTest.jobNames: received "sales-orders"; expected a list of at least one job name`],
    ['a duplicate job name', devWith('integrationTest:', '  jobNames: [a, b, a]'),
      `${ONE}stages[0].integrationTest.jobNames[2]: received "a"; expected each job name once`],
    ['a job name with a single quote', devWith('integrationTest:', '  jobNames:', "    - sales-'orders'"),
      `${ONE}stages[0].integrationTest.jobNames[0]: received "sales-'orders'"; ${JOB_NAME}`],
    ['a job name with a double quote', devWith('integrationTest:', '  jobNames:', '    - \'say "hi"\''),
      `${ONE}stages[0].integrationTest.jobNames[0]: received "say \\"hi\\""; ${JOB_NAME}`],
    ['a job name with a $', devWith('integrationTest:', '  jobNames: [ "job-$HOME" ]'),
      `${ONE}stages[0].integrationTest.jobNames[0]: received "job-$HOME"; ${JOB_NAME}`],
    ['a job name with a trailing space', devWith('integrationTest:', '  jobNames: [ "job " ]'),
      `${ONE}stages[0].integrationTest.jobNames[0]: received "job "; ${JOB_NAME}`],
    ['a job name that is a number', devWith('integrationTest:', '  jobNames: [ 42 ]'),
      `${ONE}stages[0].integrationTest.jobNames[0]: received 42; ${JOB_NAME}`],
    ['a tag key starting with aws:', devWith('integrationTest:', '  tag: { key: "aws:lake", value: "true" }'),
      `${ONE}stages[0].integrationTest.tag.key: received "aws:lake"; ${TAG_KEY}`],
    ['a tag value that is a boolean', devWith('integrationTest:', '  tag: { key: lake-integ, value: true }'),
      `${ONE}stages[0].integrationTest.tag.value: received true; expected a tag value of at most 256 letters, digits, spaces and _ . : / + - @ =`],
    ['a tag written as key=value text', devWith('integrationTest:', '  tag: lake-integ=true'),
      `${ONE}stages[0].integrationTest.tag: received "lake-integ=true"; expected a tag: { key, value }`],

    // integration test: durations
    ['a duration in words', devWith('integrationTest:', '  jobNames: [a]', '  maxDuration: 10 minutes'),
      `${ONE}stages[0].integrationTest.maxDuration: received "10 minutes"; ${DURATION}`],
    ['a zero duration', devWith('integrationTest:', '  jobNames: [a]', '  maxDuration: 0s'),
      `${ONE}stages[0].integrationTest.maxDuration: received "0s"; ${DURATION}`],
    ['a duration as a plain number', devWith('integrationTest:', '  jobNames: [a]', '  timeout: 600'),
      `${ONE}stages[0].integrationTest.timeout: received 600; ${DURATION}`],
    ['a duration with units in the wrong order', devWith('integrationTest:', '  jobNames: [a]', '  timeout: 30m1h'),
      `${ONE}stages[0].integrationTest.timeout: received "30m1h"; ${DURATION}`],
    ['a duration in days', devWith('integrationTest:', '  jobNames: [a]', '  timeout: 1d'),
      `${ONE}stages[0].integrationTest.timeout: received "1d"; ${DURATION}`],
    ['maxDuration larger than the timeout', devWith('integrationTest:', '  jobNames: [a]', '  maxDuration: 2h', '  timeout: 1h30m'),
      `${ONE}stages[0].integrationTest.maxDuration: received 2 hours; expected at most the timeout (1 hour 30 minutes): runs are not followed past it`],
    ['maxDuration larger than the default timeout of 60 minutes', devWith('integrationTest:', '  jobNames: [a]', '  maxDuration: 61m'),
      `${ONE}stages[0].integrationTest.maxDuration: received 1 hour 1 minute; expected at most the timeout (1 hour): runs are not followed past it`],
    ['a timeout below 1 minute', devWith('integrationTest:', '  jobNames: [a]', '  timeout: 59s'),
      `${ONE}stages[0].integrationTest.timeout: received 59 seconds; expected a whole number of seconds, from 1 minute to 24 hours`],
    ['a timeout above 24 hours', devWith('integrationTest:', '  jobNames: [a]', '  timeout: 24h1s'),
      `${ONE}stages[0].integrationTest.timeout: received 1 day 1 second; expected a whole number of seconds, from 1 minute to 24 hours`],
    ['a maxDuration above 24 hours', devWith('integrationTest:', '  jobNames: [a]', '  maxDuration: 25h'),
      `${ONE}stages[0].integrationTest.maxDuration: received 1 day 1 hour; expected a whole number of seconds, from 1 second to 24 hours`],

    // the pipeline section
    ['a pipeline with a bad account', `pipeline:\n  account: "0"\n  region: eu-west-1\n${devWith()}`,
      `${ONE}pipeline.account: received "0"; ${ACCOUNT}`],
    ['a pipeline without a region', `pipeline:\n  account: "000000000000"\n${devWith()}`,
      `${ONE}pipeline.region: received undefined; ${REGION}`],
    ['a pipeline that is a text', `pipeline: eu-west-1\n${devWith()}`,
      `${ONE}pipeline: received "eu-west-1"; expected the pipeline's { account, region }`],

    // several problems at once
    ['several problems in one stage', stagesFile(['name: dev_1', 'account: 123', 'region: Ireland', 'requireApproval: "true"']),
      "cdk-glue-lake stage configuration 'stages.yaml' has 4 problems:\n"
      + `  stages[0].name: received "dev_1"; ${NAME}\n`
      + '  stages[0].account: received 123; expected an AWS account id as a string of 12 digits (quote it in YAML: "012345678901")\n'
      + `  stages[0].region: received "Ireland"; ${REGION}\n`
      + '  stages[0].requireApproval: received "true"; expected true or false'],
    ['an invalid timeout is reported alone: maxDuration is not compared with it', devWith('integrationTest:', '  jobNames: [a]', '  maxDuration: 2h', '  timeout: 30s'),
      `${ONE}stages[0].integrationTest.timeout: received 30 seconds; expected a whole number of seconds, from 1 minute to 24 hours`],
  ])('%s', (_description, text, expected) => {
    expect(errorOf(() => loadText(text))).toBe(expected);
  });

  test('several problems across the file are reported together: the count and every line', () => {
    const file = fixture('many-problems.yaml');
    expect(errorOf(() => LakePipelineConfigFile.load(file))).toBe(
      `cdk-glue-lake stage configuration '${file}' has 7 problems:\n`
      + `  pipeline.account: received "0000"; ${ACCOUNT}\n`
      + `  stages[0].approval: received "approval"; expected ${STAGE_KEYS}\n`
      + `  stages[0].integrationTest.maxDuration: received "10 minutes"; ${DURATION}\n`
      + '  stages[0].account: received 111111111111; expected an AWS account id as a string of 12 digits (quote it in YAML: "012345678901")\n'
      + `  stages[0].integrationTest.tag.key: received "aws:lake"; ${TAG_KEY}\n`
      + '  stages[1].name: received "dev"; expected a name not already used by stages[0] (stage names are unique, ignoring case)\n'
      + `  stages[1].region: received "Europe"; ${REGION}`,
    );
  });

  test('parse names the source given, or "document" without one', () => {
    const document = { stages: [{ name: 'Dev', account: '1', region: 'eu-west-1' }] };
    expect(errorOf(() => LakePipelineConfigFile.parse(document, 'ssm:/lake/stages'))).toBe(
      `cdk-glue-lake stage configuration 'ssm:/lake/stages' has 1 problem:\n  stages[0].account: received "1"; ${ACCOUNT}`);
    expect(errorOf(() => LakePipelineConfigFile.parse(document))).toBe(
      `cdk-glue-lake stage configuration 'document' has 1 problem:\n  stages[0].account: received "1"; ${ACCOUNT}`);
  });

  test.each<[string, unknown, string]>([
    ['null', null, 'null'],
    ['a list', [{ stages: [] }], '[{"stages":[]}]'],
    ['a text', 'stages', '"stages"'],
    ['a number', 3, '3'],
  ])('parse refuses a document that is %s', (_description, document, rendered) => {
    expect(errorOf(() => LakePipelineConfigFile.parse(document, 'inline'))).toBe(
      `cdk-glue-lake stage configuration 'inline': received ${rendered}; expected a document with "stages" (and optionally "pipeline")`);
  });

  test('parse does not change the document it is given', () => {
    const document = { stages: [{ name: 'Dev', account: '111111111111', region: 'eu-west-1', integrationTest: { jobNames: ['a'], timeout: '2h' } }] };
    const copy = JSON.parse(JSON.stringify(document));
    LakePipelineConfigFile.parse(document);
    expect(document).toStrictEqual(copy);
  });
});

describe('LakePipelineConfigFile.load reports file errors', () => {
  test('an unsupported extension', () => {
    const file = fixture('stages.txt');
    expect(fs.existsSync(file)).toBe(true);
    expect(errorOf(() => LakePipelineConfigFile.load(file))).toBe(
      `cdk-glue-lake stage configuration '${file}': unsupported file extension ".txt"; expected .json, .yaml or .yml`);
  });

  test('a file without an extension', () => {
    expect(errorOf(() => LakePipelineConfigFile.load('stages'))).toBe(
      'cdk-glue-lake stage configuration \'stages\': unsupported file extension ""; expected .json, .yaml or .yml');
  });

  test('a missing file, named as given', () => {
    const missing = 'test/delivery/config-files/missing.yaml';
    expect(errorOf(() => LakePipelineConfigFile.load(missing))).toBe(
      `cdk-glue-lake stage configuration '${missing}': cannot read the file (ENOENT)`);
  });

  test('a directory', () => {
    fs.mkdirSync(path.join(tmp, 'dir.yaml'), { recursive: true });
    const dir = path.join(tmp, 'dir.yaml');
    expect(errorOf(() => LakePipelineConfigFile.load(dir))).toBe(
      `cdk-glue-lake stage configuration '${dir}': cannot read the file (EISDIR)`);
  });

  test('invalid JSON (a trailing comma), with the first line of the parser\'s message', () => {
    const file = fixture('invalid.json');
    const detail = jsonDetail(fs.readFileSync(file, 'utf8'));
    expect(errorOf(() => LakePipelineConfigFile.load(file))).toBe(`cdk-glue-lake stage configuration '${file}': not valid JSON: ${detail}`);
  });

  test('YAML in a .json file is not valid JSON', () => {
    expect(errorOf(() => loadText(devWith(), 'stages.json'))).toBe(`cdk-glue-lake stage configuration 'stages.json': not valid JSON: ${jsonDetail(devWith())}`);
  });

  test.each<[string, string, string]>([
    ['bad indentation', 'bad-indentation.yaml', 'not valid YAML: All mapping items must start at the same column at line 4, column 1:'],
    ['a duplicate key in a stage (the parser is configured with uniqueKeys)', 'duplicate-keys.yaml', 'not valid YAML: Map keys must be unique at line 5, column 5:'],
  ])('invalid YAML: %s', (_description, name, detail) => {
    const file = fixture(name);
    expect(errorOf(() => LakePipelineConfigFile.load(file))).toBe(`cdk-glue-lake stage configuration '${file}': ${detail}`);
  });

  test('a duplicate top-level key in YAML', () => {
    expect(errorOf(() => loadText(`${devWith()}stages: []\n`))).toBe(
      'cdk-glue-lake stage configuration \'stages.yaml\': not valid YAML: Map keys must be unique at line 5, column 1:');
  });

  test('several YAML documents in one file', () => {
    expect(errorOf(() => loadText(`${devWith()}---\n${devWith()}`))).toBe(
      'cdk-glue-lake stage configuration \'stages.yaml\': not valid YAML: Source contains multiple documents; please use YAML.parseAllDocuments() at line 5, column 1:');
  });

  test('a YAML document that is a list', () => {
    const file = fixture('list.yaml');
    expect(errorOf(() => LakePipelineConfigFile.load(file))).toBe(
      `cdk-glue-lake stage configuration '${file}': received [{"name":"Dev","account":"111111111111","region":"eu-west-1"}]; expected a document with "stages" (and optionally "pipeline")`);
  });

  test('a YAML document that is a scalar', () => {
    const file = fixture('scalar.yaml');
    expect(errorOf(() => LakePipelineConfigFile.load(file))).toBe(
      `cdk-glue-lake stage configuration '${file}': received "stages"; expected a document with "stages" (and optionally "pipeline")`);
  });

  test('an empty YAML file', () => {
    expect(errorOf(() => loadText('# nothing yet\n'))).toBe(
      'cdk-glue-lake stage configuration \'stages.yaml\': received null; expected a document with "stages" (and optionally "pipeline")');
  });
});

describe('stageProblems checks stages given in code', () => {
  const dev: LakeStageConfig = { name: 'Dev', account: '111111111111', region: 'eu-west-1' };
  const prod: LakeStageConfig = { name: 'Prod', account: '222222222222', region: 'eu-west-1', requireApproval: true, values: { ordersInput: 'orders/' } };

  test('valid stages have no problems', () => {
    expect(stageProblems([dev])).toEqual([]);
    expect(stageProblems([dev, prod])).toEqual([]);
    expect(stageProblems([{ ...dev, integrationTest: { tag: { key: 'lake-integ', value: 'dev' } } }])).toEqual([]);
  });

  test('Duration objects are accepted for maxDuration and timeout', () => {
    expect(stageProblems([{
      ...dev,
      integrationTest: { jobNames: ['sales-orders'], maxDuration: Duration.minutes(10), timeout: Duration.hours(2) },
    }])).toEqual([]);
    expect(stageProblems([{ ...dev, integrationTest: { jobNames: ['a'], maxDuration: Duration.hours(1), timeout: Duration.millis(3_600_000) } }])).toEqual([]);
  });

  test('a maxDuration that is not whole seconds is refused', () => {
    const maxDuration = Duration.millis(1500);
    const problems = stageProblems([{ ...dev, integrationTest: { jobNames: ['a'], maxDuration } }]);
    expect(problems).toEqual([{ path: 'stages[0].integrationTest.maxDuration', received: maxDuration, expected: 'a whole number of seconds, from 1 second to 24 hours' }]);
    expect(renderProblems(problems)).toBe(
      '  stages[0].integrationTest.maxDuration: received 1 second 500 millis; expected a whole number of seconds, from 1 second to 24 hours');
  });

  test('a maxDuration over the default timeout of 60 minutes is refused', () => {
    expect(renderProblems(stageProblems([{ ...dev, integrationTest: { tag: { key: 'k', value: 'v' }, maxDuration: Duration.seconds(3601) } }]))).toBe(
      '  stages[0].integrationTest.maxDuration: received 1 hour 1 second; expected at most the timeout (1 hour): runs are not followed past it');
  });

  test('unresolved tokens are refused, rendered as "an unresolved token"', () => {
    const problems = stageProblems([{
      name: Lazy.string({ produce: () => 'Dev' }),
      account: Aws.ACCOUNT_ID,
      region: Aws.REGION,
      values: { input: Lazy.string({ produce: () => 'orders/' }) },
      integrationTest: { jobNames: [Lazy.string({ produce: () => 'job' })] },
    }]);
    expect(renderProblems(problems)).toBe([
      `  stages[0].name: received an unresolved token; ${NAME}`,
      `  stages[0].account: received an unresolved token; ${ACCOUNT}`,
      `  stages[0].region: received an unresolved token; ${REGION}`,
      '  stages[0].values.input: received an unresolved token; expected a string (quote numbers and booleans in YAML)',
      `  stages[0].integrationTest.jobNames[0]: received an unresolved token; ${JOB_NAME}`,
    ].join('\n'));
  });

  test('an unresolved Duration is refused', () => {
    const timeout = Duration.seconds(Lazy.number({ produce: () => 600 }));
    expect(stageProblems([{ ...dev, integrationTest: { jobNames: ['a'], timeout } }])).toEqual([
      { path: 'stages[0].integrationTest.timeout', received: timeout, expected: 'a whole number of seconds, from 1 minute to 24 hours' },
    ]);
  });

  test('no stages, or an empty list, is one problem at the base path', () => {
    expect(stageProblems(undefined)).toEqual([{ path: 'stages', received: undefined, expected: 'a list of at least one stage' }]);
    expect(stageProblems([], 'props.stages')).toEqual([{ path: 'props.stages', received: [], expected: 'a list of at least one stage' }]);
  });

  test('paths start at the base given', () => {
    expect(stageProblems([dev, { ...prod, name: 'dev' }], 'props.stages')).toEqual([
      { path: 'props.stages[1].name', received: 'dev', expected: 'a name not already used by props.stages[0] (stage names are unique, ignoring case)' },
    ]);
  });
});

describe('environmentProblems checks an account and a region', () => {
  test('valid', () => {
    expect(environmentProblems({ account: '000000000000', region: 'eu-west-1' }, 'pipeline')).toEqual([]);
  });

  test('missing both', () => {
    expect(environmentProblems({}, 'pipeline')).toEqual([
      { path: 'pipeline.account', received: undefined, expected: 'an AWS account id (12 digits)' },
      { path: 'pipeline.region', received: undefined, expected: 'an AWS region such as "eu-west-1"' },
    ]);
  });

  test('a number account, a token region', () => {
    expect(renderProblems(environmentProblems({ account: 123456789012, region: Aws.REGION }, 'env'))).toBe(
      '  env.account: received 123456789012; expected an AWS account id as a string of 12 digits (quote it in YAML: "012345678901")\n'
      + `  env.region: received an unresolved token; ${REGION}`);
  });
});
