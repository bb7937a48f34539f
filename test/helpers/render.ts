/**
 * Renders a CloudFormation value as a readable string for assertions: `{ Ref: 'AWS::Partition' }`
 * as `aws`, other `Ref`s as `<LogicalId>`, `Fn::GetAtt` as `<LogicalId.Attribute>`, `Fn::Join` joined, `Fn::Sub`
 * substituted the same way.
 */
export function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (value.Ref) return `<${value.Ref}>`;
  if (value['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  if (typeof value['Fn::Sub'] === 'string') {
    return value['Fn::Sub'].replace(/\$\{([^}]*)\}/g, (_: string, name: string) =>
      name.startsWith('!') ? `\${${name.slice(1)}}` : name === 'AWS::Partition' ? 'aws' : `<${name}>`);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}
