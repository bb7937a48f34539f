#!/usr/bin/env node
// Lets examples/ import the library by its package name ('cdk-glue-lake'), as a user would:
// node_modules/cdk-glue-lake -> the project root (main: lib/index.js). Same aws-cdk-lib instance.
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const link = path.join(root, 'node_modules', 'cdk-glue-lake');
let current;
try { current = fs.readlinkSync(link); } catch { current = undefined; }
if (current !== '..') {
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync('..', link, 'dir');
}
if (!fs.existsSync(path.join(root, 'lib', 'index.js'))) {
  console.warn('link-self: lib/index.js is missing: compile the library (npx projen compile) before using the link');
}
