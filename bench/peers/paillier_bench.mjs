#!/usr/bin/env node
// paillier-bigint 3.4.3 timings for bench_he_paillier (bench/he_paillier.c):
//   node paillier_bench.mjs PEERS_DIR BITS REPS
// Prints "encrypt <median us>", "decrypt <median us>", "add <median us>",
// "keygen <ms>"; "SKIP ..." when the peer is not installed.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [peers, bitsArg, repsArg] = process.argv.slice(2);
const modules = path.resolve(peers || 'peers', 'node_modules');
if (!fs.existsSync(path.join(modules, 'paillier-bigint', 'package.json'))) {
  console.log('SKIP: paillier-bigint not installed (scripts/install-deps.sh --peers)');
  process.exit(0);
}
const require = createRequire(path.join(modules, 'noop.js'));
const paillier = await import(pathToFileURL(require.resolve('paillier-bigint')).href);
const bits = Number(bitsArg || 2048);
const reps = Math.max(3, Number(repsArg || 11));

function median(fn, n, inner = 1) {
  const t = [];
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    for (let j = 0; j < inner; j++) fn(j);
    t.push(Number(process.hrtime.bigint() - s) / 1e3 / inner);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(n / 2)];
}

const k0 = process.hrtime.bigint();
// the simple variant: g = n + 1, as ours
const { publicKey, privateKey } = await paillier.generateRandomKeys(bits, true);
const keygenMs = Number(process.hrtime.bigint() - k0) / 1e6;
const m = 123456789n * 987654321n;
const c = publicKey.encrypt(m);
const c2 = publicKey.encrypt(m + 1n);
if (privateKey.decrypt(c) !== m) throw new Error('paillier-bigint round trip failed');
console.log(`encrypt ${median(() => publicKey.encrypt(m), reps).toFixed(1)}`);
console.log(`decrypt ${median(() => privateKey.decrypt(c), reps).toFixed(1)}`);
console.log(`add ${median(() => publicKey.addition(c, c2), reps, 200).toFixed(2)}`);
console.log(`keygen ${keygenMs.toFixed(0)} ms (node ${process.version}, n = ${bits} bits, us per op, median of ${reps})`);
