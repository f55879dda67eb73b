#!/usr/bin/env bash
# `ccs ratls cert --tee tpm` then `ccs ratls verify` (docs/ratls.md "TPM 2.0
# evidence"): a swtpm started here on loopback quotes over SHA-256(claims);
# the certificate verifies with the TPM's own AK (ak.pem in --collateral DIR,
# or --ak FILE), and is refused with another AK, a --nonce the claims do
# not carry, and with no AK trust at all. Then secret provisioning with TPM
# evidence on both sides (provision-server/-client --tee tpm --tcti --pcrs):
# the PCR policy accepts the quoted PCR 16, refuses a client that does not
# quote it, and a client whose --tcti reaches no TPM fails to connect.
# swtpm and the server are stopped on any exit.
#
# usage: ratls_tpm.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
SWTPM=$(cd "$(dirname "$0")/../.." && pwd)/scripts/swtpm.sh
SERVER_PID=""
trap '[[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; "$SWTPM" stop "$WORK/swtpm" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
export TSS2_LOG=all+NONE

if ! command -v swtpm >/dev/null; then
    echo "SKIP: swtpm is not installed (scripts/install-deps.sh installs it)"
    exit 77
fi

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

mkdir -p "$WORK/ak" "$WORK/other" "$WORK/empty"
begin "the TPM's AK (ccs tee measurements)"
run_ccs tee measurements --platform tpm --tcti "$TCTI"
want_rc 0
python3 -c 'import json,sys; open(sys.argv[2],"w").write(json.load(open(sys.argv[1]))["ak_public"])' "$OUT" "$WORK/ak/ak.pem" ||
    fail "no ak_public in the measurements"
end_case

begin "ccs ratls cert --tee tpm"
run_ccs ratls cert --tee tpm --tcti "$TCTI" --nonce 0a0b0c -o "$WORK/cert.pem" --key-out "$WORK/key.pem"
want_rc 0
want_stdout_has "tpm evidence"
end_case

begin "verify with ak.pem in --collateral: accepted"
run_ccs ratls verify "$WORK/cert.pem" --collateral "$WORK/ak" --nonce 0a0b0c --json
want_rc 0
want_json verdict '"pass"'
want_json tee '"tpm"'
want_json format '"tcg"'
want_json tag 1128485633
want_failed
want_py "'16' in d['evidence']['claims']['pcrs']['sha256']"
end_case

begin "verify with --ak: accepted (human output)"
run_ccs ratls verify "$WORK/cert.pem" --ak "$WORK/ak/ak.pem"
want_rc 0
want_stdout_has "accepted"
want_stdout_has "tpm"
end_case

openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/other/key.pem" 2>/dev/null
openssl ec -in "$WORK/other/key.pem" -pubout -out "$WORK/other/ak.pem" 2>/dev/null
begin "verify with another ak.pem: refused"
run_ccs ratls verify "$WORK/cert.pem" --collateral "$WORK/other" --json
want_rc 1
want_json verdict '"fail"'
want_failed evidence ak_trust
end_case

begin "verify with another nonce: refused"
run_ccs ratls verify "$WORK/cert.pem" --collateral "$WORK/ak" --nonce 0a0b0d --json
want_rc 1
want_failed nonce
end_case

begin "verify without the AK trust: refused, named"
run_ccs ratls verify "$WORK/cert.pem" --collateral "$WORK/empty" --json
want_rc 1
want_failed tpm_ak_trust
end_case

begin "the quoted PCR 16 (for the provisioning policy)"
run_ccs ratls verify "$WORK/cert.pem" --collateral "$WORK/ak" --json
want_rc 0
PCR16=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["evidence"]["claims"]["pcrs"]["sha256"]["16"])' "$OUT") ||
    fail "no PCR 16 in the result"
end_case

mkdir -p "$WORK/secrets"
head -c 32 /dev/urandom >"$WORK/secrets/db-key"
echo '{"version":1,"tees":{"tpm":{"pcrs":{"sha256:16":{"ref":"tpm.pcr16"}}}}}' >"$WORK/policy.json"
"$CCS" ratls provision-server --listen 127.0.0.1:0 --port-file "$WORK/prov.port" --secrets "$WORK/secrets" \
    --policy "$WORK/policy.json" --refval "tpm.pcr16=$PCR16" --collateral "$WORK/ak" \
    --tee tpm --tcti "$TCTI" --pcrs sha256:16 >"$WORK/prov.out" 2>"$WORK/prov.err" &
SERVER_PID=$!
SPORT=""
for _ in $(seq 100); do
    if [[ -s $WORK/prov.port ]]; then SPORT=$(cat "$WORK/prov.port"); break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
[[ -n $SPORT ]] || { echo "provision-server did not start"; cat "$WORK/prov.err"; exit 1; }

begin "provision-client --tee tpm --tcti --pcrs: the server's TPM evidence verifies, the secret arrives"
run_ccs ratls provision-client --server "127.0.0.1:$SPORT" --name db-key --tee tpm --tcti "$TCTI" \
    --pcrs sha256:0-7,16 --collateral "$WORK/ak" -o "$WORK/got"
want_rc 0
cmp -s "$WORK/got" "$WORK/secrets/db-key" || fail "the secret differs"
end_case

begin "provision-client --pcrs without PCR 16: refused by the server's policy"
run_ccs ratls provision-client --server "127.0.0.1:$SPORT" --name db-key --tee tpm --tcti "$TCTI" \
    --pcrs sha256:0-7 --collateral "$WORK/ak" -o "$WORK/got2"
want_rc 1
want_stderr_has "the server refused"
[[ ! -e $WORK/got2 ]] || fail "an output file was written"
end_case

begin "provision-client with another AK for the server: refuses the server"
run_ccs ratls provision-client --server "127.0.0.1:$SPORT" --name db-key --tee tpm --tcti "$TCTI" \
    --collateral "$WORK/other" -o "$WORK/got3"
want_rc 1
want_stderr_has "ak_trust"
end_case

begin "provision-client --tcti that reaches no TPM: fails before connecting"
run_ccs ratls provision-client --server "127.0.0.1:$SPORT" --name db-key --tee tpm \
    --tcti "swtpm:host=127.0.0.1,port=1" --collateral "$WORK/ak" -o "$WORK/got4"
want_rc 2
[[ ! -e $WORK/got4 ]] || fail "an output file was written"
end_case

begin "--tcti / --pcrs without --tee tpm: usage error"
run_ccs ratls provision-client --server "127.0.0.1:$SPORT" --name db-key --tee sim-sgx --tcti "$TCTI" -o "$WORK/got5"
want_rc 2
want_stderr_has "--tee tpm"
run_ccs ratls provision-server --listen 127.0.0.1:0 --secrets "$WORK/secrets" --policy "$WORK/policy.json" \
    --cert "$WORK/cert.pem" --key "$WORK/key.pem" --pcrs sha256:16
want_rc 2
end_case

summary
