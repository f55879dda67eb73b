#!/usr/bin/env bash
# `ccs attest verify --tee tpm`: the recorded swtpm quote in tests/data/tpm
# (pass, tampered PCR, wrong nonce, wrong AK, AK certificate chain), then
# fresh quotes from a swtpm started here on loopback: one by `ccs tee quote
# --platform tpm`, and RSA quotes (RSASSA and RSAPSS AKs) made by tpm2-tools,
# which ccs must verify too. swtpm is stopped on any exit.
#
# usage: attest_tpm.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
SWTPM=$(cd "$(dirname "$0")/../.." && pwd)/scripts/swtpm.sh
trap '"$SWTPM" stop "$WORK/swtpm" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
export TSS2_LOG=all+NONE

REC=$DATA/tpm
RD=73657373696f6e2d62696e64696e672d31 # "session-binding-1", the recorded quote's report data
verify() { run_ccs attest verify --tee tpm "$@"; }

# Rewrites one member of a JSON file: jset IN OUT PATH VALUE-JSON (null deletes).
jset() {
    python3 - "$@" <<'PY'
import json, sys
src, dst, path, val = sys.argv[1:5]
d = json.load(open(src))
cur = d
keys = path.split(".")
for k in keys[:-1]:
    cur = cur[k]
v = json.loads(val)
if v is None:
    del cur[keys[-1]]
else:
    cur[keys[-1]] = v
json.dump(d, open(dst, "w"))
PY
}

# ---- the recorded quote --------------------------------------------------------

begin "recorded quote passes (json)"
verify --evidence "$REC/evidence.json" --collateral "$REC" --report-data "$RD" --json
want_rc 0
want_json verdict '"pass"'
want_json tee '"tpm"'
want_failed
want_json claims.type '"quote"'
want_json claims.hash_alg '"sha256"'
want_py "d['claims']['event_log']['replayed_sha256_pcrs'] == [16, 23]"
want_py "sorted(d['claims']['pcrs']['sha256'], key=int) == ['0','1','2','3','4','5','6','7','16','23']"
end_case

begin "recorded quote, human output, format detected"
run_ccs attest verify --evidence "$REC/evidence.json" --collateral "$REC" --report-data "$RD"
want_rc 0
want_stdout_has "PASS"
want_stdout_has "pcr16"
want_stdout_has "event_log"
end_case

jset "$REC/evidence.json" "$WORK/pcr0.json" pcrs.sha256.0 '"'"$(printf '11%.0s' $(seq 32))"'"'
begin "tampered PCR value refused"
verify --evidence "$WORK/pcr0.json" --collateral "$REC" --report-data "$RD" --json
want_rc 1
want_json verdict '"fail"'
want_failed pcr_digest
end_case

jset "$REC/evidence.json" "$WORK/pcr16.json" pcrs.sha256.16 '"'"$(printf '22%.0s' $(seq 32))"'"'
begin "tampered measured PCR refused by digest and log"
verify --evidence "$WORK/pcr16.json" --collateral "$REC" --report-data "$RD" --json
want_rc 1
want_failed pcr_digest event_log
end_case

begin "wrong nonce refused"
verify --evidence "$REC/evidence.json" --collateral "$REC" --report-data 00 --json
want_rc 1
want_failed nonce
end_case

mkdir -p "$WORK/other"
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/other/key.pem" 2>/dev/null
openssl ec -in "$WORK/other/key.pem" -pubout -out "$WORK/other/ak.pem" 2>/dev/null
begin "wrong AK refused"
verify --evidence "$REC/evidence.json" --collateral "$WORK/other" --report-data "$RD" --json
want_rc 1
want_failed ak_trust
end_case

jset "$REC/evidence.json" "$WORK/swapped.json" ak_public "$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$WORK/other/ak.pem")"
begin "evidence naming another AK refused"
verify --evidence "$WORK/swapped.json" --collateral "$REC" --report-data "$RD" --json
want_rc 1
want_failed signature ak_trust
end_case

jset "$REC/evidence.json" "$WORK/unknown.json" extra '"x"'
begin "unknown member refused"
verify --evidence "$WORK/unknown.json" --collateral "$REC" --report-data "$RD" --json
want_rc 1
want_failed evidence_format
end_case

begin "--report-data is required"
verify --evidence "$REC/evidence.json" --collateral "$REC"
want_usage_error
want_stderr_has "--report-data"
end_case

mkdir -p "$WORK/empty"
begin "collateral without AK trust is a usage error"
verify --evidence "$REC/evidence.json" --collateral "$WORK/empty" --report-data "$RD"
want_usage_error
want_stderr_has "ak.pem"
end_case

# ---- AK certificate chain (a local CA that certifies AKs) ---------------------------

mkca() { # mkca DIR CN
    mkdir -p "$1"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1/ca.key" \
        -out "$1/ca.pem" -subj "/CN=$2" -days 30 2>/dev/null
}
mkca "$WORK/ca" "CCS test AK CA"
mkca "$WORK/ca2" "Another CA"
mkdir -p "$WORK/chain"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/dummy.key" \
    -out "$WORK/ak.csr" -subj "/CN=TPM AK" 2>/dev/null
openssl x509 -req -in "$WORK/ak.csr" -CA "$WORK/ca/ca.pem" -CAkey "$WORK/ca/ca.key" -CAcreateserial \
    -force_pubkey "$REC/ak.pem" -days 7 -out "$WORK/chain/ak_chain.pem" 2>/dev/null
cp "$WORK/ca/ca.pem" "$WORK/chain/ak_root.pem"
begin "AK certified by the trusted CA passes"
verify --evidence "$REC/evidence.json" --collateral "$WORK/chain" --report-data "$RD" --json
want_rc 0
want_failed
end_case

mkdir -p "$WORK/chain2"
cp "$WORK/chain/ak_chain.pem" "$WORK/chain2/"
cp "$WORK/ca2/ca.pem" "$WORK/chain2/ak_root.pem"
begin "AK certificate from another CA refused"
verify --evidence "$REC/evidence.json" --collateral "$WORK/chain2" --report-data "$RD" --json
want_rc 1
want_failed ak_trust
end_case

# ---- fresh quotes from swtpm ---------------------------------------------------------

PORT=$(python3 -c '
import random, socket
for _ in range(100):
    p = random.randrange(20000, 60000)
    try:
        for q in (p, p + 1):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass')
TCTI=$("$SWTPM" start "$WORK/swtpm" "$PORT")
export TPM2TOOLS_TCTI=$TCTI
flush() { tpm2_flushcontext -t >/dev/null; tpm2_flushcontext -s >/dev/null; }

mkdir -p "$WORK/fresh"
FRD=$(head -c 32 /dev/urandom | xxd -p -c 64)
begin "ccs tee quote --platform tpm, then verify"
run_ccs tee measurements --platform tpm --tcti "$TCTI"
want_rc 0
python3 -c 'import json,sys; open(sys.argv[2],"w").write(json.load(open(sys.argv[1]))["ak_public"])' "$OUT" "$WORK/fresh/ak.pem" ||
    fail "no ak_public in the measurements"
run_ccs tee quote --platform tpm --tcti "$TCTI" --report-data "$FRD" -o "$WORK/fresh/evidence.json"
want_rc 0
verify --evidence "$WORK/fresh/evidence.json" --collateral "$WORK/fresh" --report-data "$FRD" --json
want_rc 0
want_failed
end_case

# tpm2-tools makes the quote; ccs verifies it. The nonce is what ccs derives
# from the report data: SHA-256 of it zero-padded to 64 bytes.
NONCE=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1]).ljust(64, b"\0")).hexdigest())' "$FRD")
tpm2_createek -c "$WORK/ek.ctx" -G rsa -u "$WORK/ek.pub" >/dev/null
flush
tpm2_pcrextend 16:sha256="$(printf 'tpm2-tools' | sha256sum | cut -d' ' -f1)" >/dev/null
for scheme in rsassa rsapss; do
    D=$WORK/t2-$scheme
    mkdir -p "$D"
    tpm2_createak -C "$WORK/ek.ctx" -c "$D/ak.ctx" -G rsa -g sha256 -s "$scheme" -u "$D/ak.pub" -f pem \
        -n "$D/ak.name" >/dev/null
    flush
    cp "$D/ak.pub" "$D/ak.pem"
    tpm2_quote -c "$D/ak.ctx" -l sha256:0,1,16 -q "$NONCE" -m "$D/q.msg" -s "$D/q.sig" -g sha256 \
        --scheme "$scheme" >/dev/null
    tpm2_pcrread sha256:0,1,16 -o "$D/pcrs.bin" >/dev/null
    flush
    python3 - "$D" <<'PY'
import base64, json, sys
d = sys.argv[1]
vals = open(d + "/pcrs.bin", "rb").read()
pcrs = {str(i): vals[32 * k:32 * (k + 1)].hex() for k, i in enumerate([0, 1, 16])}
json.dump({"tpms_attest": base64.b64encode(open(d + "/q.msg", "rb").read()).decode(),
           "signature": base64.b64encode(open(d + "/q.sig", "rb").read()).decode(),
           "ak_public": open(d + "/ak.pem").read(),
           "pcrs": {"sha256": pcrs}}, open(d + "/evidence.json", "w"))
PY
    begin "tpm2-tools quote by an RSA $scheme AK verifies"
    verify --evidence "$D/evidence.json" --collateral "$D" --report-data "$FRD" --json
    want_rc 0
    want_failed
    want_json claims.signature_alg "\"$scheme\""
    end_case

    begin "tpm2-tools $scheme quote with a wrong nonce refused"
    verify --evidence "$D/evidence.json" --collateral "$D" --report-data 01 --json
    want_rc 1
    want_failed nonce
    end_case
done

summary
