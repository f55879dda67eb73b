#!/usr/bin/env bash
# `ccs tee` with the sim platform: sim init, quotes for sim-sgx and sim-tdx,
# `ccs attest verify --trust-sim` (pass, and the output says INSECURE),
# refused without it (exit 1, pck_chain), seal/unseal round trips, unseal
# refused under another measurement or signer, usage errors.
#
# usage: tee_sim.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT

SIM=$WORK/sim
RD=00112233445566778899aabbccddeeff
echo "enclave image v1" >"$WORK/app1"
echo "enclave image v2" >"$WORK/app2"
echo "vendor key B" >"$WORK/signerB"
printf 'top secret\n' >"$WORK/secret.txt"

begin "ccs tee --help"
run_ccs tee --help
want_rc 0
for v in detect quote measurements seal unseal sim; do want_stdout_has "$v"; done
end_case

begin "ccs tee quote --help lists its options"
run_ccs tee quote --help
want_rc 0
for o in --platform --sim-dir --report-data --measurement-from --signer-from --tcti --output; do want_stdout_has "$o "; done
end_case

begin "ccs tee sim init"
run_ccs tee sim init --sim-dir "$SIM"
want_rc 0
want_stdout_has "INSECURE"
[[ -f $SIM/root_ca.pem && -f $SIM/sgx/tcb_info.json && -f $SIM/tdx/qe_identity.json ]] || fail "sim files missing"
[[ $(stat -c %a "$SIM/private/sgx_attestation.key") == 600 ]] || fail "attestation key is not 0600"
end_case

begin "ccs tee sim init refuses an existing sim without --force"
run_ccs tee sim init --sim-dir "$SIM"
want_usage_error
want_stderr_has "--force"
end_case

begin "ccs tee sim refresh"
run_ccs tee sim refresh --sim-dir "$SIM"
want_rc 0
end_case

begin "CCS_SIM_DIR names the sim directory"
RC=0
CCS_SIM_DIR=$SIM "$CCS" tee quote --platform sim-sgx --report-data "$RD" -o "$WORK/env.bin" >"$OUT" 2>"$ERR" || RC=$?
want_rc 0
end_case

for p in sgx tdx; do
    begin "sim-$p quote"
    run_ccs tee quote --platform "sim-$p" --sim-dir "$SIM" --report-data "$RD" --measurement-from "$WORK/app1" \
        -o "$WORK/$p.bin"
    want_rc 0
    want_stdout_has "INSECURE"
    end_case

    begin "sim-$p quote verifies with --trust-sim (INSECURE said)"
    run_ccs attest verify --evidence "$WORK/$p.bin" --trust-sim "$SIM" --report-data "$RD"
    want_rc 0
    want_stdout_has "INSECURE: trusted the sim root from $SIM"
    want_stdout_has "PASS"
    want_stdout_has "UpToDate"
    end_case

    begin "sim-$p quote --json with --trust-sim"
    run_ccs attest verify --evidence "$WORK/$p.bin" --trust-sim "$SIM" --report-data "$RD" --json
    want_rc 0
    want_json verdict '"pass"'
    want_json tee "\"$p\""
    want_json tcb_status '"UpToDate"'
    want_json insecure_sim_root true
    want_py "d['claims']['report_data'].startswith('$RD')"
    end_case

    begin "sim-$p quote refused without --trust-sim (untrusted root)"
    run_ccs attest verify --evidence "$WORK/$p.bin" --collateral "$SIM/$p" --json
    want_rc 1
    want_json verdict '"fail"'
    want_py "'pck_chain' in [c['name'] for c in d['failed_checks']]"
    want_py "'insecure_sim_root' not in d"
    end_case

    begin "sim-$p quote with another report data is refused"
    run_ccs attest verify --evidence "$WORK/$p.bin" --trust-sim "$SIM" --report-data ff --json
    want_rc 1
    want_failed report_data
    end_case
done

begin "sim-sgx MRENCLAVE is SHA-256 of --measurement-from"
run_ccs attest verify --evidence "$WORK/sgx.bin" --trust-sim "$SIM" --json
want_json claims.mrenclave "\"$(sha256sum "$WORK/app1" | cut -d' ' -f1)\""
end_case

begin "sim-tdx MRTD is SHA-384 of --measurement-from"
run_ccs attest verify --evidence "$WORK/tdx.bin" --trust-sim "$SIM" --json
want_json claims.mr_td "\"$(sha384sum "$WORK/app1" | cut -d' ' -f1)\""
end_case

begin "ccs tee measurements"
run_ccs tee measurements --platform sim-sgx --sim-dir "$SIM" --measurement-from "$WORK/app1"
want_rc 0
want_json mrenclave "\"$(sha256sum "$WORK/app1" | cut -d' ' -f1)\""
end_case

seal() { run_ccs tee seal --platform sim-sgx --sim-dir "$SIM" "$@"; }
unseal() { run_ccs tee unseal --platform sim-sgx --sim-dir "$SIM" "$@"; }

begin "seal/unseal round trip (measurement policy)"
seal --policy measurement --measurement-from "$WORK/app1" -i "$WORK/secret.txt" -o "$WORK/m.sealed"
want_rc 0
unseal --measurement-from "$WORK/app1" -i "$WORK/m.sealed" -o "$WORK/m.out"
want_rc 0
cmp -s "$WORK/secret.txt" "$WORK/m.out" || fail "unsealed data differs"
[[ $(stat -c %a "$WORK/m.out") == 600 ]] || fail "unsealed file is not 0600"
end_case

begin "unseal under another measurement is refused (measurement policy)"
unseal --measurement-from "$WORK/app2" -i "$WORK/m.sealed" -o "$WORK/m2.out"
want_rc 1
want_stderr_has "authentication failed"
[[ ! -e $WORK/m2.out ]] || fail "output written"
end_case

begin "seal/unseal (signer policy): another measurement ok, another signer refused"
seal --policy signer --measurement-from "$WORK/app1" -i "$WORK/secret.txt" -o "$WORK/s.sealed"
want_rc 0
unseal --measurement-from "$WORK/app2" -i "$WORK/s.sealed" -o "$WORK/s.out"
want_rc 0
cmp -s "$WORK/secret.txt" "$WORK/s.out" || fail "unsealed data differs"
unseal --signer-from "$WORK/signerB" -i "$WORK/s.sealed" -o "$WORK/s2.out"
want_rc 1
end_case

begin "unseal with another --label is refused"
seal --policy measurement --label one -i "$WORK/secret.txt" -o "$WORK/l.sealed"
want_rc 0
unseal --label two -i "$WORK/l.sealed" -o "$WORK/l.out"
want_rc 1
unseal --label one -i "$WORK/l.sealed" -o "$WORK/l.out"
want_rc 0
end_case

begin "unseal of something that is not a sealed blob"
unseal -i "$WORK/secret.txt" -o "$WORK/x.out"
want_usage_error
end_case

begin "usage errors"
run_ccs tee quote --platform sim-sgx --sim-dir "$SIM" -o "$WORK/x.bin"
want_usage_error
run_ccs tee quote --platform nope --report-data 00 -o "$WORK/x.bin"
want_usage_error
run_ccs tee seal --platform sim-sgx --sim-dir "$SIM" --policy both -i "$WORK/secret.txt" -o "$WORK/x"
want_usage_error
run_ccs tee bogus
want_usage_error
run_ccs tee quote --platform sim-sgx --sim-dir "$WORK/no-sim" --report-data 00 -o "$WORK/x.bin"
want_usage_error
want_stderr_has "ccs tee sim init"
end_case

begin "ccs tee detect on a machine without a TEE"
run_ccs tee detect
if [[ $RC -eq 1 ]]; then want_stdout_has "none"; else want_rc 0; fi
end_case

summary
