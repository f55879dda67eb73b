#!/usr/bin/env node
// Interop of ccs Paillier (ccs/he_paillier.h) with npm paillier-bigint 3.4.3
// (independent BigInt implementation, g = n + 1 in its "simple variant").
//
//   node paillier_interop.mjs PAILLIER_INTEROP_BINARY PEERS_DIR WORK_DIR
//
// (a) our 2048-bit key: paillier-bigint, given our n, p, q, decrypts our fast
//     (DJN) and standard ciphertexts, and we decrypt its ciphertexts;
// (b) with the same r, our standard encryption equals its encrypt(m, r)
//     (same integer);
// (c) homomorphic sums across implementations (its addition of our
//     ciphertexts, our sum of its ciphertexts);
// (d) its key (generateRandomKeys(2048, true): |p| = |q| + 1): we decrypt its
//     ciphertexts from its p, q and it decrypts ours made from its n.
//
// Exit status: 0 when all pass, 1 on any failure, 77 (ctest skip) when the
// peer is not installed (scripts/install-deps.sh --peers).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SKIP = 77;
const [bin, peers, work] = process.argv.slice(2);
if (!bin || !peers || !work) {
  console.error('usage: paillier_interop.mjs BINARY PEERS_DIR WORK_DIR');
  process.exit(2);
}
const modules = path.resolve(peers, 'node_modules');
if (!fs.existsSync(path.join(modules, 'paillier-bigint', 'package.json'))) {
  console.log('SKIP: npm peer paillier-bigint not installed (scripts/install-deps.sh --peers)');
  process.exit(SKIP);
}
const require = createRequire(path.join(modules, 'noop.js'));
const paillier = await import(pathToFileURL(require.resolve('paillier-bigint')).href);

let passed = 0;
let failed = 0;
function ok(cond, what, detail) {
  if (cond) passed++;
  else failed++;
  console.log(`${cond ? 'ok' : 'not ok'} - ${what}${cond || !detail ? '' : ': ' + detail}`);
}
function attempt(what, fn) {
  try {
    ok(fn(), what);
  } catch (e) {
    ok(false, what, e && e.message);
  }
}
const hex = (x) => x.toString(16);
const rdNums = (dir, f) =>
  fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l.length).map((l) => BigInt('0x' + l));
const wrNums = (dir, f, v) => fs.writeFileSync(path.join(dir, f), v.map(hex).join('\n') + '\n');
function runC(args) {
  execFileSync(bin, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}
function randBelow(n) {
  const bytes = Math.ceil(n.toString(2).length / 8) + 8;
  return BigInt('0x' + randomBytes(bytes).toString('hex')) % n;
}
const gcd = (a, b) => (b === 0n ? a : gcd(b, a % b));
const modInv = (a, m) => {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
};
// paillier-bigint keys for g = n + 1 from p and q (as its simple variant does)
function keysFromPQ(p, q) {
  const n = p * q;
  const pub = new paillier.PublicKey(n, n + 1n);
  const phi = (p - 1n) * (q - 1n);
  return { pub, priv: new paillier.PrivateKey(phi, modInv(phi, n), pub, p, q) };
}
function messages(n) {
  const m = [0n, 1n, n - 1n, 2n ** 64n + 7n];
  for (let i = 0; i < 6; i++) m.push(randBelow(n));
  return m;
}

fs.rmSync(work, { recursive: true, force: true });
const A = path.join(work, 'ours');
const B = path.join(work, 'theirs');
fs.mkdirSync(A, { recursive: true });
fs.mkdirSync(B, { recursive: true });

// ---- (a)-(c): our key ----
runC(['keygen', A]);
const [n] = rdNums(A, 'n');
const [p] = rdNums(A, 'p');
const [q] = rdNums(A, 'q');
ok(p * q === n && n.toString(2).length === 2048, 'our key: n = p q, 2048 bits');
const ours = keysFromPQ(p, q);
const msgs = messages(n);
wrNums(A, 'msgs', msgs);
for (const mode of ['fast', 'standard']) {
  runC(['encrypt', A, mode, 'msgs', `ct_${mode}`]);
  const cts = rdNums(A, `ct_${mode}`);
  attempt(`paillier-bigint decrypts our ${mode} ciphertexts (${cts.length})`, () =>
    cts.length === msgs.length && cts.every((c, i) => ours.priv.decrypt(c) === msgs[i]));
}
const theirCts = msgs.map((m) => ours.pub.encrypt(m));
wrNums(A, 'ct_theirs', theirCts);
runC(['decrypt', A, 'ct_theirs', 'pt_theirs']);
attempt('we decrypt paillier-bigint ciphertexts under our key', () => {
  const pt = rdNums(A, 'pt_theirs');
  return pt.length === msgs.length && pt.every((m, i) => m === msgs[i]);
});
// (b) same r, same ciphertext
const rs = msgs.map(() => {
  let r;
  do r = randBelow(n); while (r === 0n || gcd(r, n) !== 1n);
  return r;
});
wrNums(A, 'rs', rs);
runC(['encrypt_r', A, 'msgs', 'rs', 'ct_r']);
attempt('our standard encryption with r equals paillier-bigint encrypt(m, r)', () => {
  const cts = rdNums(A, 'ct_r');
  return cts.length === msgs.length && cts.every((c, i) => c === ours.pub.encrypt(msgs[i], rs[i]));
});
// (c) sums across implementations
const oursFast = rdNums(A, 'ct_fast');
const want = msgs.reduce((s, m) => (s + m) % n, 0n);
attempt('paillier-bigint addition of our fast ciphertexts decrypts (ours) to the sum', () => {
  wrNums(A, 'ct_sum_theirs', [ours.pub.addition(...oursFast)]);
  runC(['decrypt', A, 'ct_sum_theirs', 'pt_sum_theirs']);
  return rdNums(A, 'pt_sum_theirs')[0] === want;
});
attempt('our homomorphic sum of paillier-bigint ciphertexts decrypts (theirs) to the sum', () => {
  runC(['sum', A, 'ct_theirs', 'ct_sum_ours']);
  return ours.priv.decrypt(rdNums(A, 'ct_sum_ours')[0]) === want;
});
attempt('paillier-bigint multiply(our ciphertext, k) decrypts (ours) to k m mod n', () => {
  const k = 123456789012345n;
  wrNums(A, 'ct_mul', [ours.pub.multiply(oursFast[4], k)]);
  runC(['decrypt', A, 'ct_mul', 'pt_mul']);
  return rdNums(A, 'pt_mul')[0] === (msgs[4] * k) % n;
});

// ---- (d): their key ----
const theirs = await paillier.generateRandomKeys(2048, true);
const tn = theirs.publicKey.n;
wrNums(B, 'n', [tn]);
wrNums(B, 'p', [theirs.privateKey._p]);
wrNums(B, 'q', [theirs.privateKey._q]);
const tmsgs = messages(tn);
wrNums(B, 'msgs', tmsgs);
wrNums(B, 'ct_theirs', tmsgs.map((m) => theirs.publicKey.encrypt(m)));
attempt('we decrypt ciphertexts under a paillier-bigint key (from its p, q)', () => {
  runC(['decrypt', B, 'ct_theirs', 'pt_theirs']);
  const pt = rdNums(B, 'pt_theirs');
  return pt.length === tmsgs.length && pt.every((m, i) => m === tmsgs[i]);
});
for (const mode of ['fast', 'standard']) {
  attempt(`paillier-bigint decrypts our ${mode} ciphertexts under its key (from its n)`, () => {
    runC(['encrypt', B, mode, 'msgs', `ct_${mode}`]);
    const cts = rdNums(B, `ct_${mode}`);
    return cts.length === tmsgs.length && cts.every((c, i) => theirs.privateKey.decrypt(c) === tmsgs[i]);
  });
}
console.log(`# ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
