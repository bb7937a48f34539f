import * as s3 from 'aws-cdk-lib/aws-s3';

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
