import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Context keys that change the library's behaviour for a whole app or stage.
 *
 * Set them in `cdk.json` (`"context": { "cdk-glue-lake:removeDataOnDestroy": true }`), with
 * `cdk synth -c cdk-glue-lake:removeDataOnDestroy=true`, or on the `App`'s `context` prop.
 */
export class LakeContextKeys {
  /**
   * `true` lets `RemovalPolicy.DESTROY` on the library's stateful resources (buckets, keys,
   * Glue databases and tables, DynamoDB tables, log groups) take effect; without it, DESTROY
   * reverts to RETAIN with a warning. Meant for development and test environments only.
   */
  public static readonly REMOVE_DATA_ON_DESTROY = 'cdk-glue-lake:removeDataOnDestroy';

  private constructor() {}
}

/** Warning id emitted when DESTROY is requested without the context flag. */
export const REMOVAL_POLICY_REVERTED_WARNING = 'cdk-glue-lake:removalPolicyReverted';

/** True when the `cdk-glue-lake:removeDataOnDestroy` context is `true` (or the string `'true'`). */
export function isDataRemovalAllowed(scope: IConstruct): boolean {
  const value = scope.node.tryGetContext(LakeContextKeys.REMOVE_DATA_ON_DESTROY);
  return value === true || value === 'true';
}

/**
 * The removal-policy interlock. Stateful resources RETAIN by default; `DESTROY` is honoured only
 * when the context flag also allows it, otherwise it reverts to `RETAIN` with a warning on `scope`.
 */
export function resolveRemovalPolicy(scope: IConstruct, requested?: RemovalPolicy): RemovalPolicy {
  if (requested === undefined) return RemovalPolicy.RETAIN;
  if (requested !== RemovalPolicy.DESTROY) return requested;
  if (isDataRemovalAllowed(scope)) return RemovalPolicy.DESTROY;
  Annotations.of(scope).addWarningV2(
    REMOVAL_POLICY_REVERTED_WARNING,
    `removalPolicy DESTROY was requested but the context key '${LakeContextKeys.REMOVE_DATA_ON_DESTROY}' is not true: `
    + 'the data is RETAINED. Set the context key to true (development stages only) to allow deletion.',
  );
  return RemovalPolicy.RETAIN;
}
