#!/usr/bin/env node
// Interop of the KBS token and encryption layer with the npm `jose` package
// (every JOSE algorithm, independent of libjose) and `canonicalize` (RFC 8785
// by its author).
//
//   node jose_interop.mjs KBS_JOSE_INTEROP_BINARY PEERS_DIR WORK_DIR
//
// (a) npm jose verifies the EAR token we issued (jwtVerify with our public JWK)
//     and reads the claims the KBS relies on;
// (b) npm jose decrypts the resource JWEs we made (flattenedDecrypt) for
//     ECDH-ES+A256KW, RSA-OAEP and RSA-OAEP-256;
// (c) npm jose makes JWEs and tokens (good ones and ones we must refuse:
//     alg none, HS256, expired, another key) that our code decrypts/verifies;
// (d) canonicalize and our JCS agree on a set of values, and on the runtime
//     data digest that binds the nonce and tee-pubkey to the report data.
//
// Exit status: 0 when all pass, 1 on any failure, 77 (ctest skip) when the
// peers are not installed (scripts/install-deps.sh --peers; `make test`).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SKIP = 77;
const [bin, peers, work] = process.argv.slice(2);
if (!bin || !peers || !work) {
  console.error('usage: jose_interop.mjs BINARY PEERS_DIR WORK_DIR');
  process.exit(2);
}
const modules = path.resolve(peers, 'node_modules');
if (!fs.existsSync(path.join(modules, 'jose', 'package.json')) ||
    !fs.existsSync(path.join(modules, 'canonicalize', 'package.json'))) {
  console.log('SKIP: npm peers jose/canonicalize not installed (scripts/install-deps.sh --peers)');
  process.exit(SKIP);
}
const require = createRequire(path.join(modules, 'noop.js'));
const jose = await import(pathToFileURL(require.resolve('jose')).href);
const canonicalize = require('canonicalize');

let passed = 0;
let failed = 0;
function ok(cond, what, detail) {
  if (cond) passed++;
  else failed++;
  console.log(`${cond ? 'ok' : 'not ok'} - ${what}${cond || !detail ? '' : ': ' + detail}`);
}
async function attempt(what, fn) {
  try {
    ok(await fn(), what);
  } catch (e) {
    ok(false, what, e && e.message);
  }
}
const rd = (f) => fs.readFileSync(path.join(work, f));
const rj = (f) => JSON.parse(rd(f).toString());
const wj = (f, v) => fs.writeFileSync(path.join(work, f), typeof v === 'string' ? v : JSON.stringify(v));
function runC(args) {
  try {
    const out = execFileSync(bin, args, { encoding: 'utf8' });
    process.stdout.write(out);
    return true;
  } catch (e) {
    process.stdout.write(e.stdout || '');
    process.stderr.write(e.stderr || '');
    return false;
  }
}

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

// ---- (a), (b): what we made, checked by npm jose --------------------------------
ok(runC(['make', work]), 'C made the token, keys and JWEs');
const resource = rd('resource.bin');

await attempt('npm jose: jwtVerify of our EAR token (ES256, our public JWK)', async () => {
  const key = await jose.importJWK(rj('ear-key.pub.json'), 'ES256');
  const { payload, protectedHeader } = await jose.jwtVerify(rd('ear.jwt').toString(), key, { algorithms: ['ES256'] });
  const cpu = payload.submods.cpu0;
  const rdc = cpu['ear.veraison.annotated-evidence'].runtime_data_claims;
  return protectedHeader.alg === 'ES256' &&
    ['kty', 'crv', 'x', 'y'].every((m) => protectedHeader.jwk[m] === rj('ear-key.pub.json')[m]) &&
    payload.eat_profile === 'tag:github.com,2024:confidential-containers/Trustee' &&
    payload['ear.verifier-id'].developer === 'ccs' && cpu['ear.status'] === 'affirming' &&
    cpu['ear.trustworthiness-vector'].hardware === 2 && rdc.nonce === 'bm9uY2U' &&
    rdc['tee-pubkey'].x === rj('ec.pub.json').x && payload.exp - payload.iat === 300;
});
await attempt('npm jose: the EAR header key (EmbeddedJWK) verifies too', async () => {
  const { payload } = await jose.jwtVerify(rd('ear.jwt').toString(), jose.EmbeddedJWK, { algorithms: ['ES256'] });
  return payload.submods.cpu0['ear.status'] === 'affirming';
});
await attempt('npm jose: our EAR token refused with another key', async () => {
  const other = await jose.generateKeyPair('ES256');
  try {
    await jose.jwtVerify(rd('ear.jwt').toString(), other.publicKey);
    return false;
  } catch (e) {
    return e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
  }
});
for (const [file, alg, keyfile, crv] of [['jwe-ec.json', 'ECDH-ES+A256KW', 'ec.priv.json', 'P-256'],
  ['jwe-ec384.json', 'ECDH-ES+A256KW', 'ec384.priv.json', 'P-384'],
  ['jwe-ec521.json', 'ECDH-ES+A256KW', 'ec521.priv.json', 'P-521'],
  ['jwe-rsa.json', 'RSA-OAEP', 'rsa.priv.json'], ['jwe-rsa256.json', 'RSA-OAEP-256', 'rsa.priv.json']]) {
  await attempt(`npm jose: flattenedDecrypt of our ${alg}${crv ? ' ' + crv : ''} JWE`, async () => {
    const jwe = rj(file);
    const key = await jose.importJWK(rj(keyfile), alg);
    const { plaintext, protectedHeader } = await jose.flattenedDecrypt(jwe, key,
      { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: ['A256GCM'] });
    const members = Object.keys(jwe).sort().join(',');
    return Buffer.from(plaintext).equals(resource) && protectedHeader.alg === alg &&
      protectedHeader.enc === 'A256GCM' && members === 'ciphertext,encrypted_key,iv,protected,tag' &&
      (alg !== 'ECDH-ES+A256KW' || protectedHeader.epk.crv === crv);
  });
}

// ---- (c): what npm jose made, checked by us ------------------------------------
async function peerJwe(file, alg, pubfile) {
  const key = await jose.importJWK(rj(pubfile), alg);
  const jwe = await new jose.FlattenedEncrypt(resource).setProtectedHeader({ alg, enc: 'A256GCM' }).encrypt(key);
  wj(file, jwe);
}
await peerJwe('peer-jwe-ec.json', 'ECDH-ES+A256KW', 'ec.pub.json');
await peerJwe('peer-jwe-ec384.json', 'ECDH-ES+A256KW', 'ec384.pub.json');
await peerJwe('peer-jwe-ec521.json', 'ECDH-ES+A256KW', 'ec521.pub.json');
await peerJwe('peer-jwe-rsa.json', 'RSA-OAEP', 'rsa.pub.json');
await peerJwe('peer-jwe-rsa256.json', 'RSA-OAEP-256', 'rsa.pub.json');

const peer = await jose.generateKeyPair('ES256', { extractable: true });
const peerPub = await jose.exportJWK(peer.publicKey);
wj('peer-key.pub.json', peerPub);
const now = Math.floor(Date.now() / 1000);
const earClaims = {
  eat_profile: 'tag:github.com,2024:confidential-containers/Trustee',
  'ear.verifier-id': { developer: 'npm-jose', build: 'interop' },
  submods: { cpu0: {
    'ear.status': 'warning', 'ear.trustworthiness-vector': { hardware: 2 }, 'ear.appraisal-policy-id': 'default',
    'ear.veraison.annotated-evidence': { sample: {}, runtime_data_claims: { 'tee-pubkey': rj('ec.pub.json'), nonce: 'x' } },
  } },
};
const sign = (claims, key, hdr) => new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...hdr })
  .setIssuedAt(now).setExpirationTime(now + 300).sign(key);
wj('peer-ear.jwt', await sign(earClaims, peer.privateKey, { jwk: peerPub, typ: 'JWT' }));
wj('peer-admin.jwt', await sign({ aud: 'ccs-kbs-admin' }, peer.privateKey, {}));
wj('peer-none.jwt', new jose.UnsecuredJWT(earClaims).setIssuedAt(now).setExpirationTime(now + 300).encode());
wj('peer-hs256.jwt', await new jose.SignJWT(earClaims).setProtectedHeader({ alg: 'HS256' })
  .setExpirationTime(now + 300).sign(new Uint8Array(32).fill(7)));
wj('peer-expired.jwt', await new jose.SignJWT(earClaims).setProtectedHeader({ alg: 'ES256', jwk: peerPub })
  .setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(peer.privateKey));
const stranger = await jose.generateKeyPair('ES256', { extractable: true });
wj('peer-otherkey.jwt', await sign(earClaims, stranger.privateKey, { jwk: await jose.exportJWK(stranger.publicKey) }));
ok(runC(['check', work]), 'C decrypted and verified what npm jose made');

// ---- (d): RFC 8785 ---------------------------------------------------------------
const values = [
  { b: 2, a: 1, c: { z: [true, false, null], y: 'x' } },
  { '\u20ac': 'Euro Sign', '\r': 'CR', '\ufb33': 'Dalet', 1: 'One', '\ud83d\ude00': 'Emoji', '\u0080': 'Ctl', '\u00f6': 'o' },
  { s: '\u0000\u0001\u001f\u007f\u2028\u2029"\\/\b\f\n\r\t' },
  [333333333.33333329, 1e30, 4.50, 2e-3, 1e-27, -0, 0.1, 1e21, 1e-7, 123456789012, -1.5e-10, 5e-324],
  { 'tee-pubkey': rj('rsa.pub.json'), nonce: 'O0pdOPg/hmbqJO6kE2SRn9yMIaUDnHPvpnD+0R1ccDA=' },
  [], {}, '', 'plain', 9007199254740992, -9007199254740992,
];
fs.writeFileSync(path.join(work, 'jcs-in.json'), JSON.stringify(values));
let ours = null;
try {
  ours = JSON.parse(execFileSync(bin, ['jcs', path.join(work, 'jcs-in.json')], { encoding: 'utf8' }));
} catch (e) {
  ok(false, 'C canonicalised the JCS values', e.message);
}
if (ours) {
  values.forEach((v, i) => ok(ours[i] === canonicalize(v), `JCS value ${i} equals canonicalize()`,
    `ours ${JSON.stringify(ours[i])} peer ${JSON.stringify(canonicalize(v))}`));
}
const digest = createHash('sha384')
  .update(canonicalize({ 'tee-pubkey': rj('ec.pub.json'), nonce: 'bm9uY2U' })).digest('hex');
ok(digest === rd('runtime-data.sha384').toString(), 'runtime-data SHA-384 equals sha384(canonicalize(...))');

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
