#!/usr/bin/env node
// Differential test: CCS's DCAP verifier against the npm peer @phala/dcap-qvl.
//
//   node dcapqvl_agree.cjs CCS_BINARY PEERS_DIR TEST_DATA_DIR
//
// Runs both verifiers on every recorded vector that has collateral (plus
// negative variants: an expired verification time, one flipped byte in the
// quote body, one flipped byte in the QE report) and prints one line per case:
//   case | ours: verdict tcb_status [advisories] | peer: pass status [advisories]
//        | fail "message" | AGREE or DIFFER(kind): reason
//
// Agreement rule: both pass with the same TCB status and the same advisory
// set, or both fail. When a side fails but still names a TCB status (ours
// always reports tcb_status; the peer names one in "TCB status is invalid: X"
// and, by EQUIVALENT_PEER_ERRORS below, in "No matching TCB level found"),
// the statuses that both sides have are compared too.
//
// Every difference we know about and accept is in EXPECTED_DIFFERENCES with
// its reason. Exit status: 0 when every case agrees or differs exactly as
// listed; 1 on an unexpected difference, an expected difference that no
// longer happens, or a harness error; 77 (ctest skip) when the peer is not
// installed (scripts/install-deps.sh --peers; `make test` installs it).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const SKIP = 77;

// ---------------------------------------------------------------------------
// Vectors (see tests/data/attestation/{sgx,tdx}/MANIFEST.md for provenance,
// as-of times and expected results).
//   dir:       quote folder (quote.bin)
//   coll:      collateral folder with the split files (defaults to dir)
//   assemble:  collateral put together at test time (trustee q6 has only the
//              PCS-form TCB Info / QE Identity; chains and CRLs come from
//              the SGX v3 folder)
//   flips:     also run the quote with one flipped byte in the quote body and
//              one in the QE report (both verifiers must refuse those)
//   mustFail:  both verifiers must refuse (checked in addition to agreement)
const SGX_V3 = 'sgx/dcapqvl-sgx-v3';
const VECTORS = [
  { name: 'sgx-v3', dir: SGX_V3, at: '2025-06-19T11:00:00Z', flips: true },
  { name: 'sgx-v3@2025-08-01', dir: SGX_V3, at: '2025-08-01T00:00:00Z', mustFail: true },
  { name: 'tdx-v4-uptodate', dir: 'tdx/dcapqvl-tdx-v4-uptodate', at: '2025-06-19T11:00:00Z', flips: true },
  { name: 'tdx-v5-unsupported-tcb', dir: 'tdx/dcapqvl-tdx-v5-unsupported-tcb', at: '2026-02-19T00:00:00Z',
    flips: true, mustFail: true },
  { name: 'tappd-v4', dir: 'tdx/dcapqvl-tappd-v4', coll: 'tdx/dcapqvl-tdx-v4-uptodate', at: '2025-06-19T11:00:00Z',
    flips: true, mustFail: true },
  { name: 'gotdx-spr-e4-v4', dir: 'tdx/gotdx-spr-e4-v4-2023', at: '2023-07-01T01:00:00Z', flips: true, mustFail: true },
  { name: 'trustee-q6-v4', dir: 'tdx/trustee-tdx-q6-v4', at: '2025-10-29T00:00:00Z', flips: true,
    assemble: { pcsFrom: 'tdx/trustee-tdx-q6-v4', restFrom: SGX_V3 } },
];

// ---------------------------------------------------------------------------
// Known, intended differences. Key: case name. kind: what differs
// ('verdict', 'tcb_status', 'advisories'). A listed case that agrees, or that
// differs in another way, fails the test: update this table deliberately.
const EXPECTED_DIFFERENCES = {
  'trustee-q6-v4': {
    kind: 'verdict',
    reason: 'no current PCK CRL exists for this window: the only one in the set (SGX v3 folder) is the '
      + 'PCK Processor CA\'s, expired 2025-07-19, while this PCK is issued by the PCK Platform CA. '
      + 'dcap-qvl checks neither a CRL\'s issuer, signature nor nextUpdate (it only looks serials up) '
      + 'and accepts OutOfDate, so it passes with OutOfDate; ours refuses the CRL (not issued by this '
      + 'PCK\'s CA) and the status (OutOfDate is not in the default --accept-tcb set) but still '
      + 'evaluates tcb_status OutOfDate, which matches',
  },
};

// Peer failures that carry a TCB verdict, mapped to our tcb_status. Counted as
// agreement on the status, not as a difference: both refuse for the same
// reason.
const EQUIVALENT_PEER_ERRORS = [
  { re: /No matching TCB level found/, status: 'TCBLevelNotSupported',
    why: 'dcap-qvl throws when no TCB level matches; ours fails with tcb_status TCBLevelNotSupported' },
  { re: /TCB status is invalid: (\w+)/, status: null /* from the message */,
    why: 'dcap-qvl throws for a status it never accepts (Revoked, ...); ours names that status' },
];

// ---------------------------------------------------------------------------
function usage() {
  process.stderr.write('usage: dcapqvl_agree.cjs CCS_BINARY PEERS_DIR TEST_DATA_DIR\n');
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length !== 3 || args.some((a) => !a)) usage();
const [CCS, PEERS, DATA] = args.map((a) => path.resolve(a));
const ATT = path.join(DATA, 'attestation');
const PEER_PKG = path.join(PEERS, 'node_modules', '@phala', 'dcap-qvl');

if (!fs.existsSync(path.join(PEER_PKG, 'package.json'))) {
  console.log(`SKIP: @phala/dcap-qvl is not installed under ${PEERS} (run scripts/install-deps.sh --peers)`);
  process.exit(SKIP);
}
const peer = require(PEER_PKG);
const PEER_VERSION = JSON.parse(fs.readFileSync(path.join(PEER_PKG, 'package.json'), 'utf8')).version;

// --- collateral -------------------------------------------------------------

// The exact text of the object that is the value of `key` in a PCS response
// body ({"tcbInfo":{...},"signature":"..."}): Intel signs those bytes, so they
// must not be re-serialised.
function innerObjectText(text, key) {
  const m = new RegExp(`"${key}"\\s*:\\s*`).exec(text);
  if (!m) throw new Error(`no "${key}" member`);
  let i = m.index + m[0].length;
  if (text[i] !== '{') throw new Error(`"${key}" is not an object`);
  const start = i;
  let depth = 0;
  let inStr = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') {
      inStr = true;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) return text.slice(start, i + 1);
    }
  }
  throw new Error(`unterminated "${key}" object`);
}

const readText = (p) => fs.readFileSync(p, 'utf8');
const readHex = (p) => fs.readFileSync(p).toString('hex');

// dcap-qvl's collateral object from the split files of one folder (PCS-form
// JSON for TCB Info and QE Identity, PEM chains, DER CRLs), optionally taking
// the TCB Info / QE Identity from another folder.
function peerCollateral(pcsDir, restDir) {
  const tcbText = readText(path.join(pcsDir, 'tcb_info.json'));
  const qeText = readText(path.join(pcsDir, 'qe_identity.json'));
  return {
    tcb_info: innerObjectText(tcbText, 'tcbInfo'),
    tcb_info_signature: JSON.parse(tcbText).signature,
    tcb_info_issuer_chain: readText(path.join(restDir, 'tcb_info_issuer_chain.pem')),
    qe_identity: innerObjectText(qeText, 'enclaveIdentity'),
    qe_identity_signature: JSON.parse(qeText).signature,
    qe_identity_issuer_chain: readText(path.join(restDir, 'qe_identity_issuer_chain.pem')),
    pck_crl_issuer_chain: readText(path.join(restDir, 'pck_crl_issuer_chain.pem')),
    root_ca_crl: readHex(path.join(restDir, 'root_ca_crl.der')),
    pck_crl: readHex(path.join(restDir, 'pck_crl.der')),
  };
}

// Where a folder also has the upstream collateral object, the one built from
// the split files must be the same, so both verifiers see identical inputs.
function checkAgainstUpstream(dir, built) {
  const up = path.join(dir, 'collateral_dcapqvl.json');
  if (!fs.existsSync(up)) return;
  const ref = JSON.parse(readText(up));
  for (const k of Object.keys(built)) {
    const norm = (v) => (typeof v === 'string' && /^[0-9a-fA-F]+$/.test(v) ? v.toLowerCase() : v);
    if (!(k in ref) || norm(ref[k]) !== norm(built[k])) {
      throw new Error(`${path.relative(ATT, dir)}: split file for ${k} differs from collateral_dcapqvl.json`);
    }
  }
}

const CCS_FILES = ['tcb_info.json', 'qe_identity.json', 'tcb_info_issuer_chain.pem', 'qe_identity_issuer_chain.pem',
  'pck_crl.der', 'pck_crl_issuer_chain.pem', 'root_ca_crl.der'];

function assembleCcsDir(tmp, name, pcsDir, restDir) {
  const out = path.join(tmp, `collateral-${name}`);
  fs.mkdirSync(out);
  for (const f of CCS_FILES) {
    const from = f === 'tcb_info.json' || f === 'qe_identity.json' ? pcsDir : restDir;
    fs.copyFileSync(path.join(from, f), path.join(out, f));
  }
  return out;
}

// --- quote surgery ------------------------------------------------------------

// Offsets of the report body and the QE report in a quote (v3 SGX, v4 SGX/TDX,
// v5 with body descriptor). Byte picks: REPORTDATA[0] of the body (covered only
// by the quote signature) and REPORTDATA[40] of the QE report (covered only by
// the QE report signature: the QE hash is REPORTDATA[0..32]).
const HEADER = 48;
const ENCLAVE_REPORT = 384;
const TD10_REPORT = 584;
function quoteLayout(q) {
  const version = q.readUInt16LE(0);
  const tee = q.readUInt32LE(4);
  const isTdx = tee === 0x81;
  let body;
  let bodyLen;
  if (version === 5) {
    bodyLen = q.readUInt32LE(HEADER + 2);
    body = HEADER + 6;
  } else {
    body = HEADER;
    bodyLen = isTdx ? TD10_REPORT : ENCLAVE_REPORT;
  }
  const sigData = body + bodyLen + 4; // after u32 signature data length
  let qeReport = sigData + 64 + 64; // ECDSA signature, attestation key
  if (version >= 4) qeReport += 2 + 4; // certification data type 6 header
  return { bodyReportData: body + (isTdx ? 520 : 320), qeReportData: qeReport + 320 };
}

// The check each side must name for a flipped byte (both refusing for some
// other reason would hide a missing signature check).
const FLIP_BODY = { ours: 'quote_signature', peer: /ISV enclave report signature is invalid/ };
const FLIP_QE_REPORT = { ours: 'qe_report_signature', peer: /Signature is invalid for qe_report/ };

function flipped(q, off) {
  const c = Buffer.from(q);
  c[off] ^= 0x01;
  return c;
}

// --- the two verifiers ----------------------------------------------------------

function runOurs(quotePath, collDir, at) {
  let stdout;
  let rc = 0;
  try {
    stdout = execFileSync(CCS, ['attest', 'verify', '--evidence', quotePath, '--collateral', collDir, '--at', at,
      '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    rc = e.status;
    stdout = e.stdout;
    if (rc !== 1) throw new Error(`ccs exited ${rc}: ${(e.stderr || '').trim()}`);
  }
  const j = JSON.parse(stdout);
  if ((j.verdict === 'pass') !== (rc === 0)) throw new Error(`ccs verdict ${j.verdict} with exit status ${rc}`);
  return {
    pass: j.verdict === 'pass',
    status: j.tcb_status || null,
    advisories: j.advisory_ids || [],
    checks: (j.failed_checks || []).map((c) => c.name),
  };
}

async function runPeer(quote, collateral, at) {
  const secs = Math.floor(Date.parse(at) / 1000);
  try {
    const r = await peer.verify(quote, collateral, secs);
    return { pass: true, status: r.status, advisories: r.advisory_ids || r.advisoryIds || [] };
  } catch (e) {
    const msg = e && e.message ? e.message : String(e);
    const cause = e && e.cause && e.cause.message ? ` (${e.cause.message})` : '';
    let status = null;
    let equiv = null;
    for (const q of EQUIVALENT_PEER_ERRORS) {
      const m = q.re.exec(msg);
      if (m) {
        status = q.status || m[1];
        equiv = q.why;
        break;
      }
    }
    return { pass: false, message: msg + cause, status, equiv };
  }
}

// --- comparison -------------------------------------------------------------------

const sameSet = (a, b) => a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

// Returns { kind: null | 'verdict' | 'tcb_status' | 'advisories', note }.
function compare(o, p) {
  if (o.pass && p.pass) {
    if (o.status !== p.status) return { kind: 'tcb_status', note: `${o.status} vs ${p.status}` };
    if (!sameSet(o.advisories, p.advisories)) return { kind: 'advisories', note: 'advisory sets differ' };
    return { kind: null, note: 'same status and advisories' };
  }
  const statusNote = () => {
    if (!o.status || !p.status) return null;
    return o.status === p.status ? `both say ${o.status}` : `tcb_status ${o.status} vs ${p.status}`;
  };
  if (!o.pass && !p.pass) {
    if (o.status && p.status && o.status !== p.status) return { kind: 'tcb_status', note: statusNote() };
    return { kind: null, note: p.status ? statusNote() : 'both refuse' };
  }
  // One passes, the other fails: compare what is comparable.
  const s = statusNote();
  if (s && o.status !== p.status) return { kind: 'verdict+tcb_status', note: s };
  return { kind: 'verdict', note: s || 'no comparable status' };
}

function fmtOurs(o) {
  const adv = o.advisories.length ? ` [${o.advisories.join(',')}]` : '';
  const why = o.pass ? '' : ` {${o.checks.join(',')}}`;
  return `${o.pass ? 'pass' : 'fail'} ${o.status || '-'}${adv}${why}`;
}

function fmtPeer(p) {
  if (p.pass) {
    const adv = p.advisories.length ? ` [${p.advisories.join(',')}]` : '';
    return `pass ${p.status}${adv}`;
  }
  return `fail "${p.message}"`;
}

// --- main ---------------------------------------------------------------------------

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccs-peer-dcapqvl-'));
  const problems = [];
  const seen = new Set();
  let n = 0;
  try {
    console.log(`peer: @phala/dcap-qvl ${PEER_VERSION}; ours: ${CCS}`);
    for (const v of VECTORS) {
      const qdir = path.join(ATT, v.dir);
      const quote = fs.readFileSync(path.join(qdir, 'quote.bin'));
      let collDir;
      let peerColl;
      if (v.assemble) {
        const pcs = path.join(ATT, v.assemble.pcsFrom);
        const rest = path.join(ATT, v.assemble.restFrom);
        collDir = assembleCcsDir(tmp, v.name, pcs, rest);
        peerColl = peerCollateral(pcs, rest);
        const collJson = path.join(tmp, `collateral-${v.name}.json`);
        fs.writeFileSync(collJson, JSON.stringify(peerColl));
      } else {
        collDir = path.join(ATT, v.coll || v.dir);
        peerColl = peerCollateral(collDir, collDir);
        checkAgainstUpstream(collDir, peerColl);
      }

      const runs = [{ name: v.name, q: quote, mustFail: !!v.mustFail }];
      if (v.flips) {
        const lay = quoteLayout(quote);
        runs.push({ name: `${v.name}+flip-body`, q: flipped(quote, lay.bodyReportData), mustFail: true,
          because: FLIP_BODY });
        runs.push({ name: `${v.name}+flip-qe-report`, q: flipped(quote, lay.qeReportData), mustFail: true,
          because: FLIP_QE_REPORT });
      }

      for (const r of runs) {
        n++;
        let qpath = path.join(qdir, 'quote.bin');
        if (r.q !== quote) {
          qpath = path.join(tmp, `${r.name}.bin`);
          fs.writeFileSync(qpath, r.q);
        }
        const o = runOurs(qpath, collDir, v.at);
        const p = await runPeer(r.q, peerColl, v.at);
        const c = compare(o, p);
        const exp = EXPECTED_DIFFERENCES[r.name];
        if (exp) seen.add(r.name);

        let result;
        if (!c.kind) {
          result = `AGREE (${c.note}${p.equiv ? `; ${p.equiv}` : ''})`;
          if (exp) problems.push(`${r.name}: expected difference (${exp.kind}) no longer occurs`);
        } else if (exp && exp.kind === c.kind) {
          result = `DIFFER(${c.kind}, expected; ${c.note}): ${exp.reason}`;
        } else {
          result = `DIFFER(${c.kind}; ${c.note}): UNEXPECTED`;
          problems.push(`${r.name}: unexpected difference (${c.kind})${exp ? `, expected ${exp.kind}` : ''}`);
        }
        if (r.mustFail && (o.pass || p.pass)) {
          problems.push(`${r.name}: must fail in both, ${o.pass ? 'ours' : 'peer'} passes`);
          result += ' MUST-FAIL VIOLATED';
        }
        if (r.because) {
          const okOurs = !o.pass && o.checks.includes(r.because.ours);
          const okPeer = !p.pass && r.because.peer.test(p.message);
          if (!okOurs || !okPeer) {
            problems.push(`${r.name}: ${okOurs ? 'peer' : 'ours'} does not refuse for the flipped byte's signature`);
            result += ' WRONG-REASON';
          }
        }
        console.log(`${r.name.padEnd(38)} | ours: ${fmtOurs(o)} | peer: ${fmtPeer(p)} | ${result}`);
      }
    }
    for (const name of Object.keys(EXPECTED_DIFFERENCES)) {
      if (!seen.has(name)) problems.push(`${name}: listed in EXPECTED_DIFFERENCES but no such case ran`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  if (problems.length) {
    console.log(`\nFAIL (${problems.length} of ${n} cases):`);
    for (const s of problems) console.log(`  ${s}`);
    return 1;
  }
  console.log(`\nOK: ${n} cases, every difference is an expected one`);
  return 0;
}

main().then((rc) => process.exit(rc), (e) => {
  console.error(`error: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
