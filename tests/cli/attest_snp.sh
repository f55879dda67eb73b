#!/usr/bin/env bash
# `ccs attest verify` on AMD SEV-SNP reports: every recorded vector passes as
# of 2025-06-01 with its KDS-style collateral directory; tampered reports,
# VCEKs of other chips, foreign chains and policy refusals fail with the named
# checks (exit 1); missing collateral and bad options are usage errors (exit 2).
#
# usage: attest_snp.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT

SNP=$DATA/attestation/snp
AT=2025-06-01T00:00:00Z

verify() { run_ccs attest verify --at "$AT" "$@"; }

# ---- every vector passes ----------------------------------------------------------

# The VLEK vector was requested at VMPL 1 (section "VMPL" below).
for v in trustee-milan-vcek:2:Milan:vcek:0 trustee-milan-vlek:3:Milan:vlek:1 azure-genoa-vcek:3:Genoa:vcek:0 \
    azure-milan-vcek:2:Milan:vcek:0; do
    IFS=: read -r dir version product key vmpl <<<"$v"
    begin "snp $dir passes (--tee auto, JSON)"
    verify --evidence "$SNP/$dir/report.bin" --collateral "$SNP/$dir" --json --max-vmpl "$vmpl"
    want_rc 0
    want_json verdict '"pass"'
    want_json tee '"snp"'
    want_json report_version "$version"
    want_json claims.product "\"$product\""
    want_json claims.signing_key "\"$key\""
    want_failed
    want_py "set(['measurement','host_data','report_data','policy','family_id','image_id','vmpl','reported_tcb','chip_id']) <= set(d['claims'])"
    want_py "all(re.fullmatch('[0-9a-f]*', d['claims'][k]) for k in ['measurement','host_data','report_data','chip_id'])"
    end_case
done

begin "snp human output"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$SNP/azure-genoa-vcek" --tee snp
want_rc 0
want_stdout_has "report.bin: PASS"
want_stdout_has "snp (report v3)"
want_stdout_has "bootloader 10, tee 0, snp 23, microcode 84"
end_case

begin "snp reported_tcb object"
verify --evidence "$SNP/trustee-milan-vcek/report.bin" --collateral "$SNP/trustee-milan-vcek" --json
want_rc 0
want_py "d['claims']['reported_tcb'] == {'bootloader': 3, 'tee': 0, 'snp': 8, 'microcode': 115}"
end_case

# ---- failures name their checks -----------------------------------------------------

cp "$SNP/trustee-milan-vcek/report.bin" "$WORK/flipped.bin"
printf '\x01' | dd of="$WORK/flipped.bin" bs=1 seek=$((0x90)) conv=notrunc status=none
begin "snp flipped measurement byte -> report_signature"
verify --evidence "$WORK/flipped.bin" --collateral "$SNP/trustee-milan-vcek" --json
want_rc 1
want_json verdict '"fail"'
want_failed report_signature
end_case

begin "snp flipped byte, human output"
verify --evidence "$WORK/flipped.bin" --collateral "$SNP/trustee-milan-vcek"
want_rc 1
want_stdout_has "FAIL"
want_stdout_has "failed: report_signature"
end_case

mkdir -p "$WORK/other-chip"
cp "$SNP/trustee-milan-vcek/vcek-other-chip-new.der" "$WORK/other-chip/vcek.der"
cp "$SNP/trustee-milan-vcek/cert_chain.pem" "$WORK/other-chip/"
begin "snp VCEK of another chip -> vcek_chain, report_signature, vcek_tcb, vcek_hwid"
verify --evidence "$SNP/trustee-milan-vcek/report.bin" --collateral "$WORK/other-chip" --json
want_rc 1
want_failed vcek_chain report_signature vcek_tcb vcek_hwid
end_case

begin "snp VCEK of another chip, same TCB -> report_signature, vcek_hwid"
verify --evidence "$SNP/trustee-milan-vcek/report.bin" --collateral "$SNP/azure-milan-vcek" --json
want_rc 1
want_failed report_signature vcek_hwid
end_case

mkdir -p "$WORK/genoa-chain"
cp "$SNP/trustee-milan-vcek/vcek.der" "$WORK/genoa-chain/"
cp "$SNP/azure-genoa-vcek/cert_chain.pem" "$WORK/genoa-chain/"
begin "snp Milan VCEK with the Genoa chain -> vcek_chain"
verify --evidence "$SNP/trustee-milan-vcek/report.bin" --collateral "$WORK/genoa-chain" --json
want_rc 1
want_failed vcek_chain
end_case

begin "snp report_data matches (prefix)"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$SNP/azure-genoa-vcek" --json \
    --report-data b581f12e29a2d7d64e5e0b738d563879a78b51c644d0fa0cce02b48699f6bf5f
want_rc 0
end_case

begin "snp report_data mismatch -> report_data"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$SNP/azure-genoa-vcek" --json --report-data 00
want_rc 1
want_failed report_data
end_case

begin "snp --refuse-smt -> policy_smt"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$SNP/azure-genoa-vcek" --json --refuse-smt
want_rc 1
want_failed policy_smt
end_case

begin "snp --min-tcb above the reported TCB -> min_tcb"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$SNP/azure-genoa-vcek" --json \
    --min-tcb bl=10,tee=0,snp=24,ucode=84
want_rc 1
want_failed min_tcb
end_case

begin "snp --min-tcb met"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$SNP/azure-genoa-vcek" --json \
    --min-tcb bl=10,snp=23,ucode=84
want_rc 0
end_case

cp "$SNP/trustee-milan-vcek/report.bin" "$WORK/debug.bin"
printf '\x0b' | dd of="$WORK/debug.bin" bs=1 seek=$((0x0a)) conv=notrunc status=none # policy bits 16, 17, 19
begin "snp debug policy refused unless --allow-debug"
verify --evidence "$WORK/debug.bin" --collateral "$SNP/trustee-milan-vcek" --json
want_rc 1
want_failed report_signature policy_debug
verify --evidence "$WORK/debug.bin" --collateral "$SNP/trustee-milan-vcek" --json --allow-debug
want_failed report_signature
end_case

begin "snp VMPL: a report requested at VMPL 1 is refused unless --max-vmpl allows it"
verify --evidence "$SNP/trustee-milan-vlek/report.bin" --collateral "$SNP/trustee-milan-vlek" --json
want_rc 1
want_failed vmpl
want_py "[c['message'] for c in d['failed_checks']] == ['the report was requested at VMPL 1 (at most 0 accepted)']"
verify --evidence "$SNP/trustee-milan-vlek/report.bin" --collateral "$SNP/trustee-milan-vlek" --max-vmpl 4
want_usage_error
want_stderr_has "--max-vmpl must be 0, 1, 2 or 3"
end_case

begin "snp VLEK expired at 2026-01-01 -> vcek_chain"
run_ccs attest verify --evidence "$SNP/trustee-milan-vlek/report.bin" --collateral "$SNP/trustee-milan-vlek" \
    --at 2026-01-01T00:00:00Z --json --max-vmpl 1
want_rc 1
want_failed vcek_chain
end_case

head -c 1000 "$SNP/azure-genoa-vcek/report.bin" >"$WORK/short.bin"
begin "snp truncated report with --tee snp -> report_format"
verify --evidence "$WORK/short.bin" --collateral "$SNP/azure-genoa-vcek" --tee snp --json
want_rc 1
want_failed report_format
end_case

# ---- detection and usage ---------------------------------------------------------------

begin "snp report with --tee tdx is refused as another format"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$SNP/azure-genoa-vcek" --tee tdx
want_usage_error
want_stderr_has "snp evidence"
end_case

begin "snp missing collateral files -> 2"
mkdir -p "$WORK/empty"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$WORK/empty"
want_usage_error
want_stderr_has "vcek.der"
end_case

mkdir -p "$WORK/no-chain"
cp "$SNP/azure-genoa-vcek/vcek.der" "$WORK/no-chain/"
begin "snp collateral without cert_chain.pem -> 2"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$WORK/no-chain"
want_usage_error
want_stderr_has "cert_chain.pem"
end_case

begin "snp with --pccs -> 2"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --pccs https://127.0.0.1:1
want_usage_error
end_case

begin "snp bad --min-tcb -> 2"
verify --evidence "$SNP/azure-genoa-vcek/report.bin" --collateral "$SNP/azure-genoa-vcek" --min-tcb bl=300
want_usage_error
end_case

begin "ccs attest verify --help lists the SNP options"
run_ccs attest verify --help
want_rc 0
for o in --allow-migration-agent --refuse-smt --min-tcb; do want_stdout_has "$o "; done
want_stdout_has "SEV-SNP"
end_case

summary
