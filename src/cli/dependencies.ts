/**
 * The real dependencies of the command-line tool: SDK clients with the standard credential chain,
 * the process's streams and the system clock.
 */
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { GlueClient } from '@aws-sdk/client-glue';
import { SFNClient } from '@aws-sdk/client-sfn';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsClients, CliDependencies, ClientOptions, Clock } from './context';

/** How often the commands read the state of runs and executions. */
export const DEFAULT_POLL_INTERVAL_MS = 15_000;
/** Attempts per SDK call: the standard retry backs off on throttling. */
const MAX_ATTEMPTS = 5;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Clients with the standard chain (environment, `profile`, SSO, container, instance). With
 * `roleArn`, the clients use that role's temporary credentials, assumed with the chain's
 * credentials and assumed again before they expire (runs may last longer than a session).
 */
export function createAwsClients(options: ClientOptions): AwsClients {
  const credentials = options.roleArn === undefined ? fromNodeProviderChain({ profile: options.profile }) : fromTemporaryCredentials({
    params: {
      RoleArn: options.roleArn,
      RoleSessionName: options.sessionName,
    },
    masterCredentials: fromNodeProviderChain({ profile: options.profile }),
    clientConfig: {
      region: options.region,
      maxAttempts: MAX_ATTEMPTS,
    },
  });
  const config = {
    region: options.region,
    credentials,
    maxAttempts: MAX_ATTEMPTS,
  };
  const glue = new GlueClient(config);
  return {
    glue,
    sfn: new SFNClient(config),
    // an assumed role's credentials act in the role's account
    accountId: async () => (await glue.config.credentials()).accountId ?? options.roleArn?.split(':')[4],
  };
}

/** The region of a profile in the shared config file, read as the SDK reads it. */
export async function profileRegion(profile: string | undefined): Promise<string | undefined> {
  try {
    return await new GlueClient({ profile }).config.region();
  } catch {
    return undefined;
  }
}

/** The version in the package.json of cdk-glue-lake above this file (the bundle ships in the package). */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (manifest.name === 'cdk-glue-lake' && typeof manifest.version === 'string') return manifest.version;
      } catch {
        // not a readable manifest: look further up
      }
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

/** The dependencies of a real run: AWS, the process's streams and environment, the system clock. */
export function defaultDependencies(): CliDependencies {
  return {
    createClients: createAwsClients,
    profileRegion,
    env: process.env,
    stdout: text => {
      process.stdout.write(text);
    },
    stderr: text => {
      process.stderr.write(text);
    },
    isTTY: process.stdout.isTTY === true,
    clock: systemClock,
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
    version: packageVersion(),
  };
}
