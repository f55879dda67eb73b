#!/usr/bin/env bash
# `ccs attest verify` / `ccs attest parse` / top-level usage: exit statuses
# (0 pass, 1 refused, 2 bad usage or unreadable input), JSON fields and the
# human output, against the real quotes and collateral in tests/data.
#
# usage: attest_verify.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT

ATT=$DATA/attestation
SGX=$ATT/sgx/dcapqvl-sgx-v3
TDX4=$ATT/tdx/dcapqvl-tdx-v4-uptodate
TDX5=$ATT/tdx/dcapqvl-tdx-v5-unsupported-tcb
DEBUG_TD=$ATT/tdx/trustee-tdx-q4-v4
AT=2025-06-19T11:00:00Z # inside the validity of both dcap-qvl collateral sets
LATE=2025-08-01T00:00:00Z
ACCEPT_ALL=UpToDate,SWHardeningNeeded,ConfigurationNeeded,ConfigurationAndSWHardeningNeeded

verify_sgx() { run_ccs attest verify --evidence "$SGX/quote.bin" --collateral "$SGX" --at "$AT" "$@"; }

# ---- help and top-level usage ------------------------------------------------

begin "ccs --help"
run_ccs --help
want_rc 0
want_stdout_has "usage: ccs"
want_stdout_has "attest"
end_case

begin "ccs attest --help"
run_ccs attest --help
want_rc 0
want_stdout_has "usage: ccs attest"
want_stdout_has "verify"
want_stdout_has "parse"
end_case

begin "ccs attest verify --help lists every option"
run_ccs attest verify --help
want_rc 0
for o in --evidence --tee --collateral --pccs --pccs-cache --at --report-data --accept-tcb --allow-debug --json; do
    want_stdout_has "$o "
done
end_case

begin "ccs attest verify -h"
run_ccs attest verify -h
want_rc 0
want_stdout_has "--evidence"
end_case

begin "ccs attest parse --help"
run_ccs attest parse --help
want_rc 0
want_stdout_has "usage: ccs attest parse"
want_stdout_has "--evidence"
end_case

begin "ccs (no arguments) is a usage error"
run_ccs
want_usage_error
want_stderr_has "usage:"
end_case

begin "ccs nosuch is a usage error"
run_ccs nosuch
want_usage_error
want_stderr_has "nosuch"
end_case

begin "ccs attest (no verb) is a usage error"
run_ccs attest
want_usage_error
end_case

begin "ccs attest nosuch is a usage error"
run_ccs attest nosuch
want_usage_error
want_stderr_has "nosuch"
end_case

# ---- passing quotes ------------------------------------------------------------

begin "SGX v3, collateral directory: pass (JSON)"
verify_sgx --json
want_rc 0
want_json verdict '"pass"'
want_json tee '"sgx"'
want_json quote_version 3
want_json tcb_status '"ConfigurationAndSWHardeningNeeded"'
want_json advisory_ids '["INTEL-SA-00289","INTEL-SA-00615"]'
want_json failed_checks '[]'
want_claims mrenclave mrsigner isv_prod_id isv_svn attributes report_data debug fmspc pce_id
want_json claims.fmspc '"00a067110000"'
want_json claims.pce_id '"0000"'
want_json claims.debug false
want_py "len(d['claims']['mrenclave']) == 64 and len(d['claims']['report_data']) == 128"
end_case

begin "SGX v3, dcap-qvl collateral JSON file: pass"
run_ccs attest verify --evidence "$SGX/quote.bin" --collateral "$SGX/collateral_dcapqvl.json" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
want_json tcb_status '"ConfigurationAndSWHardeningNeeded"'
want_json failed_checks '[]'
end_case

begin "SGX v3 with --tee sgx: pass"
verify_sgx --tee sgx --json
want_rc 0
want_json verdict '"pass"'
end_case

begin "SGX v3 with --accept-tcb listing its status: pass"
verify_sgx --accept-tcb "$ACCEPT_ALL" --json
want_rc 0
want_json verdict '"pass"'
end_case

begin "TDX v4 UpToDate: pass (JSON)"
run_ccs attest verify --evidence "$TDX4/quote.bin" --collateral "$TDX4" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
want_json tee '"tdx"'
want_json quote_version 4
want_json tcb_status '"UpToDate"'
want_json advisory_ids '[]'
want_json failed_checks '[]'
want_claims mr_td rtmr0 rtmr1 rtmr2 rtmr3 mr_seam mr_signer_seam mr_config_id mr_owner mr_owner_config \
    td_attributes xfam report_data debug fmspc pce_id
want_json claims.fmspc '"b0c06f000000"'
want_json claims.debug false
want_py "len(d['claims']['mr_td']) == 96 and len(d['claims']['td_attributes']) == 16"
end_case

begin "TDX v4 with --tee tdx, dcap-qvl JSON collateral: pass"
run_ccs attest verify --evidence "$TDX4/quote.bin" --collateral "$TDX4/collateral_dcapqvl.json" --at "$AT" --tee tdx --json
want_rc 0
want_json tcb_status '"UpToDate"'
end_case

# ---- refused quotes --------------------------------------------------------------

begin "SGX v3 after the collateral expired: refused"
run_ccs attest verify --evidence "$SGX/quote.bin" --collateral "$SGX" --at "$LATE" --json
want_rc 1
want_json verdict '"fail"'
want_failed pck_crl tcb_info_validity qe_identity_validity
end_case

begin "TDX v5 with an unsupported TCB level: refused"
run_ccs attest verify --evidence "$TDX5/quote.bin" --collateral "$TDX5" --at 2026-02-19T00:00:00Z --json
want_rc 1
want_json verdict '"fail"'
want_json quote_version 5
want_json tcb_status '"TCBLevelNotSupported"'
want_failed tcb_level
end_case

begin "SGX v3 with --accept-tcb UpToDate: refused"
verify_sgx --accept-tcb UpToDate --json
want_rc 1
want_json verdict '"fail"'
want_json tcb_status '"ConfigurationAndSWHardeningNeeded"'
want_failed tcb_status
end_case

begin "SGX v3 with a wrong --report-data: refused"
verify_sgx --report-data 00112233 --json
want_rc 1
want_json verdict '"fail"'
want_failed report_data
end_case

REPORT_DATA=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read()[368:432].hex())' "$SGX/quote.bin")
# "Hello, world!" then zeros: a prefix whose rest is zero also matches.
RD_PREFIX=${REPORT_DATA:0:26}

begin "SGX v3 with the quote's own --report-data (64 bytes): pass"
verify_sgx --report-data "$REPORT_DATA" --json
want_rc 0
want_json verdict '"pass"'
want_json claims.report_data "\"$REPORT_DATA\""
end_case

begin "SGX v3 with --report-data as an upper-case prefix: pass"
verify_sgx --report-data "${RD_PREFIX^^}" --json
want_rc 0
want_json verdict '"pass"'
end_case

begin "SGX v3 with --report-data a prefix whose rest is not zero: refused"
verify_sgx --report-data "${REPORT_DATA:0:10}" --json
want_rc 1
want_failed report_data
end_case

begin "SGX v3 with --report-data differing in the last byte: refused"
verify_sgx --report-data "${REPORT_DATA:0:126}01" --json
want_rc 1
want_failed report_data
end_case

begin "SGX v3 with an empty --report-data: usage error (never 'no check')"
verify_sgx --report-data "" --json
want_usage_error
end_case

begin "--pccs-cache with --collateral: usage error"
verify_sgx --pccs-cache "$WORK/never.db" --json
want_usage_error
end_case

begin "SGX quote with --tee tdx: usage error"
verify_sgx --tee tdx --json
want_usage_error
want_stderr_has "sgx"
end_case

begin "TDX quote with --tee sgx: usage error"
run_ccs attest verify --evidence "$TDX4/quote.bin" --collateral "$TDX4" --at "$AT" --tee sgx
want_usage_error
end_case

python3 - "$SGX/quote.bin" "$WORK/flipped.bin" "$WORK/truncated.bin" <<'EOF'
import sys
q = bytearray(open(sys.argv[1], "rb").read())
open(sys.argv[3], "wb").write(q[:1000])
q[200] ^= 0x01  # inside the enclave report body
open(sys.argv[2], "wb").write(q)
EOF

begin "SGX quote with one body byte flipped: refused"
run_ccs attest verify --evidence "$WORK/flipped.bin" --collateral "$SGX" --at "$AT" --json
want_rc 1
want_json verdict '"fail"'
want_failed quote_signature
end_case

begin "truncated quote (1000 bytes): verify refuses with quote_format"
run_ccs attest verify --evidence "$WORK/truncated.bin" --collateral "$SGX" --at "$AT" --json
want_rc 1
want_json verdict '"fail"'
want_py "'quote_format' in [c['name'] for c in d['failed_checks']]"
end_case

begin "empty evidence file: verify refuses with quote_format"
: >"$WORK/empty.bin"
run_ccs attest verify --evidence "$WORK/empty.bin" --collateral "$SGX" --at "$AT" --json
want_rc 1
want_py "'quote_format' in [c['name'] for c in d['failed_checks']]"
end_case

begin "TDX quote against SGX collateral: refused"
run_ccs attest verify --evidence "$TDX4/quote.bin" --collateral "$SGX" --at "$AT" --json
want_rc 1
want_json verdict '"fail"'
want_py "{'tcb_info', 'fmspc', 'qe_identity'} <= {c['name'] for c in d['failed_checks']}"
end_case

# ---- parse -------------------------------------------------------------------------

begin "parse SGX v3"
run_ccs attest parse --evidence "$SGX/quote.bin"
want_rc 0
want_json tee '"sgx"'
want_json version 3
want_json body.report_data "\"$REPORT_DATA\""
want_json trailing_bytes 0
end_case

begin "parse debug TD (trustee q4): td_attributes has the DEBUG bit"
run_ccs attest parse --evidence "$DEBUG_TD/quote.bin"
want_rc 0
want_json tee '"tdx"'
want_json version 4
want_py "d['body']['td_attributes'].startswith('01')"
end_case

begin "parse TDX v4 UpToDate: not a debug TD"
run_ccs attest parse --evidence "$TDX4/quote.bin"
want_rc 0
want_py "d['body']['td_attributes'].startswith('00')"
end_case

begin "parse a truncated quote: usage error"
run_ccs attest parse --evidence "$WORK/truncated.bin"
want_usage_error
want_stderr_has "truncated"
end_case

begin "parse without --evidence: usage error"
run_ccs attest parse
want_usage_error
end_case

begin "parse with an unknown option: usage error"
run_ccs attest parse --evidence "$SGX/quote.bin" --bogus
want_usage_error
end_case

begin "parse a nonexistent file: usage error"
run_ccs attest parse --evidence "$WORK/no-such-quote.bin"
want_usage_error
end_case

# ---- verify usage errors -------------------------------------------------------------

begin "verify without --evidence: usage error"
run_ccs attest verify --collateral "$SGX" --at "$AT"
want_usage_error
want_stderr_has "--evidence"
end_case

begin "verify with both --collateral and --pccs: usage error"
verify_sgx --pccs http://127.0.0.1:1
want_usage_error
end_case

begin "verify with neither --collateral nor --pccs: usage error"
run_ccs attest verify --evidence "$SGX/quote.bin" --at "$AT"
want_usage_error
end_case

for bad_at in yesterday 2025-06-19 2025-06-19T11:00:00 2025-13-01T00:00:00Z ""; do
    begin "verify with a bad --at \"$bad_at\": usage error"
    verify_sgx --at "$bad_at"
    want_usage_error
    end_case
done

for bad_tcb in Bogus "" "UpToDate,Nope" uptodate_; do
    begin "verify with a bad --accept-tcb \"$bad_tcb\": usage error"
    verify_sgx --accept-tcb "$bad_tcb"
    want_usage_error
    end_case
done

begin "verify with --report-data of odd length: usage error"
verify_sgx --report-data abc
want_usage_error
end_case

begin "verify with --report-data not hex: usage error"
verify_sgx --report-data zz
want_usage_error
end_case

begin "verify with --report-data of 65 bytes: usage error"
verify_sgx --report-data "${REPORT_DATA}00"
want_usage_error
end_case

begin "verify with a bad --tee: usage error"
verify_sgx --tee sev
want_usage_error
end_case

begin "verify with an unknown option: usage error"
verify_sgx --bogus
want_usage_error
want_stderr_has "--bogus"
end_case

begin "verify with a stray argument: usage error"
verify_sgx stray
want_usage_error
end_case

begin "verify with --evidence missing its value: usage error"
run_ccs attest verify --collateral "$SGX" --evidence
want_usage_error
end_case

begin "verify a nonexistent evidence file: usage error"
run_ccs attest verify --evidence "$WORK/no-such-quote.bin" --collateral "$SGX" --at "$AT"
want_usage_error
want_stderr_has "evidence"
end_case

begin "verify with a nonexistent collateral path: usage error"
run_ccs attest verify --evidence "$SGX/quote.bin" --collateral "$WORK/no-such-dir" --at "$AT"
want_usage_error
want_stderr_has "collateral"
end_case

begin "verify with an empty collateral directory: usage error"
mkdir -p "$WORK/empty-dir"
run_ccs attest verify --evidence "$SGX/quote.bin" --collateral "$WORK/empty-dir" --at "$AT"
want_usage_error
end_case

begin "verify with --pccs not http(s): usage error"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs ftp://127.0.0.1/ --at "$AT"
want_usage_error
end_case

# ---- human output ----------------------------------------------------------------------

begin "human output of a pass: PASS and the TCB status"
verify_sgx
want_rc 0
want_stdout_has "PASS"
want_stdout_has "ConfigurationAndSWHardeningNeeded"
want_stdout_has "INTEL-SA-00289"
end_case

begin "human output of a TDX pass: PASS and UpToDate"
run_ccs attest verify --evidence "$TDX4/quote.bin" --collateral "$TDX4" --at "$AT"
want_rc 0
want_stdout_has "PASS"
want_stdout_has "UpToDate"
end_case

begin "human output of a refusal: FAIL, the TCB status and the failed checks"
run_ccs attest verify --evidence "$TDX5/quote.bin" --collateral "$TDX5" --at 2026-02-19T00:00:00Z
want_rc 1
want_stdout_has "FAIL"
want_stdout_has "TCBLevelNotSupported"
want_stdout_has "tcb_level"
end_case

begin "human output of an expired-collateral refusal"
run_ccs attest verify --evidence "$SGX/quote.bin" --collateral "$SGX" --at "$LATE"
want_rc 1
want_stdout_has "FAIL"
want_stdout_has "ConfigurationAndSWHardeningNeeded"
want_stdout_has "tcb_info_validity"
end_case

summary
