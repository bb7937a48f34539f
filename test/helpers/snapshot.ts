import type { Template } from 'aws-cdk-lib/assertions';

/** The template with asset hashes replaced, so that a snapshot changes only when the construct does. */
export function normalisedTemplate(template: Template): unknown {
  const json = JSON.stringify(template.toJSON());
  return JSON.parse(json.replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1'));
}
