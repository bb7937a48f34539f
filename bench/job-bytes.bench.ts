/**
 * Where the template bytes of the scale app go (issue 17), and what each candidate saving is worth,
 * measured by applying the transformation to the synthesized template and re-serializing it the way
 * aws-cdk-lib writes it (`JSON.stringify(template, undefined, 1)`; minified with the stack's
 * `suppressTemplateIndentation`). Nothing here changes the library: the transformations are what a
 * library change would produce, so the figures are upper bounds of each change's saving.
 *
 * Run: npx ts-node --project test/tsconfig.json -T bench/job-bytes.bench.ts [jobs]
 */
import { buildScaleApp } from '../test/helpers/scale-app';

type Json = any;
const VERBOSE = { groups: false };
const written = (x: Json) => Buffer.byteLength(JSON.stringify(x, undefined, 1));
const minified = (x: Json) => Buffer.byteLength(JSON.stringify(x));
const clone = (x: Json) => JSON.parse(JSON.stringify(x));
const arr = (x: Json) => (Array.isArray(x) ? x : [x]);

function synth(jobs: number, tables: number, scheduled = false): Json {
  const { app, stack } = buildScaleApp({ jobs, tables, scheduled, validation: false });
  return app.synth().getStackByName(stack.stackName).template;
}

/** Bytes of a resource as written at its depth in the template (2 levels: Resources -> id). */
function resourceBytes(resource: Json): number {
  const text = JSON.stringify(resource, undefined, 1);
  return Buffer.byteLength(text) + 2 * (text.split('\n').length - 1);
}
function subtreeBytes(x: Json, depth: number): number {
  const text = JSON.stringify(x, undefined, 1);
  return Buffer.byteLength(text) + depth * (text.split('\n').length - 1);
}

const JOB_ID = /^Job(\d{3})/;
function jobPolicies(t: Json): [string, Json][] {
  return Object.entries<Json>(t.Resources).filter(([id, r]) => JOB_ID.test(id) && r.Type === 'AWS::IAM::Policy');
}

/** A statement's label: its Sid, or its actions' services and the first resource's shape. */
function label(s: Json): string {
  if (s.Sid) return s.Sid;
  const actions = arr(s.Action).join(',');
  const r = JSON.stringify(arr(s.Resource)[0]).replace(/Job\d{3}|entity_\d{3}|prefix_\d{3}|source_\d{3}/g, 'N');
  return `${actions.length > 60 ? actions.slice(0, 57) + '...' : actions} on ${r.length > 70 ? r.slice(0, 67) + '...' : r}${s.Condition ? ' (cond)' : ''}`;
}

function report(title: string, rows: [string, number][], total?: number): void {
  console.log(`\n${title}`);
  const sum = total ?? rows.reduce((a, [, n]) => a + n, 0);
  for (const [name, n] of rows) console.log(`  ${String(n).padStart(7)} B  ${((100 * n) / sum).toFixed(1).padStart(5)}%  ${name}`);
  console.log(`  ${String(sum).padStart(7)} B  total`);
}

// --- transformations (each returns a new template) ---

/** One AWS::IAM::ManagedPolicy per group of statements that are identical in the same set of job roles (at least `minRoles`). */
function sharedManagedPolicies(t: Json, minRoles: number): Json {
  t = clone(t);
  const policies = jobPolicies(t);
  const rolesOf = new Map<string, Set<string>>();
  for (const [id, p] of policies) {
    for (const s of p.Properties.PolicyDocument.Statement) {
      const key = JSON.stringify(s);
      if (!rolesOf.has(key)) rolesOf.set(key, new Set());
      rolesOf.get(key)!.add(id);
    }
  }
  const groups = new Map<string, string[]>(); // role set -> statements
  for (const [key, roles] of rolesOf) {
    if (roles.size < minRoles) continue;
    const set = [...roles].sort().join(' ');
    if (!groups.has(set)) groups.set(set, []);
    groups.get(set)!.push(key);
  }
  let n = 0;
  for (const [set, statements] of groups) {
    const ids = set.split(' ');
    if (VERBOSE.groups) {
      const doc = { Statement: statements.map(s => JSON.parse(s)), Version: '2012-10-17' };
      console.log(`  managed policy ${n}: ${ids.length} roles, ${statements.length} statements, ${minified(doc)} B minified document (IAM quota: 6,144 characters without whitespace; CloudFormation tokens resolve to longer ARNs)`);
    }
    for (const id of ids) {
      const doc = t.Resources[id].Properties.PolicyDocument;
      doc.Statement = doc.Statement.filter((s: Json) => !statements.includes(JSON.stringify(s)));
    }
    t.Resources[`JobsSharedPolicy${n++}ABCDEF12`] = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        PolicyDocument: { Statement: statements.map(s => JSON.parse(s)), Version: '2012-10-17' },
        Roles: ids.map(id => t.Resources[id].Properties.Roles[0]),
      },
    };
  }
  return t;
}

/** Merge statements of one document: same Effect, Resource and Condition -> union of actions; then same Effect, Action, Condition -> union of resources. Exact: the allowed (action, resource, condition) set is unchanged. */
function mergeDocument(doc: Json): void {
  const pass = (key: (s: Json) => string, merge: (a: Json, b: Json) => void) => {
    const out: Json[] = [];
    const seen = new Map<string, Json>();
    for (const s of doc.Statement) {
      const k = key(s);
      const prev = seen.get(k);
      if (prev) {merge(prev, s);} else { const c = clone(s); seen.set(k, c); out.push(c); }
    }
    doc.Statement = out;
  };
  const uniq = (xs: Json[]) => {
    const m = new Map(xs.map(x => [JSON.stringify(x), x]));
    const v = [...m.values()];
    return v.length === 1 ? v[0] : v;
  };
  pass(s => JSON.stringify([s.Effect, arr(s.Resource), s.Condition ?? null, s.Principal ?? null]), (a, b) => {
    a.Action = uniq([...arr(a.Action), ...arr(b.Action)]); delete a.Sid;
  });
  pass(s => JSON.stringify([s.Effect, [...arr(s.Action)].sort(), s.Condition ?? null, s.Principal ?? null]), (a, b) => {
    a.Resource = uniq([...arr(a.Resource), ...arr(b.Resource)]); delete a.Sid;
  });
}
function mergeStatements(t: Json, onlyJobs: boolean): Json {
  t = clone(t);
  for (const [id, r] of Object.entries<Json>(t.Resources)) {
    if (onlyJobs && !JOB_ID.test(id)) continue;
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') mergeDocument(r.Properties.PolicyDocument);
  }
  return t;
}

/** Inline each job role's AWS::IAM::Policy in its role (Role.Policies), metadata merged onto the role. */
function inlineJobPolicies(t: Json): Json {
  t = clone(t);
  for (const [id, p] of jobPolicies(t)) {
    const roleRefs = p.Properties.Roles;
    if (roleRefs.length !== 1) continue;
    const role = t.Resources[roleRefs[0].Ref];
    role.Properties.Policies = [...(role.Properties.Policies ?? []), { PolicyDocument: p.Properties.PolicyDocument, PolicyName: 'job' }];
    const sup = [...(role.Metadata?.cdk_nag?.rules_to_suppress ?? []), ...(p.Metadata?.cdk_nag?.rules_to_suppress ?? [])];
    if (sup.length) role.Metadata = { ...(role.Metadata ?? {}), cdk_nag: { rules_to_suppress: sup } };
    delete t.Resources[id];
    for (const r of Object.values<Json>(t.Resources)) {
      if (r.DependsOn) {
        r.DependsOn = arr(r.DependsOn).filter((d: string) => d !== id);
        if (!r.DependsOn.length) delete r.DependsOn;
      }
    }
  }
  return t;
}

/** Inline every AWS::IAM::Policy attached to exactly one role of this stack (job, Lambda and state machine roles). */
function inlineAllPolicies(t: Json): Json {
  t = clone(t);
  for (const [id, p] of Object.entries<Json>(t.Resources)) {
    if (p.Type !== 'AWS::IAM::Policy') continue;
    const roleRefs = p.Properties.Roles ?? [];
    if (roleRefs.length !== 1 || !roleRefs[0].Ref || !t.Resources[roleRefs[0].Ref]) continue;
    const role = t.Resources[roleRefs[0].Ref];
    const inline = { PolicyDocument: p.Properties.PolicyDocument, PolicyName: p.Properties.PolicyName };
    role.Properties.Policies = [...(role.Properties.Policies ?? []), inline];
    const sup = [...(role.Metadata?.cdk_nag?.rules_to_suppress ?? []), ...(p.Metadata?.cdk_nag?.rules_to_suppress ?? [])];
    if (sup.length) role.Metadata = { ...(role.Metadata ?? {}), cdk_nag: { rules_to_suppress: sup } };
    delete t.Resources[id];
    for (const r of Object.values<Json>(t.Resources)) {
      if (r.DependsOn) {
        r.DependsOn = arr(r.DependsOn).filter((d: string) => d !== id);
        if (!r.DependsOn.length) delete r.DependsOn;
      }
    }
  }
  return t;
}

/** One Glue SCHEDULED trigger per distinct schedule expression, with every job of that schedule as an action. */
function groupTriggers(t: Json): Json {
  t = clone(t);
  const bySchedule = new Map<string, string>();
  for (const [id, r] of Object.entries<Json>(t.Resources)) {
    if (r.Type !== 'AWS::Glue::Trigger' || r.Properties.Type !== 'SCHEDULED') continue;
    const key = JSON.stringify(r.Properties.Schedule);
    const first = bySchedule.get(key);
    if (!first) { bySchedule.set(key, id); continue; }
    t.Resources[first].Properties.Actions.push(...r.Properties.Actions);
    delete t.Resources[id];
  }
  return t;
}

/** Remove cdk-nag 2 `cdk_nag` metadata (cdk-nag 3 reads acknowledgements from construct metadata, not the template). */
function stripNagMetadata(t: Json, onlyJobs: boolean): Json {
  t = clone(t);
  for (const [id, r] of Object.entries<Json>(t.Resources)) {
    if (onlyJobs && !JOB_ID.test(id)) continue;
    if (r.Metadata?.cdk_nag) { delete r.Metadata.cdk_nag; if (!Object.keys(r.Metadata).length) delete r.Metadata; }
  }
  return t;
}

/** Drop the table writer's `--<name>_merge_sql` argument (the runtime would build it from the table's columns in the catalog). */
function dropMergeSql(t: Json): Json {
  t = clone(t);
  for (const r of Object.values<Json>(t.Resources)) {
    if (r.Type !== 'AWS::Glue::Job') continue;
    for (const k of Object.keys(r.Properties.DefaultArguments ?? {})) if (k.endsWith('_merge_sql')) delete r.Properties.DefaultArguments[k];
  }
  return t;
}

function main(): void {
  const jobs = Number(process.argv[2] ?? 100);
  const scheduled = process.argv.includes('--scheduled');
  const tables = Math.floor(jobs / 2);
  const t = synth(jobs, tables, scheduled);
  const base = written(t);
  const resources = Object.keys(t.Resources).length;
  console.log(`Scale app, ${jobs} jobs / ${tables} tables${scheduled ? ', scheduled' : ''}: ${resources} resources, ${base} B as written (1-space indent), ${minified(t)} B minified`);

  // 0. By construct (logical id prefix) and by resource type.
  const byOwner = new Map<string, [number, number]>();
  const byType = new Map<string, [number, number]>();
  for (const [id, r] of Object.entries<Json>(t.Resources)) {
    const owner = /^Job\d{3}/.test(id) ? 'Job*' : /^Table\d{3}/.test(id) ? 'Table*' : (/^(AWS[0-9a-f]+|[A-Z][a-z0-9]+(?:[A-Z][a-z]+)?)/.exec(id)?.[1] ?? id);
    for (const [m, k] of [[byOwner, owner], [byType, r.Type]] as [Map<string, [number, number]>, string][]) {
      const e = m.get(k) ?? [0, 0]; e[0]++; e[1] += resourceBytes(r); m.set(k, e);
    }
  }
  for (const [title, m] of [['By owner (logical id prefix)', byOwner], ['By resource type', byType]] as [string, Map<string, [number, number]>][]) {
    console.log(`\n${title}: resources, bytes as written`);
    for (const [k, [n, b]] of [...m.entries()].sort((x, y) => y[1][1] - x[1][1])) console.log(`  ${String(n).padStart(4)}  ${String(b).padStart(8)} B  ${k}`);
  }

  // 1. One table job (Job000: reads bronze, writes entity_000) and its table, by resource.
  const own: [string, number][] = [];
  for (const [id, r] of Object.entries<Json>(t.Resources)) {
    if (/^Job000[A-Z0-9]/.test(id) || /^Table000/.test(id)) own.push([`${r.Type} ${id}`, resourceBytes(r)]);
  }
  // What the job and its table add to shared resources: the two staging lifecycle rules of the prefix.
  const silver = Object.entries<Json>(t.Resources).find(([id]) => id.startsWith('LakeSilverBucket') && !id.includes('Policy'))![1];
  const rules = silver.Properties.LifecycleConfiguration.Rules.filter((r: Json) => String(r.Prefix ?? '').startsWith('entity_000/'));
  own.push(['AWS::S3::Bucket LakeSilverBucket: 2 Spark staging lifecycle rules of entity_000/', rules.reduce((a: number, r: Json) => a + subtreeBytes(r, 6) + 7, 0)]);
  report('One table job (Job000) and its table, by resource (as written)', own);

  // 2. Inside the job: the policy, by statement and metadata; the job, by property.
  const [policyId, policy] = jobPolicies(t).find(([id]) => id.startsWith('Job000'))!;
  const policyRows: [string, number][] = policy.Properties.PolicyDocument.Statement.map((s: Json) => [label(s), subtreeBytes(s, 6) + 7]);
  policyRows.push(['Metadata.cdk_nag (suppressions, with reasons)', subtreeBytes(policy.Metadata?.cdk_nag ?? {}, 3)]);
  report(`Job000's role policy ${policyId}, by statement (as written, ${resourceBytes(policy)} B)`, policyRows, resourceBytes(policy));
  const job = Object.entries<Json>(t.Resources).find(([id, r]) => id.startsWith('Job000') && r.Type === 'AWS::Glue::Job')![1];
  const jobRows: [string, number][] = [];
  for (const [k, v] of Object.entries<Json>(job.Properties)) {
    if (k === 'DefaultArguments' || k === 'NonOverridableArguments') {
      for (const [a, av] of Object.entries<Json>(v)) jobRows.push([`${k} ${a}`, subtreeBytes(av, 5) + a.length + 9]);
    } else {jobRows.push([k, subtreeBytes(v, 3) + k.length + 7]);}
  }
  report(`Job000's AWS::Glue::Job (${resourceBytes(job)} B), by property / argument`, jobRows.sort((a, b) => b[1] - a[1]).slice(0, 14), resourceBytes(job));

  // 3. Statements repeated across job roles.
  const policies = jobPolicies(t);
  const count = new Map<string, number>();
  for (const [, p] of policies) {
    for (const s of p.Properties.PolicyDocument.Statement) count.set(JSON.stringify(s), (count.get(JSON.stringify(s)) ?? 0) + 1);
  }
  const repeated = [...count.entries()].filter(([, n]) => n > 1).sort((a, b) => b[1] - a[1]);
  console.log(`\nStatements identical in several of the ${policies.length} job roles (count, bytes each as written, label):`);
  for (const [s, n] of repeated) console.log(`  ${String(n).padStart(4)}x  ${String(subtreeBytes(JSON.parse(s), 6) + 7).padStart(5)} B  ${label(JSON.parse(s))}`);

  // 4. Candidate savings, measured.
  const candidates: [string, Json][] = [
    ['A. suppressTemplateIndentation (minified template; stack prop / @aws-cdk/core:suppressTemplateIndentation)', null],
    ['B. one managed policy for statements identical in EVERY job role', sharedManagedPolicies(t, policies.length)],
    ['C. one managed policy per set of roles sharing identical statements (>= 2 roles)', sharedManagedPolicies(t, 2)],
    ['D. merge statements per resource / per action set (job policies)', mergeStatements(t, true)],
    ['D2. merge statements per resource / per action set (all policies)', mergeStatements(t, false)],
    ['E. job policy inlined in the role (Role.Policies): -1 resource per job', inlineJobPolicies(t)],
    ['F. no cdk-nag 2 template metadata on job resources (acknowledgements kept for cdk-nag 3)', stripNagMetadata(t, true)],
    ['F2. no cdk-nag 2 template metadata anywhere', stripNagMetadata(t, false)],
    ['G. no --<table>_merge_sql argument (runtime builds it from the catalog)', dropMergeSql(t)],
    ['H. every single-role AWS::IAM::Policy inlined in its role (jobs, Lambdas, state machine)', inlineAllPolicies(t)],
    ['I. Glue scheduled triggers grouped per schedule expression', groupTriggers(t)],
    ['C+D+E+G combined', dropMergeSql(inlineJobPolicies(mergeStatements(sharedManagedPolicies(t, 2), true)))],
    ['C+D+E+F+G combined', stripNagMetadata(dropMergeSql(inlineJobPolicies(mergeStatements(sharedManagedPolicies(t, 2), true))), true)],
    ['C+D+H+G+I combined', groupTriggers(dropMergeSql(inlineAllPolicies(mergeStatements(sharedManagedPolicies(t, 2), true))))],
  ];
  console.log('\nManaged policies of candidate C (statements identical in the same set of >= 2 job roles):');
  VERBOSE.groups = true;
  sharedManagedPolicies(t, 2);
  VERBOSE.groups = false;
  console.log(`\nCandidate savings at ${jobs} jobs (as written; per job = saving / ${jobs}):`);
  for (const [name, after] of candidates) {
    const bytes = after ? written(after) : minified(t);
    const res = after ? Object.keys(after.Resources).length : resources;
    const saved = base - bytes;
    console.log(`  ${name}\n      -> ${res} resources (${res - resources >= 0 ? '+' : ''}${res - resources}), ${(bytes / 1024).toFixed(1)} KB as written` +
      ` (${(minified(after ?? t) / 1024).toFixed(1)} KB minified); saves ${(saved / 1024).toFixed(1)} KB = ${Math.round(saved / jobs)} B/job`);
  }
  // What remains, minified, after every candidate (A + C + D + F2 + G + H + I).
  const rest = stripNagMetadata(groupTriggers(dropMergeSql(inlineAllPolicies(mergeStatements(sharedManagedPolicies(t, 2), true)))), false);
  const left = new Map<string, [number, number]>();
  for (const [id, r] of Object.entries<Json>(rest.Resources)) {
    const k = /^Job\d{3}/.test(id) ? `Job* ${r.Type}` : /^Table\d{3}/.test(id) ? `Table* ${r.Type}` : `other ${r.Type}`;
    const e = left.get(k) ?? [0, 0]; e[0]++; e[1] += minified(r); left.set(k, e);
  }
  console.log(`\nLeft after A+C+D+F2+G+H+I: ${Object.keys(rest.Resources).length} resources, ${(minified(rest) / 1024).toFixed(1)} KB minified; by owner and type (resources, minified bytes):`);
  for (const [k, [n, b]] of [...left.entries()].sort((x, y) => y[1][1] - x[1][1]).slice(0, 16)) console.log(`  ${String(n).padStart(4)}  ${String(b).padStart(8)} B  ${k}`);
}

main();
