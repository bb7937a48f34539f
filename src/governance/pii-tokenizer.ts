import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DetokenizeFunction } from './detokenize-function';
import { TokenizeFunction } from './tokenize-function';
import {
  DEFAULT_TOKEN_PREFIX, ENV_FINGERPRINT_KEY_ARN, ENV_NORMALIZATION, ENV_TOKEN_PREFIX, ENV_VALUE_KEY_ARN, ENV_VAULT_TABLE_NAME,
  FINGERPRINT, FINGERPRINT_MAC_ALGORITHM, MAX_BATCH_SIZE, MAX_REMOVE_CHARACTERS, MAX_VALUE_BYTES, TOKEN, TOKEN_INDEX,
  TOKEN_INDEX_ATTRIBUTES, TOKEN_PREFIX_EXPECTED, TOKEN_PREFIX_PATTERN, VALUE_ENCRYPTION_CONTEXT_KEY,
  VALUE_ENCRYPTION_CONTEXT_VALUE, type NormalizationSpec,
} from './vault';
import { DEFAULT_LOG_RETENTION, denyGrantsExceptForAwsResources } from '../private/control-tower';
import { LakeValidationError } from '../private/errors';
import { grantKeyThroughService } from '../private/grants';
import { lambdaExecutionRole } from '../private/inline-policy-role';
import { allowCloudWatchLogs, requireLogRetention } from '../private/logs';
import { acknowledgeNag, HIPAA, inPacks, NIST, PCI, SERVERLESS } from '../private/nag';
import { resolveRemovalPolicy } from '../private/removal-policy';
import { acknowledgeOwnPolicy, GlueJob } from '../processing/glue-job';

const CONSTRUCT = 'PiiTokenizer';

/** The most reserved concurrency accepted (Lambda's default account quota is 1,000). */
const MAX_RESERVED_CONCURRENCY = 10_000;

/**
 * How a tokenizer normalises values before it fingerprints and stores them: values equal after
 * normalisation share one token, and detokenize returns the normalised value. Unicode NFC (NFKC
 * with `caseFold`) is always applied first; then `removeCharacters`, `trim` and `caseFold`, in
 * that order. A value must be at most 1,024 UTF-8 bytes both as received and once normalised.
 *
 * Changing the normalisation of a tokenizer in use gives new tokens to values whose normalised form
 * changes: declare it once per kind of value (one tokenizer for emails, another for phone numbers).
 */
export interface TokenNormalization {
  /**
   * Remove leading and trailing white space.
   *
   * @default true
   */
  readonly trim?: boolean;

  /**
   * Fold case and compatibility forms, e.g. for emails: the value is brought to Unicode NFKC
   * (full-width letters, ligatures and other compatibility forms become plain letters; the
   * characters to remove are compared in NFKC too), fully case-folded and brought to NFKC again,
   * so "Straße" and "STRASSE", "ＡＢＣ@example.com" and "abc@example.com", "ΣΊΣΥΦΟΣ" and
   * "σίσυφος" share a token. Full case folding is Unicode's CaseFolding.txt with statuses C and
   * F (as Python's `str.casefold()`; "ß" becomes "ss", "Σ" and "ς" become "σ"), the same in every
   * locale (no Turkish dotless i mapping: "İ" becomes "i̇", not "i"), from a Unicode 14.0 table
   * in the library rather than the runtime's case mapping; NFKC comes from the Node.js runtime's
   * ICU and is stable for assigned characters. Accents are kept ("é" is not "e").
   *
   * Migration: before this change `caseFold` lower-cased after NFC (`toLowerCase()`). The library
   * is pre-1.0 and `caseFold` now means full folding, with no option for the old behaviour: in a
   * vault that already uses `caseFold`, values whose folded form differs from their lower case
   * (with "ß" or "ẞ", final sigma, ligatures, full-width or other compatibility forms, and the
   * like) get a new token; their old entries stay in the vault and still detokenize.
   *
   * @default false
   */
  readonly caseFold?: boolean;

  /**
   * Characters removed wherever they occur, e.g. `' -().'` for phone numbers or `' -'` for
   * national ids. At most 64 characters.
   *
   * @default '' (none)
   */
  readonly removeCharacters?: string;
}

/**
 * Properties of a `PiiTokenizer`.
 */
export interface PiiTokenizerProps {
  /**
   * What every token starts with, so tokens are recognisable in data: 1 to 16 lowercase letters or
   * digits, starting with a letter, followed by `_`. A token is the prefix and 32 random hex
   * digits (128 bits): it is not derived from the value and reveals nothing about it.
   *
   * @default 'tok_'
   */
  readonly tokenPrefix?: string;

  /**
   * How values are normalised before they are fingerprinted.
   *
   * @default - trim white space; no case folding; no characters removed
   */
  readonly normalization?: TokenNormalization;

  /**
   * What happens to the vault table and the three keys when they leave the stack. `DESTROY` takes
   * effect only with the context key `cdk-glue-lake:removeDataOnDestroy` set to `true`, and turns
   * the table's deletion protection off. Destroying the vault or a key loses every value and makes
   * every token issued meaningless.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long the functions' logs are kept (they hold counts and error codes, never values or
   * tokens). One of the retention periods CloudWatch Logs accepts. The default, one year, is the
   * lake's (`SharedJobResources.logRetention`) and the least AWS Control Tower's proactive control
   * CT.CLOUDWATCH.PR.2 accepts.
   *
   * @default Duration.days(365)
   */
  readonly logRetention?: Duration;

  /**
   * Reserved concurrency of each function: caps how many batches run at once (and so the load on
   * the vault and the cost of a runaway job); callers beyond it are throttled and retry. Reserved
   * concurrency is taken from the account's unreserved pool.
   *
   * @default - none: the functions share the account's concurrency
   */
  readonly reservedConcurrency?: number;
}

/**
 * Options of `PiiTokenizer.bindToJob`, `grantToJob` (which uses only `detokenize`) and `jobArguments`.
 */
export interface TokenizerJobBindingOptions {
  /**
   * The base name of the job arguments: the script receives `--<argumentName>_function` (the
   * tokenize function's name) and, with `detokenize`, `--<argumentName>_detokenize_function`.
   *
   * @default 'pii_tokenizer'
   */
  readonly argumentName?: string;

  /**
   * Also let the job detokenize (and pass the detokenize function's name). Only jobs that must
   * see the values again need it.
   *
   * @default false
   */
  readonly detokenize?: boolean;
}

/**
 * A shared tokenization service: values (emails, national ids, phone numbers) become tokens that
 * are the same for the same value, so datasets stay joinable, and reveal nothing; only the
 * principals granted detokenize can turn a token back into its value.
 *
 * - the vault: a DynamoDB table (on-demand, customer-managed key, point-in-time recovery,
 *   deletion protection, RETAIN) with one item per distinct normalised value, keyed by its HMAC
 *   fingerprint (never a plain hash), holding the token, the value encrypted by envelope
 *   encryption and its creation time, and a `token` index that finds an item by its token;
 * - three keys: one encrypts the table and the log groups; the value key's data keys encrypt the
 *   values (AES-256-GCM); an HMAC key derives the fingerprint secret. Key policies keep the value
 *   key's decryption to the detokenize function and the fingerprint key to the tokenize function;
 * - the tokenize function (`{ "values": [...] }` -> `{ "tokens": [...] }`, at most 1,000 values
 *   of at most 1,024 bytes) and the detokenize function (`{ "tokens": [...] }` ->
 *   `{ "values": [...] }`, null for unknown tokens): Node 22 on ARM, invoked through IAM only, with
 *   encrypted log groups that never receive a value or a token.
 */
export class PiiTokenizer extends Construct {
  /** The most values (or tokens) in one request. */
  public static readonly MAX_BATCH_SIZE = MAX_BATCH_SIZE;

  /** The longest value accepted, in UTF-8 bytes, as received and once normalised. */
  public static readonly MAX_VALUE_BYTES = MAX_VALUE_BYTES;

  /** The vault: one item per distinct normalised value. */
  public readonly vaultTable: dynamodb.Table;

  /** The key of the vault table and the log groups. */
  public readonly encryptionKey: kms.Key;

  /** The key whose data keys encrypt the values. Only the detokenize function may decrypt with it. */
  public readonly valueKey: kms.Key;

  /** The HMAC key that derives the fingerprint secret. Only the tokenize function may use it. */
  public readonly fingerprintKey: kms.Key;

  /** The tokenize function. */
  public readonly tokenizeFunction: lambda.Function;

  /** The names of the functions' roles (the keys' policies name them). */
  private readonly tokenizeRoleName: string;
  private readonly detokenizeRoleName: string;

  /** The detokenize function. */
  public readonly detokenizeFunction: lambda.Function;

  /** The token prefix. */
  public readonly tokenPrefix: string;

  constructor(scope: Construct, id: string, props: PiiTokenizerProps = {}) {
    super(scope, id);
    this.tokenPrefix = props.tokenPrefix ?? DEFAULT_TOKEN_PREFIX;
    if (Token.isUnresolved(this.tokenPrefix) || !TOKEN_PREFIX_PATTERN.test(this.tokenPrefix)) {
      throw new LakeValidationError(this, CONSTRUCT, 'tokenPrefix', this.tokenPrefix, TOKEN_PREFIX_EXPECTED);
    }
    const normalization = this.resolveNormalization(props.normalization ?? {});
    const logRetention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    const retentionDays = requireLogRetention(this, CONSTRUCT, 'logRetention', logRetention);
    const reserved = props.reservedConcurrency;
    const badReserved = reserved !== undefined && !Token.isUnresolved(reserved)
      && (!Number.isInteger(reserved) || reserved < 1 || reserved > MAX_RESERVED_CONCURRENCY);
    if (badReserved) {
      throw new LakeValidationError(this, CONSTRUCT, 'reservedConcurrency', reserved, `an integer from 1 to ${MAX_RESERVED_CONCURRENCY}`);
    }
    const removalPolicy = resolveRemovalPolicy(this, props.removalPolicy);

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the token vault and the logs of the tokenizer ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });
    allowCloudWatchLogs(this.encryptionKey, 'AllowCloudWatchLogsForTokenizerLogs');
    this.valueKey = new kms.Key(this, 'ValueKey', {
      description: `Encrypts the data keys that encrypt the values of the tokenizer ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });
    this.fingerprintKey = new kms.Key(this, 'FingerprintKey', {
      description: `Derives the fingerprint secret of the tokenizer ${this.node.path} (HMAC; never rotated: new key material would change every fingerprint)`,
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });
    for (const key of [this.encryptionKey, this.valueKey, this.fingerprintKey]) denyGrantsExceptForAwsResources(key);
    acknowledgeNag(this.fingerprintKey, {
      id: 'AwsSolutions-KMS5',
      reason: 'KMS rotates only symmetric encryption keys; this is an HMAC key, and rotating it would change every fingerprint, so values already in the vault would get new tokens.',
    });

    this.vaultTable = new dynamodb.Table(this, 'Vault', {
      partitionKey: { name: FINGERPRINT, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });
    this.vaultTable.addGlobalSecondaryIndex({
      indexName: TOKEN_INDEX,
      partitionKey: { name: TOKEN, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...TOKEN_INDEX_ATTRIBUTES],
    });
    acknowledgeNag(this.vaultTable, ...inPacks('DynamoDBInBackupPlan',
      'The vault has point-in-time recovery (35 days of continuous backups) and deletion protection; adding it to an AWS Backup plan is an account-level decision left to the team.',
      HIPAA, NIST, PCI));

    const common = {
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(30),
      reservedConcurrentExecutions: reserved,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
    };
    const environment = {
      [ENV_VAULT_TABLE_NAME]: this.vaultTable.tableName,
      [ENV_VALUE_KEY_ARN]: this.valueKey.keyArn,
      [ENV_TOKEN_PREFIX]: this.tokenPrefix,
    };
    // Named roles: the keys' policies name them by ARN (only these roles may use the keys) while the
    // roles' inline policies reference the keys; a reference to the role from a key policy would be a cycle.
    // IAM names are global to the account: the name carries the region, so the same stack deployed to
    // two regions of one account gets two names (at most 64 characters: 14 for the region).
    const region = Stack.of(this).region;
    const roleName = (suffix: string) =>
      `${Names.uniqueResourceName(this, { maxLength: 64 - suffix.length - 16, separator: '-' })}-${region}-${suffix}`;
    this.tokenizeRoleName = roleName('tokenize');
    this.detokenizeRoleName = roleName('detokenize');
    this.tokenizeFunction = new TokenizeFunction(this, 'Tokenize', {
      ...common,
      role: lambdaExecutionRole(this, 'TokenizeRole', `Runs the tokenize function of ${this.node.path}`, this.tokenizeRoleName),
      description: `Tokenizes values for ${this.node.path}: {"values": [...]} -> {"tokens": [...]}`,
      logGroup: this.logGroup('TokenizeLogs', retentionDays, removalPolicy),
      environment: {
        ...environment,
        [ENV_FINGERPRINT_KEY_ARN]: this.fingerprintKey.keyArn,
        [ENV_NORMALIZATION]: JSON.stringify(normalization),
      },
    });
    this.detokenizeFunction = new DetokenizeFunction(this, 'Detokenize', {
      ...common,
      role: lambdaExecutionRole(this, 'DetokenizeRole', `Runs the detokenize function of ${this.node.path}`, this.detokenizeRoleName),
      description: `Detokenizes tokens of ${this.node.path}: {"tokens": [...]} -> {"values": [...]}`,
      logGroup: this.logGroup('DetokenizeLogs', retentionDays, removalPolicy),
      environment,
    });
    this.grantFunctions();
    this.restrictKeys();
    for (const fn of [this.tokenizeFunction, this.detokenizeFunction]) this.acknowledgeFunction(fn, reserved !== undefined);
  }

  /**
   * Grants invoking the tokenize function (and nothing else): `lambda:InvokeFunction` on the
   * function, or, for a principal of another account, a permission on the function.
   */
  public grantTokenize(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(this.tokenizeFunction, grantee);
  }

  /**
   * Grants invoking the detokenize function (and nothing else): only for principals that must see
   * values again.
   */
  public grantDetokenize(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(this.detokenizeFunction, grantee);
  }

  /**
   * Lets a `GlueJob` tokenize: grants it invoking the tokenize function and passes the function's
   * name as `--pii_tokenizer_function` (see `TokenizerJobBindingOptions` for detokenize and the
   * argument name). For any other Glue job (`glue.IJob`, e.g. a `glue.PySparkEtlJob`), whose
   * arguments are fixed when it is created, use `jobArguments` in its `defaultArguments` and
   * `grantToJob`.
   */
  public bindToJob(job: GlueJob, options: TokenizerJobBindingOptions = {}): GlueJob {
    // Arguments first: a refused name stops the binding before any grant.
    for (const [name, value] of Object.entries(this.jobArguments(options))) job.addArgument(name, value);
    this.grantToJob(job, options);
    return job;
  }

  /**
   * Grants any Glue job (its role) invoking the tokenize function and, with `options.detokenize`,
   * the detokenize function; nothing else. Returns one grant with every statement. The job must
   * also receive the functions' names: pass `jobArguments(options)` in its `defaultArguments`
   * (`bindToJob` does both for a `GlueJob`).
   */
  public grantToJob(job: glue.IJob, options: TokenizerJobBindingOptions = {}): iam.Grant {
    const grant = this.grantTokenize(job);
    return options.detokenize === true ? grant.combine(this.grantDetokenize(job)) : grant;
  }

  /**
   * The job arguments that carry the functions' names: `--<argumentName>_function` and, with
   * `options.detokenize`, `--<argumentName>_detokenize_function`. For a Glue job that is not a
   * `GlueJob`: put them in its `defaultArguments` and call `grantToJob`.
   */
  public jobArguments(options: TokenizerJobBindingOptions = {}): { [name: string]: string } {
    const name = options.argumentName ?? 'pii_tokenizer';
    if (Token.isUnresolved(name) || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
      throw new LakeValidationError(this, CONSTRUCT, 'argumentName', name, "letters, digits and '_', starting with a letter, at most 64 characters");
    }
    const args: { [name: string]: string } = { [`--${name}_function`]: this.tokenizeFunction.functionName };
    if (options.detokenize === true) args[`--${name}_detokenize_function`] = this.detokenizeFunction.functionName;
    return args;
  }

  private resolveNormalization(input: TokenNormalization): NormalizationSpec {
    const removeCharacters = input.removeCharacters ?? '';
    if (Token.isUnresolved(removeCharacters) || Array.from(removeCharacters).length > MAX_REMOVE_CHARACTERS) {
      throw new LakeValidationError(this, CONSTRUCT, 'normalization.removeCharacters', removeCharacters,
        `at most ${MAX_REMOVE_CHARACTERS} characters, written out (not a token), e.g. ' -().'`);
    }
    return { trim: input.trim ?? true, caseFold: input.caseFold ?? false, removeCharacters };
  }

  private logGroup(id: string, retentionDays: number, removalPolicy: RemovalPolicy): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      encryptionKey: this.encryptionKey,
      retention: retentionDays as logs.RetentionDays,
      removalPolicy,
    });
  }

  /** Least privilege: the tokenize function reads and writes entries, the detokenize function only queries the index. */
  private grantFunctions(): void {
    const tokenize = this.tokenizeFunction;
    const detokenize = this.detokenizeFunction;
    const valueContext = { [`kms:EncryptionContext:${VALUE_ENCRYPTION_CONTEXT_KEY}`]: VALUE_ENCRYPTION_CONTEXT_VALUE };

    iam.Grant.addToPrincipal({
      grantee: tokenize,
      actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
      resourceArns: [this.vaultTable.tableArn],
    });
    grantKeyThroughService(this, this.encryptionKey, tokenize, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], 'dynamodb');
    iam.Grant.addToPrincipal({
      grantee: tokenize,
      actions: ['kms:GenerateDataKey'],
      resourceArns: [this.valueKey.keyArn],
      conditions: { StringEquals: valueContext },
    });
    iam.Grant.addToPrincipal({
      grantee: tokenize,
      actions: ['kms:GenerateMac'],
      resourceArns: [this.fingerprintKey.keyArn],
      conditions: { StringEquals: { 'kms:MacAlgorithm': FINGERPRINT_MAC_ALGORITHM } },
    });

    iam.Grant.addToPrincipal({
      grantee: detokenize,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.vaultTable.tableArn}/index/${TOKEN_INDEX}`],
    });
    grantKeyThroughService(this, this.encryptionKey, detokenize, ['kms:Decrypt', 'kms:DescribeKey'], 'dynamodb');
    iam.Grant.addToPrincipal({
      grantee: detokenize,
      actions: ['kms:Decrypt'],
      resourceArns: [this.valueKey.keyArn],
      conditions: { StringEquals: valueContext },
    });
  }

  /**
   * Key policies that hold even against broad IAM policies in the account (an administrator's
   * `kms:*`): only the detokenize function decrypts with the value key (re-encryption, which would
   * move a data key under another key, is denied to all), only the tokenize function generates its
   * data keys, and only the tokenize function uses the fingerprint key. Changing this takes a key
   * policy update, which CloudTrail records.
   */
  private restrictKeys(): void {
    const stack = Stack.of(this);
    const roleArn = (name: string) => stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: name });
    const tokenizeRole = roleArn(this.tokenizeRoleName);
    const detokenizeRole = roleArn(this.detokenizeRoleName);
    const denyExcept = (sid: string, actions: string[], allowed?: string) => new iam.PolicyStatement({
      sid,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions,
      resources: ['*'],
      conditions: allowed ? { ArnNotEquals: { 'aws:PrincipalArn': allowed } } : undefined,
    });
    this.valueKey.addToResourcePolicy(denyExcept('OnlyDetokenizeDecrypts', ['kms:Decrypt'], detokenizeRole));
    this.valueKey.addToResourcePolicy(denyExcept('NoReEncryption', ['kms:ReEncrypt*']));
    this.valueKey.addToResourcePolicy(denyExcept('OnlyTokenizeGeneratesDataKeys', ['kms:GenerateDataKey*'], tokenizeRole));
    this.fingerprintKey.addToResourcePolicy(denyExcept('OnlyTokenizeDerivesTheFingerprintSecret', ['kms:GenerateMac', 'kms:VerifyMac'], tokenizeRole));
  }

  private acknowledgeFunction(fn: lambda.Function, reserved: boolean): void {
    const role = fn.role!;
    acknowledgeOwnPolicy(role);
    acknowledgeNag(role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level permissions.',
    });
    const runtime = 'The library pins Node.js 22, a supported Lambda runtime, because the handler is bundled and tested for it; moving to a newer runtime is a library release, not a synth-time choice.';
    const synchronous = 'The function is invoked synchronously (RequestResponse) by jobs and services: an error is returned to the caller, who retries the batch; there is no asynchronous event to send to a dead-letter queue.';
    const vpc = 'The function calls only the DynamoDB and KMS APIs over TLS with IAM authentication and has no network-reachable endpoint (no function URL; invoked through IAM only); a VPC would add NAT or endpoint cost without reducing exposure.';
    acknowledgeNag(role,
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'The function writes only to its own log group; the AWS managed basic execution policy is the standard way to grant it.' },
      { id: 'Serverless-LambdaStarPermissions', reason: 'The only wildcard is X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords), which supports no resource-level permissions; no action is a wildcard.' },
    );
    acknowledgeNag(fn,
      { id: 'AwsSolutions-L1', reason: runtime },
      { id: 'Serverless-LambdaLatestVersion', reason: runtime },
      ...inPacks('LambdaDLQ', synchronous, HIPAA, NIST, PCI, SERVERLESS),
      ...inPacks('LambdaAsyncFailureDestination', synchronous, SERVERLESS),
      ...inPacks('LambdaInsideVPC', vpc, HIPAA, NIST, PCI),
      ...(reserved ? [] : inPacks('LambdaConcurrency',
        'A shared service invoked by many jobs: a reserved cap is taken from the account\'s unreserved pool and cannot be deployed in accounts with a low concurrency quota; set reservedConcurrency to cap the load on the vault.',
        HIPAA, NIST)),
    );
  }
}

/** `lambda:InvokeFunction` on the function itself (no versions or aliases), or a resource permission across accounts. */
function grantInvoke(fn: lambda.Function, grantee: iam.IGrantable): iam.Grant {
  const grant = iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [fn.functionArn] });
  if (grant.success) return grant;
  return fn.grantInvoke(grantee);
}
