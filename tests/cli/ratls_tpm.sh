#!/usr/bin/env bash
# `ccs ratls cert --tee tpm` then `ccs ratls verify` (docs/ratls.md "TPM 2.0
# evidence"): a swtpm started here on loopback quotes over SHA-256(claims);
# the certificate verifies with the TPM's own AK (ak.pem in --collateral DIR,
# or --ak FILE), and is refused with another AK, a --nonce the claims do
# not carry, and with no AK trust at all. swtpm is stopped on any exit.
#
# usage: ratls_tpm.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
SWTPM=$(cd "$(dirname "$0")/../.." && pwd)/scripts/swtpm.sh
trap '"$SWTPM" stop "$WORK/swtpm" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
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

summary
