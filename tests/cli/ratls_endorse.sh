#!/usr/bin/env bash
# `ccs ratls cert --endorsements` and `ccs ratls verify --pccs`: sim-sgx and
# sim-tdx certificates carrying their collateral verify with only the sim
# root trusted (collateral_source "endorsements"); without endorsements or
# another source they are refused; collateral from a loopback PCCS
# (pccs_server.py serving the sim collateral) with and without
# --pccs-cache; endorsements fetched from the PCCS at creation; the
# precedence of the sources; usage errors.
#
# usage: ratls_endorse.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.bash
source "$HERE/lib.bash"
cli_setup "$@"

SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SIM=$WORK/sim
ROOT=$WORK/root-only # the sim root, and no collateral
"$CCS" tee sim init --sim-dir "$SIM" >/dev/null
mkdir -p "$ROOT"
cp "$SIM/root_ca.pem" "$ROOT/"

begin "cert --help and verify --help name the new options"
run_ccs ratls cert --help
want_rc 0
for o in --endorsements --collateral --pccs --pccs-cache; do want_stdout_has "$o "; done
run_ccs ratls verify --help
want_rc 0
for o in --pccs --pccs-cache --insecure-skip-tls-verify; do want_stdout_has "$o "; done
want_stdout_has "endorsements"
end_case

for t in sim-sgx sim-tdx; do
    begin "$t: cert --endorsements verifies with only the sim root"
    run_ccs ratls cert --tee "$t" --sim-dir "$SIM" --endorsements -o "$WORK/$t.pem" --key-out "$WORK/$t.key"
    want_rc 0
    openssl x509 -in "$WORK/$t.pem" -noout -text 2>/dev/null | grep -q "2.23.133.5.4.2" ||
        fail "no 2.23.133.5.4.2 extension"
    run_ccs ratls verify "$WORK/$t.pem" --trust-sim "$ROOT" --json
    want_rc 0
    want_json verdict '"pass"'
    want_json collateral_source '"endorsements"'
    want_json failed_checks '[]'
    end_case

    begin "$t: the sim dir's own collateral comes before the endorsements"
    run_ccs ratls verify "$WORK/$t.pem" --trust-sim "$SIM" --json
    want_rc 0
    want_json collateral_source '"sim"'
    end_case

    begin "$t: endorsements against the Intel root (no --trust-sim): refused"
    run_ccs ratls verify "$WORK/$t.pem" --json
    want_rc 1
    want_json collateral_source '"endorsements"'
    want_py "'pck_chain' in [c['name'] for c in d['failed_checks']]"
    end_case

    begin "$t: no endorsements and no collateral: refused (collateral)"
    run_ccs ratls cert --tee "$t" --sim-dir "$SIM" -o "$WORK/$t-plain.pem" --key-out "$WORK/$t-plain.key"
    want_rc 0
    run_ccs ratls verify "$WORK/$t-plain.pem" --trust-sim "$ROOT" --json
    want_rc 1
    want_failed collateral
    end_case
done

begin "cert --endorsements --collateral DIR embeds that collateral"
run_ccs ratls cert --tee sim-sgx --sim-dir "$SIM" --endorsements --collateral "$SIM/sgx" -o "$WORK/c.pem" \
    --key-out "$WORK/c.key"
want_rc 0
run_ccs ratls verify "$WORK/c.pem" --trust-sim "$ROOT" --json
want_rc 0
want_json collateral_source '"endorsements"'
end_case

begin "cert --endorsements with TDX collateral for an SGX quote: refused"
run_ccs ratls cert --tee sim-sgx --sim-dir "$SIM" --endorsements --collateral "$SIM/tdx" -o "$WORK/x.pem" \
    --key-out "$WORK/x.key"
want_rc 1
want_stderr_has "the collateral is for tdx"
[[ ! -e $WORK/x.pem ]] || fail "a certificate was written"
end_case

begin "usage errors"
run_ccs ratls cert --tee sim-sgx --sim-dir "$SIM" --collateral "$SIM/sgx" -o "$WORK/u.pem" --key-out "$WORK/u.key"
want_usage_error
run_ccs ratls cert --tee sim-sgx --sim-dir "$SIM" --endorsements --collateral "$SIM/sgx" --pccs http://127.0.0.1:1 \
    -o "$WORK/u.pem" --key-out "$WORK/u.key"
want_usage_error
run_ccs ratls verify "$WORK/sim-sgx.pem" --pccs-cache "$WORK/c.db"
want_usage_error
run_ccs ratls verify "$WORK/sim-sgx.pem" --pccs ftp://127.0.0.1/
want_usage_error
end_case

# ---- PCCS ----------------------------------------------------------------------
LOG=$WORK/requests.log
: >"$LOG"
python3 "$HERE/pccs_server.py" "$LOG" "$SIM/sgx" "$SIM/tdx" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 1 100); do
    PORT=$(head -n 1 "$WORK/server.out" 2>/dev/null || true)
    [[ -n $PORT ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [[ ! $PORT =~ ^[0-9]+$ ]]; then
    echo "cannot start pccs_server.py:" >&2
    cat "$WORK/server.err" >&2
    exit 1
fi
PCCS=http://127.0.0.1:$PORT
requests() { wc -l <"$LOG" | tr -d ' '; }

for t in sim-sgx sim-tdx; do
    before=$(requests)
    begin "$t: verify --pccs: collateral from the PCCS, four requests"
    run_ccs ratls verify "$WORK/$t-plain.pem" --trust-sim "$ROOT" --pccs "$PCCS" --json
    want_rc 0
    want_json verdict '"pass"'
    want_json collateral_source '"pccs"'
    n=$(($(requests) - before))
    [[ $n -eq 4 ]] || fail "$n requests, want 4"
    end_case
done

CACHE=$WORK/pccs.sqlite
begin "verify --pccs --pccs-cache: the second run makes no request"
run_ccs ratls verify "$WORK/sim-sgx-plain.pem" --trust-sim "$ROOT" --pccs "$PCCS" --pccs-cache "$CACHE" --json
want_rc 0
before=$(requests)
run_ccs ratls verify "$WORK/sim-sgx-plain.pem" --trust-sim "$ROOT" --pccs "$PCCS" --pccs-cache "$CACHE" --json
want_rc 0
want_json collateral_source '"pccs"'
n=$(($(requests) - before))
[[ $n -eq 0 ]] || fail "$n requests, want 0"
end_case

begin "--pccs comes before the endorsements"
run_ccs ratls verify "$WORK/sim-tdx.pem" --trust-sim "$ROOT" --pccs "$PCCS" --json
want_rc 0
want_json collateral_source '"pccs"'
end_case

begin "cert --endorsements --pccs: endorsements fetched at creation"
run_ccs ratls cert --tee sim-tdx --sim-dir "$SIM" --endorsements --pccs "$PCCS" -o "$WORK/p.pem" --key-out "$WORK/p.key"
want_rc 0
run_ccs ratls verify "$WORK/p.pem" --trust-sim "$ROOT" --json
want_rc 0
want_json collateral_source '"endorsements"'
end_case

begin "a PCCS that does not answer refuses, endorsements or not"
dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
run_ccs ratls verify "$WORK/sim-tdx.pem" --trust-sim "$ROOT" --pccs "http://127.0.0.1:$dead" --json
want_rc 1
want_failed collateral
want_json collateral_source '"pccs"'
end_case

summary
