// Times @tinfoilsh/verifier 1.1.0 verifying one SEV-SNP report (Genoa VCEK
// only) the way its own client does: parse the report, build the ARK > ASK >
// VCEK chain for it (ARK/ASK built in to the peer), verify the chain and the
// report signature. It has no chain cache, so every run does all of it; it
// judges certificate validity at the machine clock (no "as of" time).
// Prints one line:
//   tinfoil <pass|fail> <detail> <mean ms per verification> <runs>
import fs from 'fs';
import path from 'path';
import { pathToFileURL } from 'url';
const [peers, reportPath, vcekPath, secondsArg] = process.argv.slice(2);
if (!peers || !reportPath || !vcekPath) {
  console.error('usage: node snp-bench.mjs PEERS_DIR REPORT.bin VCEK.der [SECONDS]');
  process.exit(2);
}
const base = path.resolve(peers, 'node_modules', '@tinfoilsh', 'verifier', 'dist', 'sev');
const load = (f) => import(pathToFileURL(path.join(base, f)).href);
const { Report } = await load('report.js');
const { CertificateChain } = await load('cert-chain.js');
const { verifyAttestation } = await load('verify.js');
const rb = new Uint8Array(fs.readFileSync(reportPath));
const cb = new Uint8Array(fs.readFileSync(vcekPath));
const once = async () => {
  try {
    const rep = new Report(rb);
    const chain = await CertificateChain.fromReport(rep, cb);
    return (await verifyAttestation(chain, rep)) ? ['pass', 'signature+chain'] : ['fail', 'false'];
  } catch (e) {
    return ['fail', String((e && e.message) || e).replace(/\s+/g, '_')];
  }
};
const seconds = Number(secondsArg) || 2;
for (let i = 0; i < 20; i++) await once(); // warm up the JIT
let runs = 0, verdict;
const t0 = process.hrtime.bigint();
const limit = BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() - t0 < limit) { verdict = await once(); runs++; }
const ms = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
console.log(`tinfoil ${verdict[0]} ${verdict[1]} ${ms.toFixed(4)} ${runs}`);
