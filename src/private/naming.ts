import * as crypto from 'crypto';
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/*
 * Physical names the library chooses.
 *
 * A name must be unique where AWS requires it (docs/aws-behaviour.md): CloudFormation stacks, Glue
 * jobs and security configurations, log groups and state machines per account and region; IAM roles
 * per account (IAM is global); S3 buckets per partition. The library deploys the same constructs
 * under other stack names (two copies of an app, one lake per stage) and several pipelines to one
 * account, so a name built from construct ids alone collides.
 *
 * `Names.uniqueResourceName` (aws-cdk-lib 2.276) is built from the top-level stack's NAME and the
 * construct path below it, with a hash of both: it is unique per stack name, and the construct-level
 * names of the lake (jobs, security configuration, log groups, reprocess state machine) use it.
 * What it does not cover are names that must be unique beyond one stack: the integration test
 * stack and roles a pipeline deploys into a stage account, where another pipeline (in another
 * stack, another account or region) may deploy its own. `physicalName` builds those: readable parts,
 * then a hash of everything that identifies the resource, within the service's length limit.
 *
 * Top-level stack names are literal strings (aws-cdk-lib refuses a token as `stackName`), so the
 * names are known at synthesis, as the library needs them (role names shared between accounts, the
 * reprocess state machine's ARN in a job tag, length limits).
 */

/** Options of `physicalName`. */
export interface PhysicalNameOptions {
  /** The longest name the service accepts (the hash counts). */
  readonly maxLength: number;
  /** Joins the parts. Default: '-'. */
  readonly separator?: string;
  /**
   * Characters allowed besides ASCII letters and digits, as the content of a regular expression
   * character class (e.g. `'_'`). Other characters are removed from each part; the separator is
   * always allowed. Default: none.
   */
  readonly allowedSpecialCharacters?: string;
  /** Readable parts put before the stack name (e.g. a stage name). Default: none. */
  readonly before?: string[];
  /** Readable parts put after the construct path (e.g. what the resource is). Default: none. */
  readonly after?: string[];
  /**
   * What else identifies the resource, hashed but not shown (e.g. the account and region of the
   * stack that owns it, when its name must be unique beyond them). Default: none.
   */
  readonly qualifiers?: string[];
}

/** The id CDK hides from paths (a `Default` child). */
const HIDDEN_ID = 'Default';
/** The id of a construct's main resource: left out of the readable part (it says nothing). */
const RESOURCE_ID = 'Resource';
/** Hex characters of the hash (32 bits, as CDK's own unique names). */
export const HASH_LENGTH = 8;

/**
 * A name for `scope`'s resource: `<before>-<stack name>-<path below the stack>-<after>-<hash>`, e.g.
 * `dev-SalesDelivery-Pipeline-LakeIntegrationTestAccess-1a2b3c4d`.
 *
 * The hash covers the qualifiers, the parts, the stack name and the path, unsanitised: it is always
 * there, because removing characters a service does not accept may make two names read alike
 * (`Sales-Lake` + `Jobs` and `Sales` + `Lake/Jobs`). A name longer than `maxLength` keeps its start
 * and its end, then the hash.
 */
export function physicalName(scope: IConstruct, options: PhysicalNameOptions): string {
  const { stackName, path } = stackQualifiedPath(scope);
  const before = options.before ?? [];
  const after = options.after ?? [];
  const readable = [...before, stackName, ...path.filter(id => id !== RESOURCE_ID), ...after];
  const hash = shortHash(...(options.qualifiers ?? []), ...before, stackName, ...path, ...after);
  return boundedName(readable, hash, options);
}

/**
 * The name of the deployed stack that holds `scope` (the top-level stack: a nested stack is
 * deployed under a generated name) and the construct ids from that stack down to `scope` (nested
 * stacks included, CDK's hidden `Default` ids left out).
 */
export function stackQualifiedPath(scope: IConstruct): { stackName: string; path: string[] } {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  const scopes = scope.node.scopes;
  const path = scopes.slice(scopes.indexOf(stack) + 1).map(c => c.node.id).filter(id => id !== HIDDEN_ID);
  return { stackName: stack.stackName, path };
}

/**
 * `readable` (each part sanitised, empty parts dropped) joined with the separator, then the
 * separator and `hash`, within `maxLength` (a long readable part keeps its start and its end).
 */
export function boundedName(readable: string[], hash: string, options: Pick<PhysicalNameOptions, 'maxLength' | 'separator' | 'allowedSpecialCharacters'>): string {
  const separator = options.separator ?? '-';
  const drop = new RegExp(`[^A-Za-z0-9${options.allowedSpecialCharacters ?? ''}${escapeForClass(separator)}]`, 'g');
  const human = readable.map(part => part.replace(drop, '')).filter(part => part.length > 0).join(separator);
  const room = options.maxLength - hash.length - separator.length;
  if (room < 2) throw new Error(`boundedName: a maximum length of ${options.maxLength} leaves no room beside the hash`);
  const body = human.length <= room ? human : `${human.slice(0, Math.ceil(room / 2))}${human.slice(human.length - Math.floor(room / 2))}`;
  return `${body}${separator}${hash}`;
}

/** The first `HASH_LENGTH` hex characters of the SHA-256 of the parts joined with '/'. */
export function shortHash(...parts: string[]): string {
  return crypto.createHash('sha256').update(parts.join('/')).digest('hex').slice(0, HASH_LENGTH);
}

function escapeForClass(chars: string): string {
  return chars.replace(/[\]\\^-]/g, c => `\\${c}`);
}
