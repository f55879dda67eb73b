#!/usr/bin/env bash
# RA-TLS on the wire: `ccs ratls provision-server` + `provision-client` over
# mutual RA-TLS with sim evidence (the secret delivered byte for byte; a
# client with another measurement refused, and the server says why; a
# client that does not trust the server's sim root refuses it), `ccs ratls
# verify --policy/--refval`, and plain `openssl s_client -tls1_3` and `curl -k`
# handshakes with the RA-TLS echo server (examples/ratls), which do not check
# evidence but must see an ordinary TLS 1.3 server. Servers listen on free
# loopback ports (port 0, --port-file) and are stopped by PID on exit.
#
# usage: ratls_tls.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

SIM=$WORK/sim
OTHER=$WORK/othersim
"$CCS" tee sim init --sim-dir "$SIM" >/dev/null
"$CCS" tee sim init --sim-dir "$OTHER" >/dev/null
ECHO_SERVER=$(dirname "$CCS")/examples/ratls/ratls_echo_server

# The measurement a good client runs with, and its MRENCLAVE for the policy.
printf 'the good client image' >"$WORK/good.img"
printf 'a different image' >"$WORK/bad.img"
MR=$(sha256sum "$WORK/good.img" | cut -d' ' -f1)
cat >"$WORK/policy.json" <<'JSON'
{"version": 1, "tees": {"sim-sgx": {"measurements": {"mrenclave": {"ref": "client.mrenclave"}}}}}
JSON
mkdir -p "$WORK/secrets"
head -c 4096 /dev/urandom >"$WORK/secrets/db-key"
printf 'x' >"$WORK/outside"

# Waits for FILE (a port file) to be written by PID; prints the port.
wait_port() {
    local f=$1 pid=$2
    for _ in $(seq 100); do
        if [[ -s $f ]]; then cat "$f"; return 0; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

"$CCS" ratls provision-server --listen 127.0.0.1:0 --port-file "$WORK/prov.port" --secrets "$WORK/secrets" \
    --policy "$WORK/policy.json" --refval "client.mrenclave=$MR" --trust-sim "$SIM" \
    --tee sim-tdx --sim-dir "$SIM" >"$WORK/prov.out" 2>"$WORK/prov.err" &
PIDS+=($!)
PORT=$(wait_port "$WORK/prov.port" "${PIDS[-1]}") || { echo "provision-server did not start"; cat "$WORK/prov.err"; exit 1; }

begin "ccs ratls --help lists the provisioning verbs"
run_ccs ratls --help
want_rc 0
want_stdout_has provision-server
want_stdout_has provision-client
end_case

begin "provision-client with the good measurement receives the secret byte for byte"
run_ccs ratls provision-client --server "127.0.0.1:$PORT" --name db-key --tee sim-sgx --sim-dir "$SIM" \
    --measurement-from "$WORK/good.img" --trust-sim "$SIM" -o "$WORK/got"
want_rc 0
cmp -s "$WORK/got" "$WORK/secrets/db-key" || fail "the secret differs"
[[ $(stat -c %a "$WORK/got") == 600 ]] || fail "output is not 0600"
want_stderr_has "INSECURE"
end_case

begin "provision-client with another measurement is refused, and the server says why"
run_ccs ratls provision-client --server "127.0.0.1:$PORT" --name db-key --tee sim-sgx --sim-dir "$SIM" \
    --measurement-from "$WORK/bad.img" --trust-sim "$SIM" -o "$WORK/got2"
want_rc 1
want_stderr_has "the server refused"
want_stderr_has "mrenclave"
[[ ! -e $WORK/got2 ]] || fail "an output file was written"
sleep 0.2
grep -q "refused: .*mrenclave" "$WORK/prov.err" || fail "the server log does not say why"
end_case

begin "a sim-tdx client is refused (no sim-tdx entry in the policy)"
run_ccs ratls provision-client --server "127.0.0.1:$PORT" --name db-key --tee sim-tdx --sim-dir "$SIM" \
    --measurement-from "$WORK/good.img" --trust-sim "$SIM" -o "$WORK/got3"
want_rc 1
want_stderr_has "sim-tdx is not accepted"
end_case

begin "path traversal and unknown names are refused"
run_ccs ratls provision-client --server "127.0.0.1:$PORT" --name ../outside --tee sim-sgx --sim-dir "$SIM" \
    --trust-sim "$SIM" -o "$WORK/got4"
want_rc 2
want_stderr_has "--name"
run_ccs ratls provision-client --server "127.0.0.1:$PORT" --name nope --tee sim-sgx --sim-dir "$SIM" \
    --measurement-from "$WORK/good.img" --trust-sim "$SIM" -o "$WORK/got4"
want_rc 1
want_stderr_has "no secret named nope"
end_case

begin "a client that does not trust the server's sim root refuses the server"
run_ccs ratls provision-client --server "127.0.0.1:$PORT" --name db-key --tee sim-sgx --sim-dir "$SIM" \
    --measurement-from "$WORK/good.img" --trust-sim "$OTHER" -o "$WORK/got5"
want_rc 1
want_stderr_has "pck_chain"
[[ ! -e $WORK/got5 ]] || fail "an output file was written"
end_case

begin "provision-server refuses a non-loopback address without --allow-remote"
run_ccs ratls provision-server --listen 0.0.0.0:0 --secrets "$WORK/secrets" --policy "$WORK/policy.json" \
    --trust-sim "$SIM" --tee sim-sgx --sim-dir "$SIM"
want_rc 2
want_stderr_has "--allow-remote"
end_case

begin "ccs ratls verify --policy: the measurement decides"
run_ccs ratls cert --tee sim-sgx --sim-dir "$SIM" -o "$WORK/c.pem" --key-out "$WORK/c.key"
want_rc 0
run_ccs ratls verify "$WORK/c.pem" --trust-sim "$SIM" --policy "$WORK/policy.json" --refval "client.mrenclave=$MR"
want_rc 1
want_stdout_has "policy"
DEF=$("$CCS" ratls verify "$WORK/c.pem" --trust-sim "$SIM" --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["evidence"]["claims"]["mrenclave"])')
run_ccs ratls verify "$WORK/c.pem" --trust-sim "$SIM" --policy "$WORK/policy.json" --refval "client.mrenclave=$DEF"
want_rc 0
run_ccs ratls verify "$WORK/c.pem" --trust-sim "$SIM" --refval "client.mrenclave=$DEF"
want_rc 2
end_case

begin "provisioning with endorsements both ways: each side trusts only the sim root"
mkdir -p "$WORK/root-only-prov"
cp "$SIM/root_ca.pem" "$WORK/root-only-prov/"
"$CCS" ratls provision-server --listen 127.0.0.1:0 --port-file "$WORK/prov3.port" --secrets "$WORK/secrets" \
    --policy "$WORK/policy.json" --refval "client.mrenclave=$MR" --trust-sim "$WORK/root-only-prov" \
    --tee sim-tdx --sim-dir "$SIM" --endorsements --once >"$WORK/prov3.out" 2>"$WORK/prov3.err" &
PIDS+=($!)
PORT3=$(wait_port "$WORK/prov3.port" "${PIDS[-1]}") || { cat "$WORK/prov3.err"; fail "provision-server did not start"; }
run_ccs ratls provision-client --server "127.0.0.1:$PORT3" --name db-key --tee sim-sgx --sim-dir "$SIM" \
    --measurement-from "$WORK/good.img" --trust-sim "$WORK/root-only-prov" --endorsements -o "$WORK/got6"
want_rc 0
cmp -s "$WORK/got6" "$WORK/secrets/db-key" || fail "the secret differs"
end_case

begin "without its endorsements the client is refused by a server that trusts only the root"
"$CCS" ratls provision-server --listen 127.0.0.1:0 --port-file "$WORK/prov4.port" --secrets "$WORK/secrets" \
    --policy "$WORK/policy.json" --refval "client.mrenclave=$MR" --trust-sim "$WORK/root-only-prov" \
    --tee sim-tdx --sim-dir "$SIM" --endorsements --once >"$WORK/prov4.out" 2>"$WORK/prov4.err" &
PIDS+=($!)
PORT4=$(wait_port "$WORK/prov4.port" "${PIDS[-1]}") || { cat "$WORK/prov4.err"; fail "provision-server did not start"; }
run_ccs ratls provision-client --server "127.0.0.1:$PORT4" --name db-key --tee sim-sgx --sim-dir "$SIM" \
    --measurement-from "$WORK/good.img" --trust-sim "$WORK/root-only-prov" -o "$WORK/got7"
want_rc 1
[[ ! -e $WORK/got7 ]] || fail "an output file was written"
sleep 0.2
grep -q "refused: .*collateral" "$WORK/prov4.err" || fail "the server log does not name the missing collateral: $(cat "$WORK/prov4.err")"
end_case

begin "provision-server: --endorsements goes with --tee, not --cert"
run_ccs ratls provision-server --listen 127.0.0.1:0 --secrets "$WORK/secrets" --policy "$WORK/policy.json" \
    --trust-sim "$SIM" --cert "$WORK/c.pem" --key "$WORK/c.key" --endorsements
want_rc 2
want_stderr_has "--endorsements goes with --tee"
run_ccs ratls provision-client --help
want_rc 0
want_stdout_has "--endorsements"
end_case

if [[ -x $ECHO_SERVER ]]; then
    "$ECHO_SERVER" --tee sim-sgx --sim-dir "$SIM" --port-file "$WORK/echo.port" >"$WORK/echo.out" 2>"$WORK/echo.err" &
    PIDS+=($!)
    EPORT=$(wait_port "$WORK/echo.port" "${PIDS[-1]}") || { echo "echo server did not start"; cat "$WORK/echo.err"; exit 1; }

    begin "openssl s_client -tls1_3 completes an ordinary TLS 1.3 handshake with the RA-TLS server"
    if echo | timeout 10 openssl s_client -connect "127.0.0.1:$EPORT" -tls1_3 >"$OUT" 2>"$ERR"; then :; else
        fail "s_client exit status $?"; fi
    want_stdout_has "TLSv1.3"
    want_stdout_has "CN = CCS RA-TLS"
    # OpenSSL does not know the RA-TLS root: the self-signed leaf is "not verified".
    want_stdout_has "Verify return code: 18 (self-signed certificate)"
    end_case

    begin "openssl s_client -tls1_2 is refused (TLS 1.3 only)"
    if echo | timeout 10 openssl s_client -connect "127.0.0.1:$EPORT" -tls1_2 >"$OUT" 2>"$ERR"; then
        fail "a TLS 1.2 handshake succeeded"; fi
    end_case

    begin "curl -k gets the HTTP answer over the RA-TLS server's TLS 1.3"
    RC=0
    timeout 10 curl -sSk --tlsv1.3 -w '%{http_code} %{ssl_verify_result}\n' "https://127.0.0.1:$EPORT/" >"$OUT" 2>"$ERR" || RC=$?
    want_rc 0
    want_stdout_has "RA-TLS echo server: hello over TLS 1.3"
    want_stdout_has "200 "
    end_case

    begin "curl without -k refuses the self-signed RA-TLS certificate (exit 60)"
    RC=0
    timeout 10 curl -sS "https://127.0.0.1:$EPORT/" >"$OUT" 2>"$ERR" || RC=$?
    want_rc 60
    end_case

    ECHO_CLIENT=$(dirname "$CCS")/examples/ratls/ratls_echo_client
    mkdir -p "$WORK/root-only"
    cp "$SIM/root_ca.pem" "$WORK/root-only/"
    "$ECHO_SERVER" --tee sim-tdx --sim-dir "$SIM" --endorsements --once --port-file "$WORK/echo2.port" \
        >"$WORK/echo2.out" 2>"$WORK/echo2.err" &
    PIDS+=($!)
    EPORT2=$(wait_port "$WORK/echo2.port" "${PIDS[-1]}") || { echo "echo server did not start"; exit 1; }
    begin "TLS with endorsements: the client trusts only the sim root, the collateral is the server's"
    RC=0
    timeout 10 "$ECHO_CLIENT" --port "$EPORT2" --trust-sim "$WORK/root-only" hello >"$OUT" 2>"$ERR" || RC=$?
    want_rc 0
    want_stdout_has "server attested (tdx"
    end_case
else
    echo "skip - $ECHO_SERVER not built (s_client and curl cases)"
fi

summary
