#!/usr/bin/env bash
# `ccs ratls verify` on SEV-SNP (tag 0x1a7504) and Hygon CSV (tag 0x1a7506)
# RA-TLS certificates made here with openssl around the recorded reports of
# tests/data/attestation (docs/ratls.md "SEV-SNP and CSV evidence"): the
# report verifies to the pinned AMD ARK / Hygon HRK (SNP --at the MANIFEST's
# "as of" time), and the key binding (report_data) is what refuses them --
# a recorded report cannot carry SHA-256 of a fresh certificate's claims.
# Also: no SNP collateral, a tampered CSV report, --kds-cache without --kds,
# and `ccs ratls cert --tee snp|csv` where those platforms are absent.
#
# usage: ratls_snp_csv.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT
SNP=$DATA/attestation/snp/trustee-milan-vcek
CSV=$DATA/attestation/csv/csvrs-report-and-certs
AS_OF=2025-06-01T00:00:00Z

# cert.sh KEY TAG OUT EVIDENCE...: a self-signed certificate for KEY whose
# 2.23.133.5.4.9 is tag(TAG, [bstr EVIDENCE..., bstr claims]) with claims
# {"pubkey-hash": [1, SHA-256(SPKI)]}, as ccs_ratls_cert_create lays it out.
make_cert() {
    local key=$1 tag=$2 out=$3
    shift 3
    local hex
    hex=$(python3 - "$key" "$tag" "$@" <<'PY'
import hashlib, struct, subprocess, sys
key, tag = sys.argv[1], int(sys.argv[2], 0)
ev = b"".join(open(f, "rb").read() for f in sys.argv[3:])
spki = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], check=True,
                      capture_output=True).stdout
def head(major, n):
    if n < 24: return bytes([major << 5 | n])
    if n < 256: return bytes([major << 5 | 24, n])
    if n < 65536: return bytes([major << 5 | 25]) + struct.pack(">H", n)
    return bytes([major << 5 | 26]) + struct.pack(">I", n)
bstr = lambda b: head(2, len(b)) + b
ph = head(4, 2) + head(0, 1) + bstr(hashlib.sha256(spki).digest())
claims = head(5, 1) + head(3, 11) + b"pubkey-hash" + bstr(ph)
print((head(6, tag) + head(4, 2) + bstr(ev) + bstr(claims)).hex())
PY
)
    openssl req -x509 -new -key "$key" -subj "/CN=CCS RA-TLS/O=CCS" -days 1 -sha256 \
        -addext "2.23.133.5.4.9=DER:$hex" -out "$out" 2>/dev/null
}

openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/key.pem" 2>/dev/null
make_cert "$WORK/key.pem" 0x1a7504 "$WORK/snp.pem" "$SNP/report.bin"
cat "$CSV/report.cert" "$CSV/hsk_cek.cert" >"$WORK/csv.bin"
make_cert "$WORK/key.pem" 0x1a7506 "$WORK/csv.pem" "$WORK/csv.bin"
cp "$CSV/report.cert" "$WORK/csv-tampered.bin"
printf '\x01' | dd of="$WORK/csv-tampered.bin" bs=1 seek=144 conv=notrunc 2>/dev/null
cat "$CSV/hsk_cek.cert" >>"$WORK/csv-tampered.bin"
make_cert "$WORK/key.pem" 0x1a7506 "$WORK/csv-tampered.pem" "$WORK/csv-tampered.bin"

begin "verify --help names the SNP/CSV options"
run_ccs ratls verify --help
want_rc 0
want_stdout_has "--kds URL"
want_stdout_has "--at TIME"
want_stdout_has "vcek.der"
run_ccs ratls cert --help
want_rc 0
want_stdout_has "0x1a7504 SEV-SNP"
end_case

begin "SNP: the report verifies with --collateral at its as-of time; the key binding refuses"
run_ccs ratls verify "$WORK/snp.pem" --collateral "$SNP" --at "$AS_OF" --ignore-validity --json
want_rc 1
want_json verdict '"fail"'
want_json tee '"snp"'
want_json tag 1733892
want_json collateral_source '"collateral"'
want_failed evidence report_data
want_py "d['evidence']['claims']['measurement'] != ''"
end_case

begin "SNP: human output names the binding"
run_ccs ratls verify "$WORK/snp.pem" --collateral "$SNP" --at 1748736000 --ignore-validity
want_rc 1
want_stdout_has "report_data: report data does not match the expected value"
end_case

begin "SNP: no VCEK anywhere: refused (collateral)"
run_ccs ratls verify "$WORK/snp.pem" --at "$AS_OF" --ignore-validity --json
want_rc 1
want_failed collateral
end_case

begin "CSV: the HSK and CEK in the certificate; the key binding refuses"
run_ccs ratls verify "$WORK/csv.pem" --json
want_rc 1
want_json tee '"csv"'
want_json tag 1733894
want_json collateral_source '"evidence"'
want_failed evidence report_data
end_case

begin "CSV: a tampered report: the signature fails too"
run_ccs ratls verify "$WORK/csv-tampered.pem" --json
want_rc 1
want_py "'report_signature' in [f['name'] for f in d['failed_checks']]"
end_case

begin "usage: --kds-cache without --kds, a bad --at"
run_ccs ratls verify "$WORK/snp.pem" --kds-cache "$WORK/kds.db"
want_rc 2
run_ccs ratls verify "$WORK/snp.pem" --at yesterday
want_rc 2
end_case

begin "cert --tee snp / csv: not available on this machine"
for tee in snp csv; do
    run_ccs ratls cert --tee "$tee" -o "$WORK/c.pem" --key-out "$WORK/k.pem"
    want_rc 2
    want_stderr_has "not available"
done
end_case

summary
