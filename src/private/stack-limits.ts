import * as fs from 'fs';
import * as path from 'path';
import { Annotations, CfnResource, type ISynthesisSession, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** CloudFormation's limits for one stack (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). */
export const STACK_RESOURCE_LIMIT = 500;
/** The largest template body CloudFormation accepts from an S3 object (`TemplateURL`), in bytes. */
export const TEMPLATE_BYTES_LIMIT = 1_000_000;
/** The share of either limit past which the library warns. */
export const NEAR_LIMIT_SHARE = 0.8;
/** The warning's id (`cdk synth` shows it with the stack's path; `Annotations.acknowledgeWarning` silences it). */
export const STACK_NEAR_LIMIT_WARNING = 'cdk-glue-lake:stackNearLimit';
/** How many of the biggest contributors the warning names. */
const CONTRIBUTORS_NAMED = 5;

const watched = new WeakSet<Stack>();

/** The top-level constructs of one class in a stack and what they add to the template. */
export interface StackContributor {
  /** The class of the stack's direct children (e.g. `GlueJob`), or the child's path for a plain construct. */
  readonly kind: string;
  /** How many direct children of that class. */
  readonly constructs: number;
  readonly resources: number;
  readonly bytes: number;
}

/** What a stack's template holds, as the synthesizer will write it. */
export interface StackSize {
  readonly resources: number;
  /** Bytes of the template file (1-space indented unless the stack suppresses indentation). */
  readonly bytes: number;
  /** Whether the template is written without indentation. */
  readonly minified: boolean;
  /** The stack's direct children grouped by class, by bytes, biggest first. */
  readonly contributors: StackContributor[];
}

/**
 * Watches the stack of `scope` (once per stack): right after aws-cdk-lib writes the stack's
 * template, the file is measured (the bytes CloudFormation counts, indentation included) and
 * `cdk-glue-lake:stackNearLimit` is added when it passes 80% of CloudFormation's 500 resources or
 * 1,000,000 bytes. Measuring the written file costs no second rendering of the template. The hook is
 * aws-cdk-lib's `Stack._synthesizeTemplate` (internal; the scale tests fail if it stops being called).
 */
export function watchStackLimits(scope: IConstruct): void {
  const stack = Stack.of(scope);
  if (watched.has(stack)) return;
  watched.add(stack);
  const target = stack as unknown as { _synthesizeTemplate?: (session: ISynthesisSession, ...rest: unknown[]) => unknown };
  const synthesizeTemplate = target._synthesizeTemplate;
  if (typeof synthesizeTemplate !== 'function') return;
  target._synthesizeTemplate = function (this: Stack, session: ISynthesisSession, ...rest: unknown[]) {
    const result = synthesizeTemplate.call(this, session, ...rest);
    const text = fs.readFileSync(path.join(session.assembly.outdir, stack.templateFile), 'utf-8');
    const message = nearLimitMessage(stack, measureTemplate(stack, text));
    if (message) Annotations.of(stack).addWarningV2(STACK_NEAR_LIMIT_WARNING, message);
    return result;
  };
}

/**
 * What a stack's written template holds: its resources (the stack's own, not nested stacks') and its
 * size in bytes as written; the contributors are computed only when the stack is near a limit.
 */
export function measureTemplate(stack: Stack, text: string): StackSize {
  const template = JSON.parse(text) as { Resources?: Record<string, unknown> };
  const resources = template.Resources ?? {};
  const bytes = Buffer.byteLength(text);
  const minified = !text.includes('\n');
  const count = Object.keys(resources).length;
  const near = count >= NEAR_LIMIT_SHARE * STACK_RESOURCE_LIMIT || bytes >= NEAR_LIMIT_SHARE * TEMPLATE_BYTES_LIMIT;
  return { resources: count, bytes, minified, contributors: near ? contributorsOf(stack, resources, minified) : [] };
}

/** The stack's direct children grouped by class, with their resources and bytes, biggest first. */
function contributorsOf(stack: Stack, resources: Record<string, unknown>, minified: boolean): StackContributor[] {
  const serialize = (x: unknown) => Buffer.byteLength(minified ? JSON.stringify(x) : JSON.stringify(x, undefined, 1));
  const byLogicalId = new Map<string, IConstruct>();
  for (const node of stack.node.findAll()) {
    if (CfnResource.isCfnResource(node) && Stack.of(node) === stack) {
      byLogicalId.set(stack.resolve(node.logicalId), node.node.scopes[stack.node.scopes.length] ?? stack);
    }
  }
  const contributors = new Map<string, { tops: Set<IConstruct>; resources: number; bytes: number }>();
  for (const [id, resource] of Object.entries(resources)) {
    const top = byLogicalId.get(id) ?? stack;
    const name = top.constructor.name;
    const kind = top === stack || name === 'Construct' || name === 'Resource' ? top.node.path : name;
    const entry = contributors.get(kind) ?? { tops: new Set<IConstruct>(), resources: 0, bytes: 0 };
    entry.tops.add(top);
    entry.resources += 1;
    entry.bytes += serialize({ [id]: resource });
    contributors.set(kind, entry);
  }
  return [...contributors.entries()]
    .map(([kind, c]) => ({ kind, constructs: c.tops.size, resources: c.resources, bytes: c.bytes }))
    .sort((x, y) => y.bytes - x.bytes || x.kind.localeCompare(y.kind));
}

/** The warning for a stack past 80% of either limit, or undefined. */
export function nearLimitMessage(stack: Stack, size: StackSize): string | undefined {
  const resourceShare = size.resources / STACK_RESOURCE_LIMIT;
  const byteShare = size.bytes / TEMPLATE_BYTES_LIMIT;
  if (resourceShare < NEAR_LIMIT_SHARE && byteShare < NEAR_LIMIT_SHARE) return undefined;
  const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
  const biggest = size.contributors.slice(0, CONTRIBUTORS_NAMED)
    .map(c => `${c.constructs > 1 ? `${c.constructs} x ` : ''}${c.kind} (${c.resources} resource${c.resources === 1 ? '' : 's'}, ${kb(c.bytes)})`).join(', ');
  const indentation = size.minified ? '' : ' Writing the template without indentation (the stack prop suppressTemplateIndentation, or the context key @aws-cdk/core:suppressTemplateIndentation) makes it about a third smaller.';
  return `The stack '${stack.node.path}' has ${size.resources} resources (${Math.round(100 * resourceShare)}% of CloudFormation's ${STACK_RESOURCE_LIMIT}) `
    + `and a ${kb(size.bytes)} template (${Math.round(100 * byteShare)}% of ${kb(TEMPLATE_BYTES_LIMIT)}${size.minified ? ', minified' : ', as written with indentation'}): `
    + `past ${Math.round(100 * NEAR_LIMIT_SHARE)}% of a limit. Biggest contributors: ${biggest}.${indentation} `
    + 'Past one stack, split the lake: a storage stack, job stacks per domain and a governance stack (README: "How big can a lake stack get").';
}
