#!/usr/bin/env bash
# The key broker with evidence that is not sim: a TPM 2.0 quote from swtpm on
# loopback. The KBS trusts the TPM's attestation key (collateral.tpm.ak_dir)
# and its policy requires PCR 16's value; the agent attests with
# `--tee tpm`, gets the secret, and after PCR 16 is extended it is refused
# with the reason.
#
# usage: kbs_tpm.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KBS_PID=""
cleanup() {
    [[ -n $KBS_PID ]] && kill "$KBS_PID" 2>/dev/null || true
    "$ROOT/scripts/swtpm.sh" stop "$WORK/tpm" >/dev/null 2>&1 || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# swtpm on a free loopback port pair (server and control); another test may
# take a port between the check and the bind, so try a few.
TCTI=""
for _ in $(seq 10); do
    p=$((20000 + RANDOM % 20000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
        continue
    fi
    if TCTI=$("$ROOT/scripts/swtpm.sh" start "$WORK/tpm" "$p" 2>"$WORK/swtpm.err"); then
        break
    fi
    "$ROOT/scripts/swtpm.sh" stop "$WORK/tpm" >/dev/null 2>&1 || true
    TCTI=""
done
[[ -n $TCTI ]] || { echo "swtpm did not start:"; cat "$WORK/swtpm.err" "$WORK/tpm/swtpm.log" 2>/dev/null; exit 1; }
export TPM2TOOLS_TCTI=$TCTI
tpm2_pcrreset 16 >/dev/null

begin "the TPM's evidence carries its AK and PCR values"
run_ccs agent evidence --tee tpm --tcti "$TCTI" --report-data 00
want_rc 0
mkdir -p "$WORK/ak"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ak_public"], end="")' "$OUT" >"$WORK/ak/ak.pem"
PCR16=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pcrs"]["sha256"]["16"])' "$OUT")
[[ ${#PCR16} -eq 64 ]] || fail "no sha256 PCR 16 in the evidence"
grep -q "BEGIN PUBLIC KEY" "$WORK/ak/ak.pem" || fail "no AK public key"
end_case

cat >"$WORK/kbs.json" <<JSON
{ "listen": "127.0.0.1:0", "store": "$WORK/kbs/kbs.db", "token_key": "$WORK/kbs/token.jwk",
  "admin_key": "$WORK/admin.pub", "collateral": { "tpm": { "ak_dir": "$WORK/ak" } }, "log_level": "error" }
JSON
cat >"$WORK/attestation.json" <<JSON
{"version":1,"tees":{"tpm":{"pcrs":{"sha256:16":{"values":["$PCR16"]}}}}}
JSON
cat >"$WORK/resource.json" <<'JSON'
{"version":1,"rules":[{"resources":"tpm/*/*","allow":{"tee":["tpm"],"status":["affirming","warning"]}}]}
JSON
printf 'the tpm secret' >"$WORK/secret.bin"
"$CCS" kbs admin keygen -o "$WORK/admin.key" --pub "$WORK/admin.pub" >/dev/null
mkdir -p "$WORK/kbs"
"$CCS" kbs serve --config "$WORK/kbs.json" >"$WORK/kbs.out" 2>"$WORK/kbs.err" &
KBS_PID=$!
URL=""
for _ in $(seq 100); do
    # The server's shell may not have created kbs.out yet: no file is no URL yet.
    URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$WORK/kbs.out" 2>/dev/null || true)
    [[ -n $URL ]] && break
    sleep 0.1
done
[[ -n $URL ]] || { echo "ccs kbs serve did not start"; cat "$WORK/kbs.err"; exit 1; }
TOKEN=$("$CCS" kbs admin token --key "$WORK/admin.key")
for a in "set-policy attestation $WORK/attestation.json" "set-policy resource $WORK/resource.json" \
         "set-resource tpm/keys/one $WORK/secret.bin"; do
    # shellcheck disable=SC2086
    "$CCS" kbs admin $a --kbs "$URL" --token "$TOKEN" >/dev/null
done

begin "a TPM with the expected PCR 16 attests and gets the secret"
run_ccs agent get-resource kbs:///tpm/keys/one --kbs "$URL" --tee tpm --tcti "$TCTI"
want_rc 0
[[ $(cat "$OUT") == "the tpm secret" ]] || fail "wrong secret"
end_case

begin "after PCR 16 is extended the KBS refuses, naming the PCR"
tpm2_pcrextend 16:sha256=0000000000000000000000000000000000000000000000000000000000000001 >/dev/null
run_ccs agent get-resource kbs:///tpm/keys/one --kbs "$URL" --tee tpm --tcti "$TCTI"
want_rc 1
want_stderr_has "AttestationError"
want_stderr_has "sha256:16"
want_stdout_empty
end_case

begin "another TPM's key is not trusted"
python3 - "$WORK/ak/ak.pem" <<'PY'
import subprocess, sys
# A P-256 key that is not this TPM's AK.
key = subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"], capture_output=True, check=True).stdout
pub = subprocess.run(["openssl", "ec", "-pubout"], input=key, capture_output=True, check=True).stdout
open(sys.argv[1], "wb").write(pub)
PY
tpm2_pcrreset 16 >/dev/null
run_ccs agent get-resource kbs:///tpm/keys/one --kbs "$URL" --tee tpm --tcti "$TCTI"
want_rc 1
want_stderr_has "AttestationError"
end_case

summary
