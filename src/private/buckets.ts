import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
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
