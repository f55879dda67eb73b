#!/usr/bin/env bash
# make demo: the key broker story end to end, on loopback, with the sim platform.
#   a KBS with an SQLite store trusts a sim root (insecure: development only),
#   the operator registers a reference measurement and a secret, then
#   (1) a workload with that measurement gets the secret,
#   (2) a workload with another measurement is refused, with the reason,
#   (3) replaying the first workload's evidence is refused.
set -uo pipefail
ccs=$(realpath "${1:-build/default/ccs}")
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/ccs-demo.XXXXXX")
kbs_pid=""
cleanup() { [ -n "$kbs_pid" ] && kill "$kbs_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
die() { printf '\nDEMO FAILED: %s\n' "$*"; exit 1; }

step "0. A sim platform and a key broker on loopback"
"$ccs" tee sim init --sim-dir "$work/sim" >/dev/null || die "sim init"
say "sim PKI in $work/sim (a root CA that mirrors Intel's; trusting it is insecure by design)"
"$ccs" kbs admin keygen -o "$work/admin.key" >/dev/null || die "admin keygen"
"$ccs" kbs serve --listen 127.0.0.1:0 --store "$work/kbs.db" --admin-key "$work/admin.key.pub" \
    --insecure-trust-sim "$work/sim" --log-level warn >"$work/kbs.out" 2>"$work/kbs.err" &
kbs_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/kbs.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/kbs.out" | head -n 1)
[ -n "$url" ] || die "the KBS did not start: $(cat "$work/kbs.err")"
say "KBS at $url, store $work/kbs.db (SQLite, WAL), admin API with an ES256 key"
export CCS_KBS_ADMIN_TOKEN
CCS_KBS_ADMIN_TOKEN=$("$ccs" kbs admin token --key "$work/admin.key") || die "admin token"

step "Operator: reference measurement, policies, secret"
echo "the workload we trust, v1.0" >"$work/workload-good"
echo "a workload somebody changed" >"$work/workload-evil"
good=$(sha256sum "$work/workload-good" | cut -d' ' -f1)
"$ccs" kbs admin set-refval sim-sgx mrenclave "$good" --kbs "$url" >/dev/null || die "set-refval"
say "reference MRENCLAVE (sim-sgx): $good"
cat >"$work/attestation-policy.json" <<JSON
{ "version": 1,
  "tees": { "sim-sgx": { "accept_tcb": ["UpToDate"], "allow_debug": false,
                         "measurements": { "mrenclave": { "ref": "sim-sgx.mrenclave" } } } } }
JSON
cat >"$work/resource-policy.json" <<JSON
{ "version": 1,
  "rules": [ { "resources": "demo/*/*", "allow": { "tee": ["sim-sgx"], "status": ["affirming", "warning"] } } ] }
JSON
"$ccs" kbs admin set-policy attestation "$work/attestation-policy.json" --kbs "$url" >/dev/null || die "policy"
"$ccs" kbs admin set-policy resource "$work/resource-policy.json" --kbs "$url" >/dev/null || die "policy"
printf 'db-password=correct horse battery staple' >"$work/secret"
"$ccs" kbs admin set-resource demo/db/password "$work/secret" --kbs "$url" >/dev/null || die "set-resource"
say "secret stored at kbs:///demo/db/password; policies: sim-sgx with that MRENCLAVE only"

step "1. The trusted workload attests and gets the secret"
if "$ccs" agent get-resource kbs:///demo/db/password --kbs "$url" --tee sim-sgx --sim-dir "$work/sim" \
    --measurement-from "$work/workload-good" -o "$work/got" 2>"$work/err1"; then
    say "RELEASED: $(cat "$work/got")"
else
    die "the trusted workload was refused: $(cat "$work/err1")"
fi

step "2. A changed workload attests: refused"
if "$ccs" agent get-resource kbs:///demo/db/password --kbs "$url" --tee sim-sgx --sim-dir "$work/sim" \
    --measurement-from "$work/workload-evil" -o "$work/got2" 2>"$work/err2"; then
    die "the changed workload got the secret"
fi
say "REFUSED: $(tr '\n' ' ' <"$work/err2" | cut -c1-300)"

step "3. Replaying the trusted workload's evidence: refused"
python3 - "$ccs" "$url" "$work" <<'PY' || die "replay step"
import base64, hashlib, json, subprocess, sys, urllib.request
ccs, url, work = sys.argv[1:4]
def post(path, body, cookie=None):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}"), r.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), ""
def auth():
    st, body, cookie = post("/kbs/v0/auth", {"version": "0.4.0", "tee": "sim-sgx", "extra-params": {}})
    assert st == 200, (st, body)
    return body["nonce"], cookie.split(";")[0]
# A workload's tee key (public part) and its evidence bound to (nonce, key), as it sends them.
jwk = {"kty": "EC", "crv": "P-256", "alg": "ECDH-ES+A256KW",
       "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
nonce, cookie = auth()
canon = json.dumps({"nonce": nonce, "tee-pubkey": dict(sorted(jwk.items()))}, separators=(",", ":"), sort_keys=True)
rd = hashlib.sha384(canon.encode()).hexdigest()
ev = json.loads(subprocess.run([ccs, "agent", "evidence", "--tee", "sim-sgx", "--sim-dir", work + "/sim",
                                "--measurement-from", work + "/workload-good", "--report-data", rd],
                               check=True, capture_output=True).stdout)
body = {"runtime-data": {"nonce": nonce, "tee-pubkey": jwk}, "tee-evidence": {"primary_evidence": ev}}
st, out, _ = post("/kbs/v0/attest", body, cookie)
print(f"   first use of that evidence: HTTP {st} ({'token issued' if st == 200 else out.get('detail')})")
assert st == 200
# The captured request, sent again: in the same session the nonce is spent...
st, out, _ = post("/kbs/v0/attest", body, cookie)
print(f"   same request again:          HTTP {st} REFUSED: {out.get('detail', '')[:160]}")
assert st == 401
# ...and in a new session the evidence is bound to the old nonce.
nonce2, cookie2 = auth()
body["runtime-data"]["nonce"] = nonce2
st, out, _ = post("/kbs/v0/attest", body, cookie2)
print(f"   evidence with a fresh nonce: HTTP {st} REFUSED: {out.get('detail', '')[:160]}")
assert st == 401
PY

step "Done"
say "the secret went only to the workload whose measurement the operator registered."
say "the bundled real SGX/TDX quotes: scripts/demo-verify.sh $ccs"
