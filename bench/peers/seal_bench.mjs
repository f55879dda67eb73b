// SEAL (node-seal 6.0.3, SEAL compiled to WebAssembly) BFV, BGV and CKKS
// timings for bench_he_schemes: the same operations at N = 8192 (BFVDefault
// modulus; CKKS: CoeffModulus.Create(8192, [60, 40, 40, 60]), scale 2^40)
// as CCS's default sets, one thread, median of `reps` runs.
// Usage: node seal_bench.mjs <peers dir> <reps>; prints one JSON object.
import { createRequire } from 'node:module';
import path from 'node:path';

const [peers, repsArg] = process.argv.slice(2);
const reps = Number(repsArg || 11);
const require = createRequire(path.join(path.resolve(peers), 'package.json'));
const SEAL = require('node-seal');
const seal = await SEAL();

function median(f) {
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    f();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

function run(scheme, n) {
  const parms = seal.EncryptionParameters(scheme === 'bfv' ? seal.SchemeType.bfv : seal.SchemeType.bgv);
  parms.setPolyModulusDegree(n);
  parms.setCoeffModulus(seal.CoeffModulus.BFVDefault(n));
  parms.setPlainModulus(seal.PlainModulus.Batching(n, 20));
  const ctx = seal.Context(parms, true, seal.SecurityLevel.tc128);
  if (!ctx.parametersSet()) throw new Error('SEAL refused the parameters');
  const kg = seal.KeyGenerator(ctx);
  const pk = kg.createPublicKey(), sk = kg.secretKey(), rk = kg.createRelinKeys();
  const gk = kg.createGaloisKeys(Int32Array.from([1]));
  const enc = seal.BatchEncoder(ctx), encr = seal.Encryptor(ctx, pk), dec = seal.Decryptor(ctx, sk);
  const ev = seal.Evaluator(ctx);
  const vals = Int32Array.from({ length: n }, (_, i) => i % 1000);
  const pt = enc.encode(vals);
  const a = encr.encrypt(pt), b = encr.encrypt(pt);
  const out = seal.CipherText();
  const r = {
    encrypt_ms: median(() => encr.encrypt(pt).delete()),
    decrypt_ms: median(() => dec.decrypt(a).delete()),
    mul_relin_ms: median(() => { ev.multiply(a, b, out); ev.relinearize(out, rk, out); }),
    rotate_ms: median(() => ev.rotateRows(a, 1, gk, out)),
  };
  // the product decrypts to the slot-wise square mod t
  ev.multiply(a, b, out); ev.relinearize(out, rk, out);
  const got = enc.decode(dec.decrypt(out));
  const t = Number(parms.plainModulus.value);
  r.checked = got[7] === (7 * 7) % t;
  return r;
}

function runCkks(n) {
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(n);
  parms.setCoeffModulus(seal.CoeffModulus.Create(n, Int32Array.from([60, 40, 40, 60])));
  const ctx = seal.Context(parms, true, seal.SecurityLevel.tc128);
  if (!ctx.parametersSet()) throw new Error('SEAL refused the CKKS parameters');
  const kg = seal.KeyGenerator(ctx);
  const pk = kg.createPublicKey(), sk = kg.secretKey(), rk = kg.createRelinKeys();
  const gk = kg.createGaloisKeys(Int32Array.from([1]));
  const enc = seal.CKKSEncoder(ctx), encr = seal.Encryptor(ctx, pk), dec = seal.Decryptor(ctx, sk);
  const ev = seal.Evaluator(ctx);
  const scale = Math.pow(2, 40);
  const vals = Float64Array.from({ length: n / 2 }, (_, i) => ((i * 7919) % 2001) / 1000 - 1);
  const pt = enc.encode(vals, scale);
  const a = encr.encrypt(pt), b = encr.encrypt(pt);
  const out = seal.CipherText();
  const mrr = () => { ev.multiply(a, b, out); ev.relinearize(out, rk, out); ev.rescaleToNext(out, out); };
  const r = {
    encrypt_ms: median(() => encr.encrypt(pt).delete()),
    decrypt_ms: median(() => dec.decrypt(a).delete()),
    mul_relin_rescale_ms: median(mrr),
    rotate_ms: median(() => ev.rotateVector(a, 1, gk, out)),
  };
  mrr();
  const got = enc.decode(dec.decrypt(out));
  r.checked = Math.abs(got[7] - vals[7] * vals[7]) < 1e-4;
  return r;
}

console.log(JSON.stringify({ library: 'node-seal 6.0.3', n: 8192, bfv: run('bfv', 8192), bgv: run('bgv', 8192),
  ckks: runCkks(8192) }));
