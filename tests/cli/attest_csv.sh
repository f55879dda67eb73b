#!/usr/bin/env bash
# `ccs attest verify` on Hygon CSV evidence: the csv-rs report with its full
# chain, the trustee JSON evidence without HSK/CEK, refusals named by check,
# auto-detection, collateral directories and usage errors.
#
# usage: attest_csv.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT

CSVRS=$DATA/attestation/csv/csvrs-report-and-certs
TRUSTEE=$DATA/attestation/csv/trustee-csv-evidence
MNONCE=67c6697351ff4aec29cdbaabf2fbe346

verify_csvrs() { run_ccs attest verify --evidence "$CSVRS/report.cert" --collateral "$CSVRS" "$@"; }

begin "verify --help documents the CSV options"
run_ccs attest verify --help
want_rc 0
for o in "--mnonce HEX" "--insecure-unchecked-hmac" "hsk_cek.cert" "Hygon CSV"; do want_stdout_has "$o"; done
end_case

begin "csv-rs report: full chain passes (auto-detected)"
verify_csvrs --json
want_rc 0
want_json verdict '"pass"'
want_json tee '"csv"'
want_json report_version 1
want_json evidence_form '"raw"'
want_json report_hmac '"valid"'
want_failed
want_json claims.chip_id '"NZA9T14052605"'
want_json claims.measurement '"1178dadbf826ec7a07444ba358376d81c312cb53d703f9da83b26c1eee2ea052"'
want_json claims.policy 1073741825
want_json claims.policy_flags.nodbg true
want_json claims.mnonce "\"$MNONCE\""
want_json claims.firmware '{"pek": "1.3", "cek": "1.1"}'
want_py "d['claims']['report_data'] == '757365722064617461' + '00' * 55"
want_py "set(['user_pubkey_digest', 'vm_id', 'vm_version', 'debug']) <= set(d['claims'])"
end_case

begin "csv-rs report: human output"
verify_csvrs --tee csv
want_rc 0
want_stdout_has "report.cert: PASS"
want_stdout_has "NZA9T14052605"
want_stdout_has "0x40000001"
want_stdout_has "report_hmac      valid"
end_case

begin "csv-rs report: hsk.cert and cek.cert instead of hsk_cek.cert, no hrk.cert"
mkdir -p "$WORK/split"
cp "$CSVRS/hsk.cert" "$CSVRS/cek.cert" "$WORK/split/"
run_ccs attest verify --evidence "$CSVRS/report.cert" --collateral "$WORK/split" --json
want_rc 0
want_json verdict '"pass"'
end_case

begin "csv-rs report: expected mnonce and report data"
verify_csvrs --json --mnonce "$MNONCE" --report-data 757365722064617461
want_rc 0
want_failed
end_case

begin "csv-rs report: another mnonce is refused"
verify_csvrs --json --mnonce 00000000000000000000000000000000
want_rc 1
want_json verdict '"fail"'
want_failed mnonce
end_case

begin "csv-rs report: other report data is refused"
verify_csvrs --json --report-data 757365722064617462
want_rc 1
want_failed report_data
end_case

begin "csv-rs report: --measurement pins a v1 report whose anonce was changed"
verify_csvrs --json
M=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["claims"]["measurement"])' "$OUT")
verify_csvrs --json --measurement "$M"
want_rc 0
# The anonce (offset 188) is outside the PEK's signature: changed, with the
# fields it masks re-masked and the HMAC recomputed with the mnonce the
# report itself carries, every unmasked claim moves by the same XOR.
python3 - "$CSVRS/report.cert" "$WORK/shifted.cert" <<'PY'
import hmac, struct, sys
r = bytearray(open(sys.argv[1], "rb").read())
d = struct.pack("<I", 1)
for off, n in ((180, 8), (336, 2084 + 64)):
    for i in range(n):
        r[off + i] ^= d[i % 4]
a = struct.unpack_from("<I", r, 188)[0] ^ 1
struct.pack_into("<I", r, 188, a)
k = struct.pack("<I", a)
mnonce = bytes(r[128 + i] ^ k[i % 4] for i in range(16))
r[2516:2548] = hmac.new(mnonce, bytes(r[336:2516]), "sm3").digest()
open(sys.argv[2], "wb").write(r)
PY
run_ccs attest verify --evidence "$WORK/shifted.cert" --collateral "$CSVRS" --json --allow-debug
want_rc 0
want_py "d['claims']['measurement'] != '$M' and d['report_hmac'] == 'valid'"
run_ccs attest verify --evidence "$WORK/shifted.cert" --collateral "$CSVRS" --json --allow-debug --measurement "$M"
want_rc 1
want_failed measurement
end_case

begin "--measurement must be 32 bytes"
run_ccs attest verify --evidence "$CSVRS/report.cert" --collateral "$CSVRS" --measurement 00ff
want_usage_error
want_stderr_has "--measurement must be 32 bytes of hex"
end_case

begin "csv-rs report: a flipped signed byte"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[70]^=1; open(sys.argv[2],'wb').write(b)" \
    "$CSVRS/report.cert" "$WORK/flipped.cert"
run_ccs attest verify --evidence "$WORK/flipped.cert" --collateral "$CSVRS" --json
want_rc 1
want_failed report_signature
end_case

begin "csv-rs report: reserved bytes changed break the HMAC"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[2490]^=1; open(sys.argv[2],'wb').write(b)" \
    "$CSVRS/report.cert" "$WORK/hmac.cert"
run_ccs attest verify --evidence "$WORK/hmac.cert" --collateral "$CSVRS" --json
want_rc 1
want_json report_hmac '"invalid"'
want_failed report_hmac
end_case

begin "csv-rs report: truncated (--tee csv) is report_format"
head -c 2000 "$CSVRS/report.cert" >"$WORK/short.cert"
run_ccs attest verify --evidence "$WORK/short.cert" --collateral "$CSVRS" --tee csv --json
want_rc 1
want_failed report_format
want_py "'claims' not in d"
end_case

begin "csv-rs report: missing HSK/CEK is a named failure"
mkdir -p "$WORK/hrk-only"
cp "$CSVRS/hrk.cert" "$WORK/hrk-only/"
run_ccs attest verify --evidence "$CSVRS/report.cert" --collateral "$WORK/hrk-only" --json
want_rc 1
want_failed csv_chain
want_py "'missing collateral: HSK/CEK for chip NZA9T14052605' in d['failed_checks'][0]['message']"
end_case

begin "csv-rs report: a foreign HRK is refused"
mkdir -p "$WORK/foreign"
cp "$CSVRS/hsk_cek.cert" "$WORK/foreign/"
cp "$CSVRS/hsk.cert" "$WORK/foreign/hrk.cert"
run_ccs attest verify --evidence "$CSVRS/report.cert" --collateral "$WORK/foreign" --json
want_rc 1
want_failed hrk csv_chain
end_case

begin "trustee evidence: chain missing, HMAC not checkable"
run_ccs attest verify --evidence "$TRUSTEE/evidence.json" --collateral "$TRUSTEE" --json
want_rc 1
want_json evidence_form '"trustee"'
want_json report_hmac '"not_checkable"'
want_failed csv_chain report_hmac
want_json claims.chip_id '"KPA64911240507"'
want_json claims.policy 69
want_py "any('missing collateral: HSK/CEK for chip KPA64911240507' in c['message'] for c in d['failed_checks'])"
end_case

begin "trustee evidence: --insecure-unchecked-hmac leaves the missing chain"
run_ccs attest verify --evidence "$TRUSTEE/evidence.json" --collateral "$TRUSTEE" --tee csv --insecure-unchecked-hmac
want_rc 1
want_stdout_has "FAIL"
want_stdout_has "failed: csv_chain: missing collateral"
want_stdout_has "not checkable"
end_case

begin "trustee evidence: the csv-rs chip's CEK does not sign its PEK"
run_ccs attest verify --evidence "$TRUSTEE/evidence.json" --collateral "$CSVRS" --insecure-unchecked-hmac --json
want_rc 1
want_failed pek_signature
end_case

begin "csv evidence with --tee sgx is a usage error"
verify_csvrs --tee sgx
want_usage_error
want_stderr_has "csv evidence"
end_case

begin "csv with --pccs is a usage error"
run_ccs attest verify --evidence "$CSVRS/report.cert" --pccs https://127.0.0.1:1
want_usage_error
want_stderr_has "--collateral DIR"
end_case

begin "unreadable collateral directory"
run_ccs attest verify --evidence "$CSVRS/report.cert" --collateral "$WORK/no-such-dir"
want_usage_error
end_case

begin "hsk_cek.cert of the wrong size"
mkdir -p "$WORK/badpair"
head -c 1000 "$CSVRS/hsk_cek.cert" >"$WORK/badpair/hsk_cek.cert"
run_ccs attest verify --evidence "$CSVRS/report.cert" --collateral "$WORK/badpair"
want_usage_error
want_stderr_has "hsk_cek.cert"
end_case

begin "--mnonce must be 16 bytes"
verify_csvrs --mnonce 0011
want_usage_error
end_case

summary
