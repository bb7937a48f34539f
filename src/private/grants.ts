import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/** S3 read actions on objects under a granted prefix. */
export const OBJECT_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'];
/** S3 write actions (Spark overwrites and deletes its staging files, multipart uploads). */
export const OBJECT_WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
export const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
export const KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'];
/** Reading a database's or a table's definition and partitions. */
export const GLUE_READ_ACTIONS = [
  'glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition',
];
/** Managing partitions (not the table definition itself). */
export const GLUE_PARTITION_WRITE_ACTIONS = [
  'glue:CreatePartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition', 'glue:BatchUpdatePartition',
  'glue:DeletePartition', 'glue:BatchDeletePartition',
];
/** Managing tables and their partitions. */
export const GLUE_TABLE_WRITE_ACTIONS = [
  'glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable', 'glue:BatchDeleteTable', ...GLUE_PARTITION_WRITE_ACTIONS,
];

/**
 * The suffix of the empty marker objects the EMR File System (EMRFS, Glue's `s3://` connector)
 * writes for a directory: `orders_$folder$` beside `orders/`.
 */
export const FOLDER_MARKER_SUFFIX = '_$folder$';

/**
 * Object actions under `prefix` (`''` for the whole bucket), listing limited to the prefix, and the
 * bucket's location.
 *
 * A Hadoop file system (EMRFS in Glue, S3A) works with directories, not prefixes: to tell whether
 * `s3://bucket/orders/` exists and is a directory it reads the bare key `orders` and lists the
 * prefix `orders`; EMRFS writes (and deletes) the marker `orders_$folder$` beside the directory, and
 * the same for each parent directory it creates; Spark's committers write `_temporary/` and
 * `.spark-staging*` under the directory. For a prefix ending with `/` the grant therefore also
 * covers, for the directory and each parent: the marker with the same actions, the bare key with
 * `s3:GetObject` only (a write there would put a file where the directory is), and listing the bare
 * path. The contents of the parents are not covered.
 *
 * `bucketLocation: false` leaves `s3:GetBucketLocation` out (a managed policy the grantee has carries it).
 */
export function grantObjects(
  bucket: s3.IBucket, grantee: iam.IGrantable, prefix: string, actions: string[], options: { bucketLocation?: boolean } = {},
): iam.Grant {
  const directories = directoriesOf(prefix);
  let grant = iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [bucket.arnForObjects(`${prefix}*`), ...directories.map(d => bucket.arnForObjects(`${d}${FOLDER_MARKER_SUFFIX}`))],
  });
  const headActions = actions.filter(a => a === 's3:GetObject');
  if (directories.length > 0 && headActions.length > 0) {
    grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: headActions, resourceArns: directories.map(d => bucket.arnForObjects(d)) }));
  }
  const directory = directories[directories.length - 1];
  const list = iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:ListBucket'],
    resourceArns: [bucket.bucketArn],
    conditions: prefix ? { StringLike: { 's3:prefix': [`${prefix}*`, ...(directory ? [directory] : [])] } } : undefined,
  });
  if (options.bucketLocation === false) return grant.combine(list);
  const location = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetBucketLocation'], resourceArns: [bucket.bucketArn] });
  return grant.combine(list).combine(location);
}

/**
 * The directories a prefix ending with `/` names, outermost first: `tables/orders/` gives
 * `['tables', 'tables/orders']`. None for the bucket root, a token or a prefix without a trailing `/`
 * (its `prefix*` grant already covers the bare key and marker).
 */
function directoriesOf(prefix: string): string[] {
  if (!prefix || Token.isUnresolved(prefix) || !prefix.endsWith('/')) return [];
  const parts = prefix.slice(0, -1).split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/')).filter(d => d !== '' && !d.endsWith('/'));
}

/** The key's actions, only when S3 of the stack's region calls KMS on the grantee's behalf. */
export function grantKeyThroughS3(scope: IConstruct, key: kms.IKey, grantee: iam.IGrantable, actions: string[]): iam.Grant {
  return grantKeyThroughService(scope, key, grantee, actions, 's3');
}

/** The key's actions, only when `service` (e.g. `dynamodb`) of the stack's region calls KMS on the grantee's behalf. */
export function grantKeyThroughService(scope: IConstruct, key: kms.IKey, grantee: iam.IGrantable, actions: string[], service: string): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(scope).region}.amazonaws.com` } },
  });
}

/** The ARN of a table (or `*` for every table) of a Glue database. */
export function glueTableArn(scope: IConstruct, databaseName: string, tableName: string): string {
  return Stack.of(scope).formatArn({
    service: 'glue', resource: 'table', resourceName: `${databaseName}/${tableName}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * Glue catalog actions on the catalog, the database and the given table ARNs (Glue authorises
 * partition actions on the table's ARN).
 */
export function grantCatalog(scope: IConstruct, grantee: iam.IGrantable, actions: string[], databaseName: string, tableArns: string[]): iam.Grant {
  const stack = Stack.of(scope);
  return iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      ...tableArns,
    ],
  });
}
