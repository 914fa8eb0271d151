/* SPDX-License-Identifier: MIT */
// node: a worker thread runs while child_process.execFileSync starts a
// program (libuv forks and execs); the audit sees what the forked child
// calls before its exec.
const { Worker } = require('worker_threads');
const { execFileSync } = require('child_process');
const w = new Worker('setTimeout(() => {}, 2000)', { eval: true });
const out = execFileSync('/bin/true');
console.log('parent done', out.length);
w.terminate();
