import { AspectPriority, Aspects, CfnResource, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A justified cdk-nag finding: the rule id (with its `[finding]` when the rule reports one) and why it is acceptable. */
export interface NagAcknowledgement {
  /** e.g. `AwsSolutions-S1` or `AwsSolutions-IAM5[Action::s3:GetObject*]` */
  readonly id: string;
  /** Why a security reviewer can accept it. */
  readonly reason: string;
}

interface V2Suppression {
  id: string;
  reason: string;
  applies_to?: string[];
}

/** The compliance packs whose rule ids start with these prefixes. */
export const HIPAA = 'HIPAA.Security';
export const NIST = 'NIST.800.53.R5';
export const PCI = 'PCI.DSS.321';
export const SERVERLESS = 'Serverless';

/** One acknowledgement of `rule` per pack, e.g. `inPacks('LambdaDLQ', reason, HIPAA, NIST)`. */
export function inPacks(rule: string, reason: string, ...packs: string[]): NagAcknowledgement[] {
  return packs.map(pack => ({ id: `${pack}-${rule}`, reason }));
}

const acknowledged = new WeakMap<IConstruct, NagAcknowledgement[]>();

/**
 * Acknowledges justified cdk-nag findings on the construct that causes them (and its children).
 *
 * - cdk-nag 3 reads `Validations.of(construct).acknowledge(...)` metadata on the construct and its
 *   ancestors;
 * - cdk-nag 2 reads `cdk_nag.rules_to_suppress` CloudFormation metadata on each resource: an aspect
 *   writes it on every `CfnResource` under the construct, including resources added later
 *   (grants, policies), with `applies_to` for the `[finding]` part of an id; only when a cdk-nag 2
 *   pack is applied (as an aspect) to the resource or one of its scopes, so that templates checked
 *   by cdk-nag 3 (or not at all) do not carry the reasons (about 1.6 KB per job role).
 */
export function acknowledgeNag(construct: IConstruct, ...acks: NagAcknowledgement[]): void {
  for (const ack of acks) {
    if (!ack.reason || ack.reason.trim().length < 20) {
      throw new Error(`cdk-glue-lake: the acknowledgement of ${ack.id} on '${construct.node.path}' needs a reason a reviewer can accept`);
    }
  }
  recordAcknowledgements(construct, acks);
  let list = acknowledged.get(construct);
  if (!list) {
    list = [];
    acknowledged.set(construct, list);
    // MUTATING priority: runs before the cdk-nag 2 packs (default priority) read the metadata.
    Aspects.of(construct).add(new NagV2MetadataAspect(construct), { priority: AspectPriority.MUTATING });
  }
  list.push(...acks);
}

/**
 * `Validations.of(construct).acknowledge(...)`, which records a stack trace with every
 * acknowledgement: none here. The acknowledgement is recorded on the construct it covers (its path,
 * the rule id, the reason), which is what a reviewer reads; the library's own frames render as one
 * collapsed `cdk-glue-lake` line in an installed app anyway, and capturing and source-mapping even
 * four frames per acknowledgement was a seventh of the synthesis time of a 50-job lake.
 */
function recordAcknowledgements(construct: IConstruct, acks: NagAcknowledgement[]): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.min(limit, ACKNOWLEDGEMENT_TRACE_FRAMES);
  try {
    Validations.of(construct).acknowledge(...acks.map(a => ({ id: a.id, reason: a.reason })));
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Stack frames recorded with an acknowledgement: none (see recordAcknowledgements). */
const ACKNOWLEDGEMENT_TRACE_FRAMES = 0;

/** Converts acknowledgements to cdk-nag 2's `rules_to_suppress` entries (`X[finding]` -> `{ id: X, applies_to: [finding] }`). */
export function toNagV2Suppressions(acks: NagAcknowledgement[]): V2Suppression[] {
  const byId = new Map<string, V2Suppression>();
  for (const ack of acks) {
    const m = /^([^[]+)\[(.+)\]$/.exec(ack.id);
    const id = m ? m[1] : ack.id;
    const key = m ? id : `${id}#all`;
    let entry = byId.get(key);
    if (!entry) {
      entry = m ? { id, reason: ack.reason, applies_to: [] } : { id, reason: ack.reason };
      byId.set(key, entry);
    }
    if (m && !entry.applies_to!.includes(m[2])) entry.applies_to!.push(m[2]);
  }
  return [...byId.values()];
}

class NagV2MetadataAspect implements IAspect {
  constructor(private readonly owner: IConstruct) {}

  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || !nagV2PackApplied(node)) return;
    const acks = acknowledged.get(this.owner) ?? [];
    const existing = (node.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as V2Suppression[];
    const merged = [...existing];
    for (const s of toNagV2Suppressions(acks)) {
      const same = merged.find(e => e.id === s.id && !!e.applies_to === !!s.applies_to);
      if (!same) {
        merged.push(s);
      } else if (same.applies_to && s.applies_to) {
        for (const a of s.applies_to) if (!same.applies_to.includes(a)) same.applies_to.push(a);
      }
    }
    node.addMetadata('cdk_nag', { rules_to_suppress: merged });
  }
}

/**
 * True when a cdk-nag 2 `NagPack` (an aspect with `applyRule` and `readPackName`, as every pack of
 * cdk-nag 2 and every pack derived from its `NagPack` has) is applied to the node or one of its scopes.
 */
export function nagV2PackApplied(node: IConstruct): boolean {
  return node.node.scopes.some(scope => Aspects.of(scope).all.some(aspect => {
    const pack = aspect as unknown as { applyRule?: unknown; readPackName?: unknown };
    return typeof pack.applyRule === 'function' && typeof pack.readPackName === 'string';
  }));
}

/**
 * Acknowledges wildcard-resource findings (`AwsSolutions-IAM5[Resource::<arn>]`) on `construct` for
 * ARNs used in `scope`'s stack, as cdk-nag renders them in the synthesized template. An ARN of a
 * resource in the same stack renders as a reference (known now); one of a resource in another stack
 * renders as the `Fn::ImportValue` of an export CDK names only when it resolves cross-stack references
 * at synthesis. The second form is acknowledged then, from a validation that runs after that
 * resolution and before the validation plugins (cdk-nag 3) read the acknowledgements.
 */
export function acknowledgeWildcardResources(
  construct: IConstruct, scope: IConstruct, arns: string[], reason: string,
): void {
  const now = arns.map(arn => wildcardResourceFinding(scope, arn));
  acknowledgeNag(construct, ...now.map(id => ({ id, reason })));
  construct.node.addValidation({
    validate: () => {
      const late = arns.map(arn => wildcardResourceFinding(scope, arn)).filter(id => !now.includes(id));
      if (late.length > 0) recordAcknowledgements(construct, late.map(id => ({ id, reason })));
      return [];
    },
  });
}

/**
 * The cdk-nag id of a wildcard-resource finding (`AwsSolutions-IAM5[Resource::...]`) for `arn`,
 * rendered as cdk-nag renders CloudFormation references (`<Logical.Arn>`, `<AWS::Region>`).
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(arn))}]`;
}

/** The `[finding]` text cdk-nag shows for a resolved CloudFormation value (`<Logical.Arn>/*`, `<AWS::Partition>`). */
export function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as Record<string, unknown>;
  if (Array.isArray(o['Fn::Join'])) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (o['Fn::Sub'] !== undefined) return flattenReference(o['Fn::Sub']);
  if (Array.isArray(o['Fn::GetAtt'])) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (o['Fn::ImportValue'] !== undefined) return flattenReference(o['Fn::ImportValue']);
  if (o.Ref !== undefined) return `<${flattenReference(o.Ref)}>`;
  return JSON.stringify(node);
}
