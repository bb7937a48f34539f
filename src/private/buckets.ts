import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct, IConstruct } from 'constructs';
import { acknowledgeNag, HIPAA, NIST, PCI } from './nag';

/**
 * The settings every bucket of the library shares: TLS only (1.2 minimum), public access blocked,
 * object ownership enforced (no ACLs), versioned. Encryption and lifecycle are chosen per bucket.
 */
export function secureBucketDefaults(): Pick<s3.BucketProps, 'enforceSSL' | 'minimumTLSVersion' | 'blockPublicAccess' | 'objectOwnership' | 'versioned'> {
  return {
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
  };
}

/**
 * Acknowledges the findings every server access log bucket has: it does not log its own access
 * (that would loop) and it is encrypted with SSE-S3 (the only encryption S3 server access logging
 * delivers to).
 */
export function acknowledgeAccessLogBucket(bucket: IConstruct, owner: string): void {
  const loop = `This bucket is the server access log destination of ${owner}; logging its own access would write logs about logs in a loop.`;
  const sse = 'S3 server access logging can only deliver to a bucket encrypted with SSE-S3 (AES-256); SSE-KMS is not supported for the target bucket.';
  acknowledgeNag(bucket,
    { id: 'AwsSolutions-S1', reason: loop },
    ...[HIPAA, NIST, PCI].map(pack => ({ id: `${pack}-S3BucketLoggingEnabled`, reason: loop })),
    ...[HIPAA, NIST, PCI].map(pack => ({ id: `${pack}-S3DefaultEncryptionKMS`, reason: sse })),
  );
}

/**
 * A server access log bucket: SSE-S3 (the only encryption S3 logging delivers to), the secure
 * defaults, logs expiring after `retention`, emptied on deletion only when `removalPolicy` is
 * DESTROY (already checked against the context flag), its findings acknowledged.
 */
export function createAccessLogBucket(
  scope: Construct, id: string, options: { readonly retention: Duration; readonly removalPolicy: RemovalPolicy; readonly owner: string },
): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    ...secureBucketDefaults(),
    lifecycleRules: [{
      id: 'access-logs-expiration',
      expiration: options.retention,
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    }],
    removalPolicy: options.removalPolicy,
    autoDeleteObjects: options.removalPolicy === RemovalPolicy.DESTROY,
  });
  acknowledgeAccessLogBucket(bucket, options.owner);
  return bucket;
}

const stackAccessLogBuckets = new WeakMap<Stack, s3.IBucket>();

/** Records the access-log bucket a lake created in its stack, for the stack's other constructs to share. */
export function registerStackAccessLogBucket(scope: IConstruct, bucket: s3.IBucket): void {
  const stack = Stack.of(scope);
  if (!stackAccessLogBuckets.has(stack)) stackAccessLogBuckets.set(stack, bucket);
}

/** The access-log bucket a lake created in the stack of `scope` (the first one), if any. */
export function stackAccessLogBucket(scope: IConstruct): s3.IBucket | undefined {
  return stackAccessLogBuckets.get(Stack.of(scope));
}

/**
 * With `DESTROY`, CDK's stack-wide auto-delete-objects provider (a Lambda function and its role)
 * empties the buckets on deletion. It is CDK's own resource: its findings are acknowledged here.
 */
export function acknowledgeAutoDeleteProvider(scope: IConstruct): void {
  const provider = Stack.of(scope).node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
  if (!provider) return;
  acknowledgeNag(provider,
    { id: 'AwsSolutions-IAM4', reason: 'CDK\'s auto-delete-objects provider uses AWSLambdaBasicExecutionRole for its own logs; it exists only with the removeDataOnDestroy context flag, in development stages.' },
    { id: 'AwsSolutions-L1', reason: 'The runtime of CDK\'s auto-delete-objects provider is set by aws-cdk-lib and updated with it.' },
  );
}
