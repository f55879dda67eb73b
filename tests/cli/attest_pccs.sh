#!/usr/bin/env bash
# `ccs attest verify --pccs` end to end, against a loopback PCCS
# (pccs_server.py, bound to 127.0.0.1 only) that serves the collateral in
# tests/data; `--pccs-cache` is checked by counting the server's requests.
#
# usage: attest_pccs.sh <path-to-ccs> <tests/data dir>
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

ATT=$DATA/attestation
SGX=$ATT/sgx/dcapqvl-sgx-v3
TDX4=$ATT/tdx/dcapqvl-tdx-v4-uptodate
AT=2025-06-19T11:00:00Z # inside the validity of both collateral sets
LATE=2025-08-01T00:00:00Z
LOG=$WORK/requests.log
: >"$LOG"

python3 "$HERE/pccs_server.py" "$LOG" "$SGX" "$TDX4" >"$WORK/server.out" 2>"$WORK/server.err" &
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

# A port with nothing listening: bind one, note it, close it.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

begin "the test server answers only on 127.0.0.1"
listen=$(python3 - "$PORT" <<'EOF'
import sys
port = int(sys.argv[1])
for path in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(path).read().splitlines()[1:]
    except OSError:
        continue
    for l in lines:
        f = l.split()
        addr, p = f[1].rsplit(":", 1)
        if int(p, 16) == port and f[3] == "0A":  # LISTEN
            print(addr)
EOF
)
[[ $listen == 0100007F ]] || fail "listening on \"$listen\", want 127.0.0.1 (0100007F)"
end_case

before=$(requests)
begin "SGX v3 via --pccs: pass, four requests"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
want_json tee '"sgx"'
want_json tcb_status '"ConfigurationAndSWHardeningNeeded"'
want_json advisory_ids '["INTEL-SA-00289","INTEL-SA-00615"]'
want_json failed_checks '[]'
n=$(($(requests) - before))
[[ $n -eq 4 ]] || fail "$n requests, want 4"
grep -qxF "/sgx/certification/v4/tcb?fmspc=00A067110000" "$LOG" || fail "no TCB Info request for FMSPC 00A067110000"
grep -qxF "/sgx/certification/v4/qe/identity" "$LOG" || fail "no QE Identity request"
grep -q "^/sgx/certification/v4/pckcrl?ca=processor&encoding=der$" "$LOG" || fail "no PCK CRL request (processor CA)"
grep -qxF "/sgx/certification/v4/rootcacrl" "$LOG" || fail "no Root CA CRL request"
end_case

before=$(requests)
begin "TDX v4 via --pccs (base URL with a trailing slash): pass"
run_ccs attest verify --evidence "$TDX4/quote.bin" --pccs "$PCCS/" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
want_json tee '"tdx"'
want_json tcb_status '"UpToDate"'
want_json failed_checks '[]'
n=$(($(requests) - before))
[[ $n -eq 4 ]] || fail "$n requests, want 4"
grep -qxF "/tdx/certification/v4/tcb?fmspc=B0C06F000000" "$LOG" || fail "no TDX TCB Info request for FMSPC B0C06F000000"
grep -qxF "/tdx/certification/v4/qe/identity" "$LOG" || fail "no TDX QE Identity request"
end_case

begin "SGX via --pccs, human output"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS" --at "$AT"
want_rc 0
want_stdout_has "PASS"
want_stdout_has "ConfigurationAndSWHardeningNeeded"
end_case

begin "SGX via --pccs after the collateral expired: refused"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS" --at "$LATE" --json
want_rc 1
want_json verdict '"fail"'
want_failed pck_crl tcb_info_validity qe_identity_validity
end_case

CACHE=$WORK/pccs-cache.sqlite

before=$(requests)
begin "SGX via --pccs --pccs-cache, first run: fetches and passes"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS" --pccs-cache "$CACHE" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
n=$(($(requests) - before))
[[ $n -eq 4 ]] || fail "$n requests, want 4"
[[ -s $CACHE ]] || fail "no cache file written"
end_case

before=$(requests)
begin "SGX via --pccs --pccs-cache, second run: no requests, passes"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS" --pccs-cache "$CACHE" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
want_json tcb_status '"ConfigurationAndSWHardeningNeeded"'
n=$(($(requests) - before))
[[ $n -eq 0 ]] || fail "$n new requests, want 0"
end_case

before=$(requests)
begin "TDX via the same --pccs-cache: its own entry (fetched once, then cached)"
run_ccs attest verify --evidence "$TDX4/quote.bin" --pccs "$PCCS" --pccs-cache "$CACHE" --at "$AT" --json
want_rc 0
want_json tcb_status '"UpToDate"'
n1=$(($(requests) - before))
run_ccs attest verify --evidence "$TDX4/quote.bin" --pccs "$PCCS" --pccs-cache "$CACHE" --at "$AT" --json
want_rc 0
want_json tcb_status '"UpToDate"'
n2=$(($(requests) - before - n1))
[[ $n1 -eq 4 && $n2 -eq 0 ]] || fail "$n1 then $n2 requests, want 4 then 0"
end_case

before=$(requests)
begin "cached collateral is not served past its expiry: refetched, then refused"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS" --pccs-cache "$CACHE" --at "$LATE" --json
want_rc 1
want_json verdict '"fail"'
want_failed pck_crl tcb_info_validity qe_identity_validity
n=$(($(requests) - before))
[[ $n -eq 4 ]] || fail "$n requests, want 4"
end_case

before=$(requests)
begin "the cache still serves the valid time with no requests"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS" --pccs-cache "$CACHE" --at "$AT" --json
want_rc 0
n=$(($(requests) - before))
[[ $n -eq 0 ]] || fail "$n new requests, want 0"
end_case

begin "the cache alone suffices (server gone): pass"
DEAD=http://127.0.0.1:$(free_port)
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$DEAD" --pccs-cache "$CACHE" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
end_case

begin "--pccs to a port with nothing listening: usage error"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$DEAD" --at "$AT" --json
want_usage_error
want_stderr_has "PCCS"
end_case

begin "--pccs to a path the server does not have (404): usage error"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS/nosuch" --at "$AT" --json
want_usage_error
want_stderr_has "404"
end_case

begin "--pccs URL with a query: usage error"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS/?x=1" --at "$AT"
want_usage_error
end_case

begin "--pccs-cache in a directory that does not exist: usage error"
run_ccs attest verify --evidence "$SGX/quote.bin" --pccs "$PCCS" --pccs-cache "$WORK/no/such/dir/cache" --at "$AT"
want_usage_error
end_case

# A truncated quote is refused with quote_format, as with --collateral, and
# nothing is fetched for it.
begin "--pccs with a truncated quote: refused (quote_format), no requests"
head -c 1000 "$SGX/quote.bin" >"$WORK/truncated.bin"
before=$(requests)
run_ccs attest verify --evidence "$WORK/truncated.bin" --pccs "$PCCS" --at "$AT"
want_rc 1
want_stdout_has "quote_format"
n=$(($(requests) - before))
[[ $n -eq 0 ]] || fail "$n requests, want 0"
end_case

summary
