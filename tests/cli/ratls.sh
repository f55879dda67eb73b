#!/usr/bin/env bash
# `ccs ratls`: cert for sim-sgx and sim-tdx (key mode 0600, the evidence
# extensions), verify accepted with --trust-sim (exit 0, JSON), refused
# without it, with another certificate's evidence spliced in, or with a
# wrong nonce (exit 1); usage errors (exit 2).
#
# usage: ratls.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT

SIM=$WORK/sim
"$CCS" tee sim init --sim-dir "$SIM" >/dev/null

begin "ccs ratls --help"
run_ccs ratls --help
want_rc 0
for v in cert verify; do want_stdout_has "$v"; done
end_case

begin "ccs ratls cert --help / verify --help list their options"
run_ccs ratls cert --help
want_rc 0
for o in --tee --sim-dir --curve --nonce --output --key-out; do want_stdout_has "$o "; done
run_ccs ratls verify --help
want_rc 0
for o in --trust-sim --collateral --nonce --json; do want_stdout_has "$o "; done
end_case

for tee in sim-sgx sim-tdx; do
  begin "ccs ratls cert --tee $tee"
  run_ccs ratls cert --tee "$tee" --sim-dir "$SIM" -o "$WORK/$tee.pem" --key-out "$WORK/$tee.key"
  want_rc 0
  want_stdout_has "INSECURE"
  [[ $(stat -c %a "$WORK/$tee.key") == 600 ]] || fail "key is not 0600"
  openssl x509 -in "$WORK/$tee.pem" -noout -text >"$WORK/text" 2>/dev/null || fail "openssl cannot read the cert"
  grep -q "2.23.133.5.4.9" "$WORK/text" || fail "no TCG evidence extension"
  if [[ $tee == sim-sgx ]]; then
    grep -q "1.2.840.113741.1337.6" "$WORK/text" || fail "no legacy SGX quote extension"
  fi
  end_case

  begin "ccs ratls verify --trust-sim accepts $tee"
  run_ccs ratls verify "$WORK/$tee.pem" --trust-sim "$SIM" --json
  want_rc 0
  want_json verdict '"pass"'
  want_json format '"tcg"'
  want_json insecure_sim 'true'
  want_stderr_has "INSECURE"
  end_case

  begin "ccs ratls verify without --trust-sim refuses $tee"
  run_ccs ratls verify "$WORK/$tee.pem" --json
  want_rc 1
  want_json verdict '"fail"'
  want_failed collateral
  end_case
done

begin "ccs ratls verify refuses a P-384 cert with a wrong nonce"
run_ccs ratls cert --tee sim-sgx --sim-dir "$SIM" --curve p384 --nonce 0a0b0c -o "$WORK/n.pem" --key-out "$WORK/n.key"
want_rc 0
run_ccs ratls verify "$WORK/n.pem" --trust-sim "$SIM" --nonce 0a0b0c
want_rc 0
want_stdout_has "accepted"
run_ccs ratls verify "$WORK/n.pem" --trust-sim "$SIM" --nonce 0a0b0d --json
want_rc 1
want_failed nonce
end_case

begin "ccs ratls verify refuses another cert's evidence spliced in"
# The sim-tdx certificate's TCG extension value, on a new cert for another key.
python3 - "$WORK/sim-tdx.pem" "$WORK/ext.hex" <<'PY'
import base64, re, sys
pem = open(sys.argv[1]).read()
der = base64.b64decode("".join(re.findall(r"^[A-Za-z0-9+/=]+$", pem, re.M)))
oid = bytes.fromhex("0606678105050409")  # 2.23.133.5.4.9
i = der.index(oid) + len(oid)
assert der[i] == 0x04  # extnValue OCTET STRING
n = der[i + 1]
if n & 0x80:
    k = n & 0x7f
    n = int.from_bytes(der[i + 2:i + 2 + k], "big")
    i += k
open(sys.argv[2], "w").write(der[i + 2:i + 2 + n].hex())
PY
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/o.key" \
  -subj /CN=spliced -days 1 -addext "2.23.133.5.4.9=DER:$(cat "$WORK/ext.hex")" -out "$WORK/spliced.pem" 2>/dev/null ||
  fail "openssl req failed"
run_ccs ratls verify "$WORK/spliced.pem" --trust-sim "$SIM" --json
want_rc 1
# The quote still matches its own claims: the pubkey-hash claim is what fails.
want_failed pubkey_hash
end_case

begin "ccs ratls verify: a cert without evidence is refused"
run_ccs ratls verify "$WORK/o.key" --trust-sim "$SIM"
want_rc 2
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/p.key" \
  -subj /CN=plain -days 1 -out "$WORK/plain.pem" 2>/dev/null
run_ccs ratls verify "$WORK/plain.pem" --trust-sim "$SIM" --json
want_rc 1
want_failed ratls_format
end_case

begin "usage errors"
run_ccs ratls
want_rc 2
run_ccs ratls frobnicate
want_usage_error
run_ccs ratls cert --sim-dir "$SIM" -o "$WORK/x.pem" --key-out "$WORK/x.key"
want_usage_error
run_ccs ratls cert --tee sim-sgx --sim-dir "$SIM"
want_usage_error
run_ccs ratls cert --tee sim-sgx --curve p521 -o "$WORK/x.pem" --key-out "$WORK/x.key"
want_usage_error
run_ccs ratls cert --tee sim-sgx --trust-sim "$SIM" -o "$WORK/x.pem" --key-out "$WORK/x.key"
want_usage_error
run_ccs ratls verify
want_usage_error
run_ccs ratls verify "$WORK/missing.pem"
want_usage_error
end_case

summary
