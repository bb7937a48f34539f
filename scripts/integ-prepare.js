#!/usr/bin/env node
// Installs the compiled library, packed as npm would publish it, into integ/node_modules so the
// integ tests import 'cdk-glue-lake' like a user and resolve aws-cdk-lib from the integ package
// (which pins the cloud-assembly schema integ-runner reads). Installs the integ package first if needed.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const integ = path.join(root, 'integ');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

if (!fs.existsSync(path.join(integ, 'node_modules', '@aws-cdk', 'integ-runner'))) {
  console.log('integ: installing the integ package (npm ci)');
  for (let attempt = 1; ; attempt++) {
    try { run('npm', ['ci', '--no-audit', '--no-fund'], integ); break; } catch (e) { if (attempt >= 3) throw e; }
  }
}
if (!fs.existsSync(path.join(root, 'lib', 'index.js'))) {
  throw new Error('integ: lib/index.js is missing: compile the library first (npx projen compile)');
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-glue-lake-pack-'));
const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], root));
const tarball = path.join(tmp, out[0].filename);
const target = path.join(integ, 'node_modules', 'cdk-glue-lake');
fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(target, { recursive: true });
run('tar', ['-xzf', tarball, '--strip-components=1', '-C', target], root);
fs.rmSync(tmp, { recursive: true, force: true });
// jsii-docgen discovers every .jsii under the project: a copy here would shadow the fresh one.
fs.rmSync(path.join(target, '.jsii'), { force: true });
console.log(`integ: installed ${out[0].name}@${out[0].version} (${out[0].entryCount} files) into integ/node_modules`);
