/**
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);
 * The real dependencies (SDK clients, credential chain, shared config files), against a local
 * HTTP endpoint that plays STS and Glue: no AWS, no network.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer, type IncomingMessage, type Server } from 'http';
import type { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { CliResult, runCapturing } from './harness';
import { createAwsClients, defaultDependencies, packageVersion, profileRegion } from '../../src/cli/dependencies';

const ROLE = 'arn:aws:iam::210987654321:role/integ-runner';
/** The SDK reads these from the process environment: each test sets its own. */
const AWS_VARIABLES = Object.keys(process.env).filter(name => name.startsWith('AWS_'));

interface Request {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A local endpoint: STS AssumeRole (query protocol) and Glue ListJobs (JSON), remembering the requests. */
class FakeAws {
  public readonly requests: Request[] = [];
  /** Seconds until the assumed credentials expire. */
  public expiresIn = 3600;
  private server?: Server;
  private assumed = 0;

  public async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', chunk => {
        body += chunk;
      });
      req.on('end', () => {
        this.requests.push({
          url: req.url ?? '',
          headers: req.headers,
          body,
        });
        if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
          this.assumed++;
          const expiration = new Date(Date.now() + this.expiresIn * 1000).toISOString();
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
            <Credentials><AccessKeyId>ASIAASSUMED${this.assumed}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
            <SessionToken>token-${this.assumed}</SessionToken><Expiration>${expiration}</Expiration></Credentials>
            <AssumedRoleUser><AssumedRoleId>AROA:cdk-glue-lake-run-jobs</AssumedRoleId>
            <Arn>arn:aws:sts::210987654321:assumed-role/integ-runner/cdk-glue-lake-run-jobs</Arn></AssumedRoleUser>
            </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`);
        } else {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ JobNames: [] }));
        }
      });
    });
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    await new Promise(resolve => this.server?.close(resolve));
  }

  public assumeRoleRequests(): URLSearchParams[] {
    return this.requests.filter(r => r.body.includes('Action=AssumeRole')).map(r => new URLSearchParams(r.body));
  }

  public glueRequests(): Request[] {
    return this.requests.filter(r => String(r.headers['x-amz-target']).startsWith('AWSGlue.'));
  }
}

let dir: string;
let saved: NodeJS.ProcessEnv;

beforeEach(() => {
  saved = { ...process.env };
  for (const name of AWS_VARIABLES) delete process.env[name];
  dir = mkdtempSync(join(tmpdir(), 'cdk-glue-lake-cli-'));
  // no shared files, no instance metadata: only what a test sets
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

afterEach(() => {
  process.env = saved;
  rmSync(dir, {
    recursive: true,
    force: true,
  });
});

/** Runs the CLI with the real dependencies, capturing its output. */
function runReal(argv: string[]): Promise<CliResult> {
  return runCapturing(argv, defaultDependencies());
}

describe('real dependencies', () => {
  test('the region of a profile comes from the shared config file; none -> undefined', async () => {
    writeFileSync(process.env.AWS_CONFIG_FILE!, '[default]\nregion = ap-south-1\n[profile integ]\nregion = eu-west-3\n[profile bare]\noutput = json\n');

    expect(await profileRegion('integ')).toBe('eu-west-3');
    expect(await profileRegion(undefined)).toBe('ap-south-1');
    expect(await profileRegion('bare')).toBeUndefined();
    expect(await profileRegion('missing')).toBeUndefined();
  });

  test('--profile gives the region of that profile to the command', async () => {
    writeFileSync(process.env.AWS_CONFIG_FILE!, '[profile integ]\nregion = eu-west-3\n');
    const result = await runReal(['run-jobs', '--tag', 'stage=integ', '--profile', 'integ']);

    // no credentials in the profile: the region was resolved (the error is about credentials, not the region)
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: no AWS credentials found \(profile "integ"\): CredentialsProviderError: /);
  });

  test('no region anywhere: exit 2', async () => {
    const result = await runReal(['run-jobs', '--tag', 'stage=integ']);

    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: no AWS region: pass --region or set AWS_REGION\n',
    });
  });

  test('no credentials anywhere: the SDK error becomes the missing-credentials message, exit 2', async () => {
    const result = await runReal(['run-jobs', '--tag', 'stage=integ', '--region', 'eu-west-1']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: no AWS credentials found: CredentialsProviderError: Could not load credentials from any providers '
      + '(set AWS_PROFILE, pass --profile, or run where a role is available)\n');
  }, 20_000);

  describe('against a local STS and Glue endpoint', () => {
    const aws = new FakeAws();
    let endpoint: string;

    beforeAll(async () => {
      endpoint = await aws.start();
    });
    afterAll(async () => {
      await aws.stop();
    });
    beforeEach(() => {
      aws.requests.length = 0;
      aws.expiresIn = 3600;
      process.env.AWS_ENDPOINT_URL_STS = endpoint;
      process.env.AWS_ENDPOINT_URL_GLUE = endpoint;
      process.env.AWS_ACCESS_KEY_ID = 'AKIAMASTER';
      process.env.AWS_SECRET_ACCESS_KEY = 'master-secret';
    });

    test('without --role-arn the chain\'s credentials sign the Glue calls; AWS_DEFAULT_REGION is honoured', async () => {
      process.env.AWS_DEFAULT_REGION = 'eu-central-1';
      const result = await runReal(['run-jobs', '--tag', 'stage=integ']);

      expect(result.stderr).toBe('error: no Glue job in eu-central-1 has the tag stage=integ: nothing to run (check the tag, the region and the account)\n');
      expect(aws.assumeRoleRequests()).toEqual([]);
      const [listJobs] = aws.glueRequests();
      expect(listJobs.headers['x-amz-target']).toBe('AWSGlue.ListJobs');
      expect(JSON.parse(listJobs.body)).toEqual({ Tags: { stage: 'integ' } });
      expect(listJobs.headers.authorization).toContain('Credential=AKIAMASTER/');
      expect(listJobs.headers.authorization).toContain('/eu-central-1/glue/aws4_request');
    });

    test('--role-arn: the role is assumed (session cdk-glue-lake-run-jobs) and its credentials sign the Glue calls', async () => {
      const result = await runReal(['run-jobs', '--tag', 'stage=integ', '--region', 'eu-west-1', '--role-arn', ROLE]);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('error: no Glue job in eu-west-1 has the tag stage=integ');
      const [assume] = aws.assumeRoleRequests();
      expect(assume.get('RoleArn')).toBe(ROLE);
      expect(assume.get('RoleSessionName')).toBe('cdk-glue-lake-run-jobs');
      const [listJobs] = aws.glueRequests();
      expect(listJobs.headers.authorization).toContain('Credential=ASIAASSUMED1/');
      expect(listJobs.headers['x-amz-security-token']).toBe('token-1');
    });

    test('--role-arn: credentials about to expire are assumed again (runs may outlast a session)', async () => {
      const clients = createAwsClients({
        region: 'eu-west-1',
        roleArn: ROLE,
        sessionName: 'cdk-glue-lake-reprocess',
      });
      aws.expiresIn = 60; // within the SDK's refresh window
      const first = await clients.glue.config.credentials();
      const second = await clients.glue.config.credentials();

      // (the SDK may assume the role more than once per call when what it gets is already within its refresh window)
      const sessions = aws.assumeRoleRequests().map(params => params.get('RoleSessionName'));
      expect(sessions.length).toBeGreaterThanOrEqual(2);
      expect(new Set(sessions)).toEqual(new Set(['cdk-glue-lake-reprocess']));
      expect(second.accessKeyId).not.toBe(first.accessKeyId);
      // the account: the credentials do not name it, the role does
      expect(await clients.accountId()).toBe('210987654321');
    });

    test('--role-arn: credentials far from expiry are reused', async () => {
      const clients = createAwsClients({
        region: 'eu-west-1',
        roleArn: ROLE,
        sessionName: 'cdk-glue-lake-run-jobs',
      });
      const first = await clients.glue.config.credentials();
      const second = await clients.glue.config.credentials();

      expect(aws.assumeRoleRequests()).toHaveLength(1);
      expect(second).toEqual(first);
    });
  });

  test('the version is the one in the package.json of cdk-glue-lake', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(packageVersion(join(__dirname, '..', '..', 'src', 'cli'))).toBe(require('../../package.json').version);
    expect(packageVersion(tmpdir())).toBe('unknown');
  });
});

describe('accountId', () => {
  let before: NodeJS.ProcessEnv;
  beforeEach(() => {
    before = { ...process.env };
  });
  afterEach(() => {
    process.env = before;
  });

  test('the account the credentials name (AWS_ACCOUNT_ID with environment credentials)', async () => {
    for (const name of AWS_VARIABLES) delete process.env[name];
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ACCOUNT_ID: '444455556666',
    });
    expect(await createAwsClients({
      region: 'eu-west-1',
      sessionName: 'cdk-glue-lake-rewind',
    }).accountId()).toBe('444455556666');
  });

  test('credentials that do not name an account: undefined', async () => {
    for (const name of AWS_VARIABLES) delete process.env[name];
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(await createAwsClients({
      region: 'eu-west-1',
      sessionName: 'cdk-glue-lake-rewind',
    }).accountId()).toBeUndefined();
  });
});
