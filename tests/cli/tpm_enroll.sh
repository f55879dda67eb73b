#!/usr/bin/env bash
# TPM 2.0 AK enrollment through the EK certificate (docs/attest.md "TPM 2.0
# AK enrollment"), end to end against a swtpm manufactured here by
# swtpm_setup --create-ek-cert under a local CA (swtpm_localca, state in
# $WORK): ek-cert, ak-public, tpm-challenge, activate, tpm-enroll, then a
# quote verified through the issued AK certificate. Refusals: an EK
# certificate from another CA, tampered challenges, a wrong response, AKs
# that are not restricted/fixedTPM, an AK Name mismatch. Cross-checked with
# tpm2-tools both ways (tpm2_makecredential -> ccs activate; ccs challenge ->
# tpm2_activatecredential). swtpm is stopped on any exit.
#
# usage: tpm_enroll.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
SWTPM=$(cd "$(dirname "$0")/../.." && pwd)/scripts/swtpm.sh
trap '"$SWTPM" stop "$WORK/swtpm" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
export TSS2_LOG=all+NONE
W=$WORK

# ---- usage ----------------------------------------------------------------------------

for v in "tee tpm ek-cert" "tee tpm ak-public" "tee tpm activate" "attest tpm-challenge" "attest tpm-enroll"; do
    begin "$v --help"
    # shellcheck disable=SC2086
    run_ccs $v --help
    want_rc 0
    want_stdout_has "usage: ccs $v"
    end_case
done

begin "tpm-challenge without its inputs is a usage error"
run_ccs attest tpm-challenge --ek-cert x.pem
want_usage_error
end_case

begin "tee tpm activate without a challenge is a usage error"
run_ccs tee tpm activate -o x
want_usage_error
end_case

# ---- a TPM with an EK certificate from a local CA ----------------------------------------

mkdir -p "$W/ca" "$W/swtpm/state"
cat >"$W/localca.conf" <<CONF
statedir = $W/ca
signingkey = $W/ca/signkey.pem
issuercert = $W/ca/issuercert.pem
certserial = $W/ca/certserial
CONF
printf -- '--platform-manufacturer CCS\n--platform-version 2.1\n--platform-model test\n' >"$W/localca.options"
cat >"$W/setup.conf" <<CONF
create_certs_tool = /usr/bin/swtpm_localca
create_certs_tool_config = $W/localca.conf
create_certs_tool_options = $W/localca.options
active_pcr_banks = sha256
CONF
if ! swtpm_setup --tpm2 --tpmstate "$W/swtpm/state" --create-ek-cert --config "$W/setup.conf" \
        --overwrite >"$W/setup.log" 2>&1; then
    cat "$W/setup.log" >&2
    echo "swtpm_setup failed" >&2
    exit 1
fi
# The EK CA bundle: swtpm_localca's intermediate and its root.
cat "$W/ca/issuercert.pem" "$W/ca/swtpm-localca-rootca-cert.pem" >"$W/ekca.pem"

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
TCTI=$("$SWTPM" start "$W/swtpm" "$PORT")
export TPM2TOOLS_TCTI=$TCTI
flush() { tpm2_flushcontext -t >/dev/null; tpm2_flushcontext -s >/dev/null; }

# The enrollment CA (issues AK certificates) and an unrelated "rogue" CA.
for ca in enca rogue; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/$ca.key" -out "$W/$ca.pem" \
        -subj "/CN=$ca" -days 30 -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
done

begin "ek-cert reads the RSA EK certificate and checks it against the EK"
run_ccs tee tpm ek-cert --tcti "$TCTI" -o "$W/ek.pem" --public-out "$W/ek.pub"
want_rc 0
openssl x509 -in "$W/ek.pem" -noout 2>/dev/null || fail "ek.pem is not a PEM certificate"
[[ -s $W/ek.pub ]] || fail "no EK public area"
run_ccs tee tpm ek-cert --tcti "$TCTI" --der -o "$W/ek.der"
want_rc 0
openssl x509 -inform der -in "$W/ek.der" -noout 2>/dev/null || fail "ek.der is not DER"
end_case

begin "ek-cert --ek ecc: swtpm has no P-256 EK certificate"
run_ccs tee tpm ek-cert --tcti "$TCTI" --ek ecc -o "$W/x.pem"
want_rc 2
want_stderr_has "no ECC EK certificate"
end_case

begin "ak-public writes a TPM2B_PUBLIC"
run_ccs tee tpm ak-public --tcti "$TCTI" -o "$W/ak.pub"
want_rc 0
tpm2_print -t TPM2B_PUBLIC "$W/ak.pub" >/dev/null 2>&1 || fail "tpm2_print cannot read ak.pub"
end_case

begin "tpm-challenge accepts the EK chain and the AK"
run_ccs attest tpm-challenge --ek-cert "$W/ek.pem" --ek-ca "$W/ekca.pem" --ak-public "$W/ak.pub" \
    -o "$W/chal.bin" --state-out "$W/state.json"
want_rc 0
want_stdout_has "challenge for AK 000b"
[[ $(stat -c %a "$W/state.json") == 600 ]] || fail "state file is not mode 0600"
end_case

begin "activate recovers the secret"
run_ccs tee tpm activate --tcti "$TCTI" "$W/chal.bin" -o "$W/resp.bin"
want_rc 0
SECRET=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$W/state.json")
[[ $(xxd -p -c 64 "$W/resp.bin") == "$SECRET" ]] || fail "the activated secret differs"
[[ -z $(tpm2_getcap handles-transient) ]] || fail "transient objects left in the TPM"
end_case

begin "tpm-enroll issues the AK certificate"
run_ccs attest tpm-enroll --state "$W/state.json" --response "$W/resp.bin" --ak-public "$W/ak.pub" \
    --ca-cert "$W/enca.pem" --ca-key "$W/enca.key" -o "$W/akcert.pem"
want_rc 0
openssl verify -CAfile "$W/enca.pem" "$W/akcert.pem" >/dev/null 2>&1 || fail "openssl does not verify the AK certificate"
end_case

mkdir -p "$W/coll" "$W/coll-rogue"
cp "$W/akcert.pem" "$W/coll/ak_chain.pem"
cp "$W/enca.pem" "$W/coll/ak_root.pem"
cp "$W/akcert.pem" "$W/coll-rogue/ak_chain.pem"
cp "$W/rogue.pem" "$W/coll-rogue/ak_root.pem"
RD=$(head -c 32 /dev/urandom | xxd -p -c 64)
begin "a quote verifies through the issued AK certificate"
run_ccs tee quote --platform tpm --tcti "$TCTI" --report-data "$RD" -o "$W/evidence.json"
want_rc 0
run_ccs attest verify --tee tpm --evidence "$W/evidence.json" --collateral "$W/coll" --report-data "$RD" --json
want_rc 0
want_json verdict '"pass"'
want_failed
end_case

begin "the AK certificate does not verify under another root"
run_ccs attest verify --tee tpm --evidence "$W/evidence.json" --collateral "$W/coll-rogue" --report-data "$RD" --json
want_rc 1
want_failed ak_trust
end_case

# ---- refusals -------------------------------------------------------------------------------

openssl x509 -in "$W/ek.pem" -pubkey -noout >"$W/ekpub.pem"
openssl req -new -key "$W/rogue.key" -subj /CN=rogue-ek 2>/dev/null |
    openssl x509 -req -CA "$W/rogue.pem" -CAkey "$W/rogue.key" -force_pubkey "$W/ekpub.pem" -days 30 \
        -out "$W/rogue-ek.pem" 2>/dev/null
begin "an EK certificate from another CA is refused"
run_ccs attest tpm-challenge --ek-cert "$W/rogue-ek.pem" --ek-ca "$W/ekca.pem" --ak-public "$W/ak.pub" \
    -o "$W/x.bin" --state-out "$W/x.json"
want_rc 1
want_stderr_has "EK certificate does not chain to the given CA"
[[ ! -e $W/x.bin && ! -e $W/x.json ]] || fail "files written on refusal"
end_case

begin "the EK certificate against the wrong CA bundle is refused"
run_ccs attest tpm-challenge --ek-cert "$W/ek.pem" --ek-ca "$W/rogue.pem" --ak-public "$W/ak.pub" \
    -o "$W/x.bin" --state-out "$W/x.json"
want_rc 1
want_stderr_has "EK certificate does not chain to the given CA"
end_case

# Flips one byte of a file at an offset: flip IN OUT OFFSET.
flip() { python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[3])] ^= 1; open(sys.argv[2], "wb").write(b)' "$@"; }
# blob: magic(4) version(4) | size(2) hmac-size(2) hmac(32) encIdentity(34) | size(2) encrypted seed(256)
for at in "12:integrityHMAC" "50:encIdentity" "100:encrypted seed"; do
    flip "$W/chal.bin" "$W/tampered.bin" "${at%%:*}"
    begin "a challenge with a flipped byte in its ${at#*:} is refused by the TPM"
    run_ccs tee tpm activate --tcti "$TCTI" "$W/tampered.bin" -o "$W/x.bin"
    want_rc 1
    want_stderr_has "the TPM refused the credential"
    end_case
done

begin "a truncated challenge is unreadable"
head -c 40 "$W/chal.bin" >"$W/short.bin"
run_ccs tee tpm activate --tcti "$TCTI" "$W/short.bin" -o "$W/x.bin"
want_rc 2
end_case

begin "a wrong response is refused"
head -c 32 /dev/urandom >"$W/wrong.bin"
run_ccs attest tpm-enroll --state "$W/state.json" --response "$W/wrong.bin" --ak-public "$W/ak.pub" \
    --ca-cert "$W/enca.pem" --ca-key "$W/enca.key" -o "$W/x.pem"
want_rc 1
want_stderr_has "not the challenge's secret"
[[ ! -e $W/x.pem ]] || fail "a certificate was written"
end_case

begin "a CA key that is not the CA certificate's is refused"
run_ccs attest tpm-enroll --state "$W/state.json" --response "$W/resp.bin" --ak-public "$W/ak.pub" \
    --ca-cert "$W/enca.pem" --ca-key "$W/rogue.key" -o "$W/x.pem"
want_rc 2
want_stderr_has "does not belong to the CA certificate"
end_case

# objectAttributes are bytes 6..9 of the TPM2B_PUBLIC (size, type, nameAlg first).
clear_attr() {
    python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); a = int.from_bytes(b[6:10], "big") & ~int(sys.argv[3], 16); b[6:10] = a.to_bytes(4, "big"); open(sys.argv[2], "wb").write(b)' "$@"
}
clear_attr "$W/ak.pub" "$W/nofixed.pub" 0x2
begin "an AK that is not fixedTPM is refused"
run_ccs attest tpm-challenge --ek-cert "$W/ek.pem" --ek-ca "$W/ekca.pem" --ak-public "$W/nofixed.pub" \
    -o "$W/x.bin" --state-out "$W/x.json"
want_rc 1
want_stderr_has "AK is not fixedTPM"
end_case

flush
tpm2_createprimary -C o -G ecc256:ecdsa-sha256 -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' \
    -c "$W/unres.ctx" >/dev/null
tpm2_readpublic -c "$W/unres.ctx" -o "$W/unres.pub" >/dev/null
flush
begin "an AK that is not a restricted signing key is refused"
run_ccs attest tpm-challenge --ek-cert "$W/ek.pem" --ek-ca "$W/ekca.pem" --ak-public "$W/unres.pub" \
    -o "$W/x.bin" --state-out "$W/x.json"
want_rc 1
want_stderr_has "AK is not a restricted signing key"
end_case

# ---- tpm2-tools, both ways -------------------------------------------------------------

tpm2_createek -c "$W/ek.ctx" -G rsa -u "$W/t2ek.pub" >/dev/null
flush
tpm2_createak -C "$W/ek.ctx" -c "$W/t2ak.ctx" -G rsa -g sha256 -s rsassa -u "$W/t2ak.pub" -n "$W/t2ak.name" >/dev/null
flush

begin "the EK of tpm2_createek is the EK ccs checked against the certificate"
cmp -s "$W/t2ek.pub" "$W/ek.pub" || fail "EK public areas differ"
end_case

begin "tpm2_makecredential -> ccs tee tpm activate"
head -c 32 /dev/urandom >"$W/t2secret.bin"
AKNAME=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ak_name"])' "$W/state.json")
tpm2_makecredential -T none -u "$W/ek.pub" -s "$W/t2secret.bin" -n "$AKNAME" -o "$W/t2cred.bin" >/dev/null 2>&1 ||
    fail "tpm2_makecredential failed"
run_ccs tee tpm activate --tcti "$TCTI" "$W/t2cred.bin" -o "$W/t2out.bin"
want_rc 0
cmp -s "$W/t2secret.bin" "$W/t2out.bin" || fail "the secret differs"
end_case

begin "ccs tpm-challenge -> tpm2_activatecredential, then enrollment of that AK"
run_ccs attest tpm-challenge --ek-cert "$W/ek.pem" --ek-ca "$W/ekca.pem" --ak-public "$W/t2ak.pub" \
    -o "$W/chal2.bin" --state-out "$W/state2.json"
want_rc 0
tpm2_startauthsession --policy-session -S "$W/sess.ctx" >/dev/null
tpm2_policysecret -S "$W/sess.ctx" -c e >/dev/null
tpm2_activatecredential -c "$W/t2ak.ctx" -C "$W/ek.ctx" -i "$W/chal2.bin" -o "$W/resp2.bin" \
    -P "session:$W/sess.ctx" >/dev/null 2>&1 || fail "tpm2_activatecredential failed"
tpm2_flushcontext "$W/sess.ctx" >/dev/null 2>&1 || true
flush
S2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$W/state2.json")
[[ -s $W/resp2.bin && $(xxd -p -c 64 "$W/resp2.bin") == "$S2" ]] || fail "tpm2_activatecredential's secret differs"
run_ccs attest tpm-enroll --state "$W/state2.json" --response "$W/resp2.bin" --ak-public "$W/t2ak.pub" \
    --ca-cert "$W/enca.pem" --ca-key "$W/enca.key" -o "$W/t2akcert.pem"
want_rc 0
openssl x509 -in "$W/t2akcert.pem" -noout -text 2>/dev/null | grep -q "rsaEncryption" || fail "not an RSA AK certificate"
end_case

begin "a challenge for another AK is refused by the TPM (Name bound in the credential)"
run_ccs tee tpm activate --tcti "$TCTI" "$W/chal2.bin" -o "$W/x.bin"
want_rc 1
want_stderr_has "the TPM refused the credential"
end_case

begin "enrolling another AK than the challenge's (Name mismatch) is refused"
run_ccs attest tpm-enroll --state "$W/state.json" --response "$W/resp.bin" --ak-public "$W/t2ak.pub" \
    --ca-cert "$W/enca.pem" --ca-key "$W/enca.key" -o "$W/x.pem"
want_rc 1
want_stderr_has "AK Name does not match"
end_case

# The ECC P-256 EK (template L-2): swtpm_setup certifies a P-384 EK only, so
# the test CA certifies the key tpm2_createek derives; ccs makes the
# credential with ECDH + KDFe and activates it with --ek ecc.
tpm2_createek -c "$W/ekecc.ctx" -G ecc -u "$W/ekecc.pem" -f pem >/dev/null
flush
openssl req -new -key "$W/enca.key" -subj /CN=ecc-ek 2>/dev/null |
    openssl x509 -req -CA "$W/enca.pem" -CAkey "$W/enca.key" -force_pubkey "$W/ekecc.pem" -days 30 \
        -out "$W/ekecc-cert.pem" 2>/dev/null
begin "ECC P-256 EK: ccs challenge -> ccs activate --ek ecc"
run_ccs attest tpm-challenge --ek-cert "$W/ekecc-cert.pem" --ek-ca "$W/enca.pem" --ak-public "$W/ak.pub" \
    -o "$W/chal3.bin" --state-out "$W/state3.json"
want_rc 0
run_ccs tee tpm activate --tcti "$TCTI" --ek ecc "$W/chal3.bin" -o "$W/resp3.bin"
want_rc 0
S3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$W/state3.json")
[[ $(xxd -p -c 64 "$W/resp3.bin") == "$S3" ]] || fail "the activated secret differs"
end_case

begin "an ECC-EK challenge is refused by the RSA EK"
run_ccs tee tpm activate --tcti "$TCTI" --ek rsa "$W/chal3.bin" -o "$W/x.bin"
want_rc 1
end_case

summary
