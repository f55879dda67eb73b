#!/usr/bin/env bash
# `ccs agent`: usage errors (exit 2) for every verb, evidence with the sim
# platform, and the whole flow against `ccs kbs serve` on a free loopback
# port: get-resource (to a 0600 file and to stdout), a wrong measurement
# refused with the KBS's reason (exit 1), token, and the REST endpoint
# (`ccs agent serve`). The secret never appears on stderr.
#
# usage: agent.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
KBS_PID=""
AGENT_PID=""
cleanup() {
    [[ -n $AGENT_PID ]] && kill "$AGENT_PID" 2>/dev/null || true
    [[ -n $KBS_PID ]] && kill "$KBS_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

SIM=$WORK/sim
SECRET="the agent test secret"
echo "enclave image v1" >"$WORK/app1"
echo "enclave image v2" >"$WORK/app2"

# ---- usage ----

begin "ccs agent --help lists the verbs"
run_ccs agent --help
want_rc 0
for v in get-resource token evidence serve; do want_stdout_has "$v"; done
end_case

begin "ccs agent without a verb"
run_ccs agent
want_rc 2
end_case

begin "ccs agent with an unknown verb"
run_ccs agent fetch
want_usage_error
end_case

begin "ccs agent get-resource --help lists its options"
run_ccs agent get-resource --help
want_rc 0
for o in --kbs --tee --sim-dir --measurement-from --tcti --cacert --output; do want_stdout_has "$o "; done
end_case

for v in token evidence serve; do
    begin "ccs agent $v --help"
    run_ccs agent "$v" --help
    want_rc 0
    want_stdout_has "usage: ccs agent $v"
    end_case
done

usage_case() {
    local name=$1 has=$2
    shift 2
    begin "$name"
    run_ccs agent "$@"
    want_usage_error
    want_stderr_has "$has"
    end_case
}
usage_case "get-resource without a URI" "resource URI is required" get-resource --kbs http://127.0.0.1:1
usage_case "get-resource with a two-part URI" "want <repo>/<type>/<tag>" get-resource kbs:///a/b --kbs http://127.0.0.1:1
usage_case "get-resource with ../" "component" get-resource kbs:///../b/c --kbs http://127.0.0.1:1
usage_case "get-resource with a plugin scheme" "scheme" get-resource kbs+vault:///a/b/c --kbs http://127.0.0.1:1
usage_case "get-resource without --kbs" "--kbs URL is required" get-resource kbs:///a/b/c
usage_case "get-resource with two URIs" "unexpected argument" get-resource kbs:///a/b/c kbs:///a/b/d --kbs http://x
usage_case "get-resource with an ftp KBS" "http://" get-resource kbs:///a/b/c --kbs ftp://x --tee sim-sgx --sim-dir "$WORK/nosim"
usage_case "an unknown --tee" "unknown --tee" get-resource kbs:///a/b/c --kbs http://x --tee sev
usage_case "an unknown option" "unknown or incomplete option" token --kbs http://x --bogus
usage_case "token takes no --runtime-data" "not taken" token --kbs http://x --runtime-data a
usage_case "evidence without data" "one of --runtime-data" evidence --tee sim-sgx
usage_case "evidence with both" "one of --runtime-data" evidence --runtime-data a --report-data 00
usage_case "evidence with bad hex" "1 to 64 bytes" evidence --report-data zz
usage_case "evidence with 65 bytes" "at most 64" evidence --runtime-data "$(printf 'a%.0s' {1..65})"
usage_case "evidence takes no --kbs" "not taken" evidence --kbs http://x --runtime-data a
usage_case "serve on 0.0.0.0" "not a loopback address" serve --listen 0.0.0.0:8006
usage_case "serve on a LAN address" "not a loopback address" serve --listen 192.168.1.10:8006
usage_case "serve on a host name" "not a numeric loopback" serve --listen example.com:8006
usage_case "--timeout 0" "--timeout" token --kbs http://x --timeout 0
usage_case "unreadable --measurement-from" "measurement-from" evidence --runtime-data a --measurement-from "$WORK/none"

# ---- evidence with the sim platform ----

run_ccs tee sim init --sim-dir "$SIM"
[[ $RC -eq 0 ]] || { echo "sim init failed"; cat "$ERR"; exit 1; }

begin "evidence --runtime-data with sim-sgx"
run_ccs agent evidence --tee sim-sgx --sim-dir "$SIM" --runtime-data hello
want_rc 0
want_py "list(d) == ['quote'] and len(d['quote']) > 1000"
end_case

begin "evidence --report-data with sim-tdx"
run_ccs agent evidence --tee sim-tdx --sim-dir "$SIM" --report-data 00112233 -o "$WORK/ev.json"
want_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert list(d)==["quote"]' "$WORK/ev.json" || fail "ev.json"
end_case

begin "get-resource with no KBS listening: exit 1"
run_ccs agent get-resource kbs:///a/b/c --kbs http://127.0.0.1:1 --tee sim-sgx --sim-dir "$SIM" --timeout 5
want_rc 1
want_stderr_has "POST /kbs/v0/auth"
want_stdout_empty
end_case

# ---- against `ccs kbs serve` ----

MR=$(sha256sum "$WORK/app1" | cut -d' ' -f1)
cat >"$WORK/attestation.json" <<JSON
{"version":1,"tees":{"sim-sgx":{"allow_debug":true,"measurements":{"mrenclave":{"values":["$MR"]}}}}}
JSON
cat >"$WORK/resource.json" <<'JSON'
{"version":1,"rules":[{"resources":"default/*/*","allow":{"tee":["sim-sgx"],"status":["affirming","warning"]}}]}
JSON
printf '%s' "$SECRET" >"$WORK/secret.bin"
run_ccs kbs admin keygen -o "$WORK/admin.key" --pub "$WORK/admin.pub"
[[ $RC -eq 0 ]] || { echo "admin keygen failed"; cat "$ERR"; exit 1; }

mkdir -p "$WORK/kbs"
STATE_DIRECTORY=$WORK/kbs "$CCS" kbs serve --listen 127.0.0.1:0 --store "$WORK/kbs/kbs.db" \
    --admin-key "$WORK/admin.pub" --insecure-trust-sim "$SIM" --log-level error >"$WORK/kbs.out" 2>"$WORK/kbs.err" &
KBS_PID=$!
URL=""
for _ in $(seq 100); do
    # The server's shell may not have created kbs.out yet: no file is no URL yet.
    URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$WORK/kbs.out" 2>/dev/null || true)
    [[ -n $URL ]] && break
    sleep 0.1
done
if [[ -z $URL ]]; then
    echo "ccs kbs serve did not start"; cat "$WORK/kbs.err"; exit 1
fi
TOKEN=$("$CCS" kbs admin token --key "$WORK/admin.key")
admin() { "$CCS" kbs admin "$@" --kbs "$URL" --token "$TOKEN" >/dev/null; }
admin set-policy attestation "$WORK/attestation.json"
admin set-policy resource "$WORK/resource.json"
admin set-resource default/key/one "$WORK/secret.bin"

AGENT=(--kbs "$URL" --tee sim-sgx --sim-dir "$SIM")

begin "get-resource to a file"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --measurement-from "$WORK/app1" -o "$WORK/got.bin"
want_rc 0
cmp -s "$WORK/got.bin" "$WORK/secret.bin" || fail "the secret differs"
[[ $(stat -c %a "$WORK/got.bin") == 600 ]] || fail "the secret file is not 0600"
if grep -qF "$SECRET" "$ERR"; then fail "the secret is on stderr"; fi
end_case

begin "get-resource to stdout"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --measurement-from "$WORK/app1"
want_rc 0
[[ $(cat "$OUT") == "$SECRET" ]] || fail "stdout is not exactly the secret"
end_case

begin "get-resource with a wrong measurement: refused with the KBS's reason"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --measurement-from "$WORK/app2"
want_rc 1
want_stdout_empty
want_stderr_has "mrenclave"
want_stderr_has "AttestationError"
end_case

begin "get-resource of a missing resource"
run_ccs agent get-resource kbs:///default/key/none "${AGENT[@]}" --measurement-from "$WORK/app1"
want_rc 1
want_stderr_has "404"
end_case

begin "token"
run_ccs agent token "${AGENT[@]}" --measurement-from "$WORK/app1"
want_rc 0
want_py "d['token'].count('.') == 2 and d['tee_keypair']['kty'] == 'EC' and 'd' in d['tee_keypair']"
end_case

begin "serve: GET /cdh/resource and /aa/token"
"$CCS" agent serve --listen 127.0.0.1:0 "${AGENT[@]}" --measurement-from "$WORK/app1" >"$WORK/agent.out" 2>"$WORK/agent.err" &
AGENT_PID=$!
AURL=""
for _ in $(seq 100); do
    AURL=$(sed -n 's/^listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$WORK/agent.out" 2>/dev/null || true)
    [[ -n $AURL ]] && break
    sleep 0.1
done
if [[ -z $AURL ]]; then
    fail "ccs agent serve did not start"
else
    cat >"$WORK/rest.py" <<'PY'
import json, sys, urllib.request
base = "http://" + sys.argv[1]
secret = urllib.request.urlopen(base + "/cdh/resource/default/key/one").read().decode()
assert secret == sys.argv[2], "REST secret differs"
d = json.load(urllib.request.urlopen(base + "/aa/token?token_type=kbs"))
assert d["token"].count(".") == 2 and "d" in d["tee_keypair"]
i = json.load(urllib.request.urlopen(base + "/info"))
assert i["tee"] == "sim-sgx"
PY
    python3 "$WORK/rest.py" "$AURL" "$SECRET" >"$WORK/rest.out" 2>&1 || fail "REST: $(tail -1 "$WORK/rest.out")"
    kill -TERM "$AGENT_PID"
    wait "$AGENT_PID" || fail "serve exited non-zero after SIGTERM"
    AGENT_PID=""
    if grep -qF "$SECRET" "$WORK/agent.err" "$WORK/agent.out"; then fail "the secret was logged"; fi
fi
end_case

summary
