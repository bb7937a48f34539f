/**
 * What the commands of `cdk-glue-lake` are given: AWS clients, output, a clock. Tests inject fakes;
 * `defaultDependencies()` (in `./dependencies`) builds the real ones.
 */
import type { GlueClient } from '@aws-sdk/client-glue';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { EXIT_CANNOT_RUN, PROGRAM, type AwsOptions, type CommandName } from './args';
import { errorName } from '../private/handler-runtime';

/** Writes text as is (the caller adds the line ends). */
export type Writer = (text: string) => void;

/** Time, in milliseconds since the epoch; tests use a virtual clock whose `sleep` returns at once. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** How to build the clients of one command. */
export interface ClientOptions {
  /** Always resolved before the clients are built. */
  readonly region: string;
  readonly profile?: string;
  /** Assume this role first. */
  readonly roleArn?: string;
  /** The role session name: `cdk-glue-lake-<command>`. */
  readonly sessionName: string;
}

/** The AWS clients of one command. */
export interface AwsClients {
  readonly glue: GlueClient;
  readonly sfn: SFNClient;
  /**
   * The account the clients act in when it is known without a call: the `--role-arn`'s account, or
   * the one the credentials name (SSO, `AWS_ACCOUNT_ID`, a profile's `aws_account_id`);
   * `undefined` otherwise.
   */
  accountId(): Promise<string | undefined>;
}

export interface CliDependencies {
  /** Builds the clients of a command (called once per command, after the region is known). */
  readonly createClients: (options: ClientOptions) => AwsClients;
  /** The region of a profile in the shared config file (`undefined`: the default profile), if it has one. */
  readonly profileRegion: (profile: string | undefined) => Promise<string | undefined>;
  /** Environment variables: AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, NO_COLOR. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Whether stdout is a terminal: progress is redrawn in place and coloured. */
  readonly isTTY: boolean;
  readonly clock: Clock;
  /** How often to read the state of runs and executions. */
  readonly pollIntervalMs: number;
  /** The package version (`--version`). */
  readonly version: string;
}

/** A failure that ends a command with a message (one or more lines, without `error: `) and an exit code. */
export class CliError extends Error {
  public constructor(message: string, public readonly exitCode: number = EXIT_CANNOT_RUN) {
    super(message);
    this.name = 'CliError';
  }
}

/** The region to act in: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region; else a `CliError`. */
export async function resolveRegion(options: AwsOptions, deps: CliDependencies): Promise<string> {
  const fromEnv = options.region ?? nonEmpty(deps.env.AWS_REGION) ?? nonEmpty(deps.env.AWS_DEFAULT_REGION);
  if (fromEnv !== undefined) return fromEnv;
  let fromProfile: string | undefined;
  try {
    fromProfile = await deps.profileRegion(options.profile ?? nonEmpty(deps.env.AWS_PROFILE));
  } catch {
    fromProfile = undefined;
  }
  if (fromProfile) return fromProfile;
  throw new CliError('no AWS region: pass --region or set AWS_REGION');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Resolves the region and builds the clients of a command. */
export async function clientsFor(command: CommandName, options: AwsOptions, deps: CliDependencies): Promise<{ region: string; clients: AwsClients }> {
  const region = await resolveRegion(options, deps);
  const clients = deps.createClients({
    region,
    profile: options.profile,
    roleArn: options.roleArn,
    sessionName: `${PROGRAM}-${command}`,
  });
  return {
    region,
    clients,
  };
}

/** `<error name>: <message>` of an SDK error, on one line. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine ? `${errorName(error)}: ${oneLine}` : errorName(error);
}

/** Whether the SDK found no credentials at all. */
export function isMissingCredentials(error: unknown): boolean {
  return errorName(error) === 'CredentialsProviderError' || (error instanceof Error && /Could not load credentials/i.test(error.message));
}

/**
 * The `CliError` for an AWS error that happened before anything started (exit 2): missing
 * credentials and a role that cannot be assumed get their own message, other errors say what failed.
 */
export function awsErrorBeforeStart(error: unknown, what: string, options: AwsOptions): CliError {
  if (isMissingCredentials(error)) {
    const profile = options.profile ? ` (profile ${JSON.stringify(options.profile)})` : '';
    return new CliError(`no AWS credentials found${profile}: ${describeError(error)} (set AWS_PROFILE, pass --profile, or run where a role is available)`);
  }
  if (options.roleArn && error instanceof Error && /AssumeRole/.test(error.message)) {
    return new CliError(`could not assume --role-arn ${options.roleArn}: ${describeError(error)}`);
  }
  return new CliError(`${what}: ${describeError(error)}`);
}
