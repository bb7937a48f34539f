import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/**
 * Reads the synthesized templates of an app and names resources across stacks: a reference
 * (`Ref`, `Fn::GetAtt`, or `Fn::ImportValue` of another stack's export) becomes
 * `<stack name>/<logical id>`, so values written in different stacks can be compared.
 */
export class AppTemplates {
  /** The template of each stack, by stack name. */
  public readonly templates: Record<string, any> = {};
  /** `<export name>` -> `<stack name>/<logical id>` of the exported resource. */
  private readonly exportsByName: Record<string, string> = {};

  constructor(app: App) {
    const assembly = app.synth();
    for (const stack of assembly.stacks) this.templates[stack.stackName] = stack.template;
    for (const [stackName, template] of Object.entries(this.templates)) {
      for (const output of Object.values<any>(template.Outputs ?? {})) {
        const name = output.Export?.Name;
        if (typeof name === 'string') this.exportsByName[name] = this.resourceOf(stackName, output.Value);
      }
    }
  }

  /** The CloudFormation `Template` of a stack (for `Match` assertions). */
  public template(stack: Stack): Template {
    return Template.fromJSON(this.templates[stack.stackName]);
  }

  /** `<stack>/<logical id>` of a construct's CloudFormation resource (its default child, followed down). */
  public idOf(construct: IConstruct): string {
    let element: any = construct;
    while (element.node.defaultChild && !element.logicalId) element = element.node.defaultChild;
    const stack = Stack.of(element);
    return `${stack.stackName}/${stack.getLogicalId(element)}`;
  }

  /**
   * The resource a value refers to, as `<stack>/<logical id>`: `{ Ref }`, `{ Fn::GetAtt }` and
   * `{ Fn::ImportValue }` (followed to the exporting stack). Throws for anything else.
   */
  public resourceOf(stackName: string, value: any): string {
    if (value?.Ref && typeof value.Ref === 'string' && !value.Ref.startsWith('AWS::')) return `${stackName}/${value.Ref}`;
    if (value?.['Fn::GetAtt']) return `${stackName}/${value['Fn::GetAtt'][0]}`;
    if (value?.['Fn::ImportValue']) {
      const name = value['Fn::ImportValue'];
      const found = this.exportsByName[name];
      if (!found) throw new Error(`no export named ${JSON.stringify(name)}`);
      return found;
    }
    throw new Error(`not a reference to a resource: ${JSON.stringify(value)}`);
  }

  /**
   * Every statement of the identity policies of the role (by `<stack>/<logical id>` of the role):
   * `AWS::IAM::Policy` resources attached to it, its inline policies and the customer-managed
   * policies it lists (in its own stack or imported from another).
   */
  public roleStatements(roleId: string): Array<{ stack: string; statement: any }> {
    const found: Array<{ stack: string; statement: any }> = [];
    const [roleStack, roleLogicalId] = roleId.split('/');
    const role = this.templates[roleStack]?.Resources?.[roleLogicalId];
    for (const p of role?.Properties?.Policies ?? []) for (const statement of p.PolicyDocument.Statement) found.push({ stack: roleStack, statement });
    for (const arn of role?.Properties?.ManagedPolicyArns ?? []) {
      const managedId = this.tryResourceOf(roleStack, arn);
      if (!managedId) continue;
      const [managedStack, managedLogicalId] = managedId.split('/');
      const managed = this.templates[managedStack]?.Resources?.[managedLogicalId];
      if (managed?.Type !== 'AWS::IAM::ManagedPolicy') continue;
      for (const statement of managed.Properties.PolicyDocument.Statement) found.push({ stack: managedStack, statement });
    }
    for (const [stackName, template] of Object.entries(this.templates)) {
      for (const resource of Object.values<any>(template.Resources ?? {})) {
        if (resource.Type !== 'AWS::IAM::Policy') continue;
        const roles: any[] = resource.Properties.Roles ?? [];
        if (!roles.some(r => this.tryResourceOf(stackName, r) === roleId)) continue;
        for (const statement of resource.Properties.PolicyDocument.Statement) found.push({ stack: stackName, statement });
      }
    }
    return found;
  }

  /**
   * The resources the statements of a role's policies allow `action` on, as `<stack>/<logical id>`:
   * a reference, or the resource an ARN built with `Fn::Join` starts from (objects of a bucket).
   */
  public resourcesAllowed(roleId: string, action: string, condition?: (c: any) => boolean): string[] {
    const ids: string[] = [];
    for (const { stack, statement } of this.roleStatements(roleId)) {
      if (statement.Effect !== 'Allow' || !([] as string[]).concat(statement.Action).includes(action)) continue;
      if (condition && !condition(statement.Condition)) continue;
      for (const r of ([] as any[]).concat(statement.Resource)) {
        const base = r?.['Fn::Join'] ? r['Fn::Join'][1].find((part: any) => typeof part !== 'string' && this.tryResourceOf(stack, part))
          : r?.['Fn::Sub'] ? subReferences(r['Fn::Sub']).find(part => this.tryResourceOf(stack, part)) : r;
        const id = base === undefined ? undefined : this.tryResourceOf(stack, base);
        if (id) ids.push(id);
      }
    }
    return ids;
  }

  /** Every stack (by name) whose template refers to another stack, and the stacks it refers to. */
  public stackDependencies(app: App): Record<string, string[]> {
    const deps: Record<string, string[]> = {};
    for (const stack of app.node.findAll().filter(Stack.isStack)) {
      deps[stack.stackName] = stack.dependencies.map(d => d.stackName).sort();
    }
    return deps;
  }

  private tryResourceOf(stackName: string, value: any): string | undefined {
    try {
      return this.resourceOf(stackName, value);
    } catch {
      return undefined;
    }
  }
}

/**
 * The key that encrypts what a Glue job writes to a bucket, read from the templates: the security
 * configuration's S3 key when its S3 encryption is SSE-KMS; with DISABLED, the bucket's default
 * encryption key (S3 applies it to every object written without encryption headers).
 */
export function keyOfJobWrites(t: AppTemplates, jobStack: string, job: any, bucketId: string): string {
  const jobProps = job.Properties;
  const configName = jobProps.SecurityConfiguration;
  const configId = t.resourceOf(jobStack, configName);
  const [configStack, configLogicalId] = configId.split('/');
  const config = t.templates[configStack].Resources[configLogicalId].Properties.EncryptionConfiguration;
  const s3 = config.S3Encryptions?.[0] ?? { S3EncryptionMode: 'DISABLED' };
  if (s3.S3EncryptionMode === 'SSE-KMS') return t.resourceOf(configStack, s3.KmsKeyArn);
  if (s3.S3EncryptionMode !== 'DISABLED') throw new Error(`unexpected S3 encryption mode ${s3.S3EncryptionMode}`);
  const [bucketStack, bucketLogicalId] = bucketId.split('/');
  const bucket = t.templates[bucketStack].Resources[bucketLogicalId].Properties;
  const byDefault = bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault;
  if (byDefault.SSEAlgorithm !== 'aws:kms') throw new Error(`bucket ${bucketId} is not SSE-KMS`);
  return t.resourceOf(bucketStack, byDefault.KMSMasterKeyID);
}

/** The references an `Fn::Sub` string names, as `Ref` / `Fn::GetAtt` objects (`${X}`, `${X.Attr}`; `${!...}` is literal). */
export function subReferences(text: string): any[] {
  return [...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map(([, name]) => {
    const dot = name.indexOf('.');
    return dot < 0 ? { Ref: name } : { 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] };
  });
}
