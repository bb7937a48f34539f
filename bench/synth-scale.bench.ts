/**
 * Synthesis benchmark of the scale app (issue 17): per size (1, 50, 100, 200 jobs; tables = jobs / 2)
 * the resources, the template bytes (as written to cdk.out, 1-space indented JSON: the file the
 * default synthesizer uploads and CloudFormation's TemplateURL points to; and minified), synthesis
 * time (median of 3, each a fresh App, after one unmeasured warm-up synthesis) and the peak RSS of a process that builds and synthesizes
 * that size 3 times (ts-node's compiler included: the warm RSS column is the process after the
 * warm-up, before the measured runs); then the per-job and per-table increments, the scheduled variant, and the
 * comparison with the same lake written with raw aws-cdk-lib `glue.PySparkEtlJob` jobs, with
 * aws-cdk-lib's builtin CloudFormation validation on and off (`App({ builtinCloudFormationValidation })`),
 * in separate processes and, for the ratio, alternating in one process (`interleaved`).
 *
 * Each configuration runs in its own child process (so peak memory is that configuration's).
 * Run: npx ts-node --project test/tsconfig.json -T bench/synth-scale.bench.ts [--quick]
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildRawScaleApp, buildScaleApp } from '../test/helpers/scale-app';

interface Config {
  readonly variant: 'lib' | 'raw';
  readonly jobs: number;
  readonly tables: number;
  readonly scheduled: boolean;
  readonly validation: boolean;
  readonly runs: number;
}

interface Result extends Config {
  readonly resources: number;
  readonly bytesWritten: number;
  readonly bytesMinified: number;
  readonly medianMs: number;
  readonly timesMs: number[];
  readonly peakRssMb: number;
  readonly baselineRssMb: number;
  readonly byType: Record<string, number>;
  /** Minified bytes by resource type. */
  readonly bytesByType: Record<string, number>;
  /** Minified bytes of the first job's resources and of the first table's (`Job000*`, `Table000*`), by type. */
  readonly firstJobAndTable: Record<string, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function runChild(config: Config): Result {
  // Warm up (module loading, JIT): one synthesis of a 1-job app, not counted.
  const warm = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-synth-'));
  (config.variant === 'lib' ? buildScaleApp : buildRawScaleApp)({ jobs: 1, tables: 0, validation: config.validation, outdir: warm }).app.synth();
  fs.rmSync(warm, { recursive: true, force: true });
  const baselineRssMb = process.memoryUsage().rss / 1024 / 1024;
  const times: number[] = [];
  let last: Omit<Result, keyof Config | 'medianMs' | 'timesMs' | 'peakRssMb' | 'baselineRssMb'> | undefined;
  for (let r = 0; r < config.runs; r++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-synth-'));
    const started = process.hrtime.bigint();
    const build = config.variant === 'lib' ? buildScaleApp : buildRawScaleApp;
    const { app, stack } = build({ jobs: config.jobs, tables: config.tables, scheduled: config.scheduled, validation: config.validation, outdir });
    const assembly = app.synth();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    const artifact = assembly.getStackByName(stack.stackName);
    const template = artifact.template;
    const byType: Record<string, number> = {};
    const bytesByType: Record<string, number> = {};
    const firstJobAndTable: Record<string, number> = {};
    for (const [id, resource] of Object.entries<any>(template.Resources)) {
      const bytes = Buffer.byteLength(JSON.stringify(resource));
      byType[resource.Type] = (byType[resource.Type] ?? 0) + 1;
      bytesByType[resource.Type] = (bytesByType[resource.Type] ?? 0) + bytes;
      const first = /^(Job000|Table000)/.exec(id);
      if (first) firstJobAndTable[`${first[1]} ${resource.Type}`] = (firstJobAndTable[`${first[1]} ${resource.Type}`] ?? 0) + bytes;
    }
    last = {
      resources: Object.keys(template.Resources).length,
      bytesWritten: fs.statSync(artifact.templateFullPath).size,
      bytesMinified: Buffer.byteLength(JSON.stringify(template)),
      byType,
      bytesByType,
      firstJobAndTable,
    };
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  // maxRSS is in kilobytes (Linux): the peak of this process, over all runs.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return { ...config, ...last!, medianMs: median(times), timesMs: times, peakRssMb, baselineRssMb };
}

function spawn(config: Config): Result {
  const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', JSON.stringify(config)], {
    // The child builds its App with builtinCloudFormationValidation = config.validation.
    encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.trim().split('\n').filter(l => l.startsWith('RESULT ')).pop();
  if (!line) throw new Error(`child printed no result:\n${out}`);
  return JSON.parse(line.slice('RESULT '.length));
}

/**
 * Library vs raw synthesis times measured in one process, alternating (lib, raw) round by round after
 * two warm-up rounds: both see the same machine state, so the ratio holds on a busy machine, where
 * the per-configuration medians above swing by half. Returns the medians (ms).
 */
function interleaved(validation: boolean, rounds: number): { lib: number; raw: number } {
  const once = (build: typeof buildScaleApp) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-synth-'));
    const started = process.hrtime.bigint();
    build({ jobs: 50, tables: 25, validation, outdir }).app.synth();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    fs.rmSync(outdir, { recursive: true, force: true });
    return ms;
  };
  const lib: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    const l = once(buildScaleApp);
    const w = once(buildRawScaleApp);
    if (r >= 2) { lib.push(l); raw.push(w); }
  }
  return { lib: median(lib), raw: median(raw) };
}

function spawnInterleaved(validation: boolean, rounds: number): { lib: number; raw: number } {
  const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--interleaved', String(validation), String(rounds)], {
    encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.trim().split('\n').filter(l => l.startsWith('RESULT ')).pop();
  if (!line) throw new Error(`child printed no result:\n${out}`);
  return JSON.parse(line.slice('RESULT '.length));
}

const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;

function row(r: Result): string {
  return [
    `${r.variant}`.padEnd(4), String(r.jobs).padStart(4), String(r.tables).padStart(6), (r.scheduled ? 'yes' : 'no').padStart(5),
    (r.validation ? 'on' : 'off').padStart(5), String(r.resources).padStart(9), kb(r.bytesWritten).padStart(11), kb(r.bytesMinified).padStart(11),
    `${(r.medianMs / 1000).toFixed(2)} s`.padStart(8), `${r.peakRssMb.toFixed(0)} MB`.padStart(8), `${r.baselineRssMb.toFixed(0)} MB`.padStart(8),
    `  [${r.timesMs.map(t => (t / 1000).toFixed(2)).join(', ')}]`,
  ].join('  ');
}

function main(): void {
  // --quick or SCALE_BENCH_RUNS=1 (CI): one measured run per configuration.
  const quick = process.argv.includes('--quick');
  const runs = quick ? 1 : Number(process.env.SCALE_BENCH_RUNS ?? 3);
  const header = 'var   jobs  tables  sched  valid  resources    as-written    minified   synth   peak RSS  warm RSS  runs (s)';
  const results: Result[] = [];
  const run = (c: Omit<Config, 'runs'>) => {
    const r = spawn({ ...c, runs });
    results.push(r);
    console.log(row(r));
    return r;
  };
  console.log(`Scale app synthesis, aws-cdk-lib ${JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf-8')).version}, node ${process.version}, ${os.cpus().length} CPUs; median of ${runs}\n`);
  console.log(header);
  const sizes = [1, 50, 100, 200].map(jobs => run({ variant: 'lib', jobs, tables: Math.floor(jobs / 2), scheduled: false, validation: true }));
  // Separate per-job and per-table increments: 100 jobs with 0 and 50 tables, 150 jobs with 50 tables.
  const j100t0 = run({ variant: 'lib', jobs: 100, tables: 0, scheduled: false, validation: true });
  const j150t50 = run({ variant: 'lib', jobs: 150, tables: 50, scheduled: false, validation: true });
  const sched = run({ variant: 'lib', jobs: 100, tables: 50, scheduled: true, validation: true });
  const lib50off = run({ variant: 'lib', jobs: 50, tables: 25, scheduled: false, validation: false });
  const raw50on = run({ variant: 'raw', jobs: 50, tables: 25, scheduled: false, validation: true });
  const raw50off = run({ variant: 'raw', jobs: 50, tables: 25, scheduled: false, validation: false });
  const raw100 = run({ variant: 'raw', jobs: 100, tables: 50, scheduled: false, validation: true });

  const j100t50 = sizes[2];
  const perTableRes = (j100t50.resources - j100t0.resources) / 50;
  const perTableBytes = (j100t50.bytesWritten - j100t0.bytesWritten) / 50;
  const perJobRes = (j150t50.resources - j100t50.resources) / 50;
  const perJobBytes = (j150t50.bytesWritten - j100t50.bytesWritten) / 50;
  const perJobBytesMin = (j150t50.bytesMinified - j100t50.bytesMinified) / 50;
  const fixedRes = j100t0.resources - 100 * perJobRes;
  const fixedBytes = j100t0.bytesWritten - 100 * perJobBytes;
  console.log('\nIncrements (as written):');
  console.log(`  per prefix job (100 -> 150 jobs, 50 tables): ${perJobRes.toFixed(2)} resources, ${kb(perJobBytes)} (minified ${kb(perJobBytesMin)})`);
  console.log(`  per table + its loading job instead of a prefix job (100 jobs, 0 -> 50 tables): ${perTableRes.toFixed(2)} resources, ${kb(perTableBytes)}`);
  console.log(`  per job-pair step of the series (jobs + jobs/2 tables), 100 -> 200: ${((sizes[3].resources - sizes[2].resources) / 100).toFixed(2)} resources, ${kb((sizes[3].bytesWritten - sizes[2].bytesWritten) / 100)} per job`);
  console.log(`  fixed part (lake, orchestrator, tokenizer, shared job resources): ~${fixedRes.toFixed(0)} resources, ~${kb(fixedBytes)}`);
  console.log(`  scheduled trigger per job: ${((sched.resources - j100t50.resources) / 100).toFixed(2)} resources, ${kb((sched.bytesWritten - j100t50.bytesWritten) / 100)}`);
  const maxJobs = (limitRes: number, limitBytes: number) =>
    Math.floor(Math.min((limitRes - fixedRes) / (perJobRes + perTableRes / 2), (limitBytes - fixedBytes) / (perJobBytes + perTableBytes / 2)));
  const fixedMin = j100t0.bytesMinified - 100 * perJobBytesMin;
  const perTableMin = (j100t50.bytesMinified - j100t0.bytesMinified) / 50;
  const maxJobsMin = (limitRes: number, limitBytes: number) =>
    Math.floor(Math.min((limitRes - fixedRes) / (perJobRes + perTableRes / 2), (limitBytes - fixedMin) / (perJobBytesMin + perTableMin / 2)));
  console.log(`  jobs (half with a table) that fit one stack, as written: ${maxJobs(500, 1_000_000)} at CloudFormation's limits (500 resources, 1,000,000 B), ${maxJobs(400, 800_000)} before the stackNearLimit warning (80%), ${maxJobs(350, 700_000)} at 350 resources / 700 KB`);
  console.log(`  the same, minified (suppressTemplateIndentation): ${maxJobsMin(500, 1_000_000)}, ${maxJobsMin(400, 800_000)}, ${maxJobsMin(350, 700_000)}`);
  console.log('\nSynthesis, 50 jobs / 25 tables, library vs raw aws-cdk-lib PySparkEtlJob:');
  console.log(`  separate processes (table above), validation on : ${(sizes[1].medianMs / 1000).toFixed(2)} s vs ${(raw50on.medianMs / 1000).toFixed(2)} s = ${(sizes[1].medianMs / raw50on.medianMs).toFixed(2)}x`);
  console.log(`  separate processes (table above), validation off: ${(lib50off.medianMs / 1000).toFixed(2)} s vs ${(raw50off.medianMs / 1000).toFixed(2)} s = ${(lib50off.medianMs / raw50off.medianMs).toFixed(2)}x`);
  // The ratio to quote: alternating in one process (SCALE_BENCH_RUNS=1, as in CI: 3 rounds; else 9).
  const rounds = runs === 1 ? 3 : 9;
  for (const validation of [true, false]) {
    const r = spawnInterleaved(validation, rounds);
    console.log(`  interleaved, median of ${rounds}, validation ${validation ? 'on ' : 'off'}: ${(r.lib / 1000).toFixed(2)} s vs ${(r.raw / 1000).toFixed(2)} s = ${(r.lib / r.raw).toFixed(2)}x`);
  }
  console.log(`  bytes 100 jobs: ${kb(j100t50.bytesWritten)} vs raw ${kb(raw100.bytesWritten)} = ${(j100t50.bytesWritten / raw100.bytesWritten).toFixed(2)}x; resources ${j100t50.resources} vs ${raw100.resources}`);
  console.log('\nWhere the bytes go, 100 jobs / 50 tables (resources, minified bytes, by type):');
  for (const [type, n] of Object.entries(j100t50.bytesByType).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${String(j100t50.byType[type]).padStart(4)}  ${kb(n).padStart(10)}  ${type}`);
  }
  console.log('\nThe first job (it loads the first table) and that table (minified bytes):');
  for (const [what, n] of Object.entries(j100t50.firstJobAndTable).sort((a, b) => b[1] - a[1])) console.log(`  ${kb(n).padStart(10)}  ${what}`);
  if (process.env.SCALE_BENCH_JSON) fs.writeFileSync(process.env.SCALE_BENCH_JSON, JSON.stringify(results, undefined, 1));
}

if (process.argv[2] === '--child') {
  const result = runChild(JSON.parse(process.argv[3]));
  console.log(`RESULT ${JSON.stringify(result)}`);
} else if (process.argv[2] === '--interleaved') {
  console.log(`RESULT ${JSON.stringify(interleaved(process.argv[3] === 'true', Number(process.argv[4])))}`);
} else {
  main();
}
