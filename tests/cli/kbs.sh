#!/usr/bin/env bash
# `ccs kbs`: --help everywhere (exit 0), usage errors (exit 2), and the
# admin commands against `ccs kbs serve` on a free loopback port with a
# temp store and admin key: set-resource, set-policy, get-policy and
# set-refval succeed with an admin token and fail (exit 1, the KBS's
# message) with a malformed or foreign token; a bad policy is refused with
# the parser's message and get-policy still shows the old one. The server
# is stopped by its PID (trap), never by name.
#
# usage: kbs.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
unset CCS_KBS_ADMIN_TOKEN
KBS_PID=""
cleanup() {
    if [[ -n $KBS_PID ]]; then kill "$KBS_PID" 2>/dev/null || true; wait "$KBS_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# ---- help and usage ----

begin "ccs kbs --help lists the verbs"
run_ccs kbs --help
want_rc 0
want_stdout_has "serve"
want_stdout_has "admin"
end_case

begin "ccs kbs serve --help lists its options"
run_ccs kbs serve --help
want_rc 0
for o in --config --listen --store --admin-key --insecure-trust-sim --log-level; do want_stdout_has "$o"; done
end_case

begin "ccs kbs admin --help lists the commands"
run_ccs kbs admin --help
want_rc 0
for c in keygen token set-resource set-policy get-policy set-refval; do want_stdout_has "$c"; done
end_case

usage_case() {
    local name=$1 has=$2
    shift 2
    begin "$name"
    run_ccs kbs "$@"
    want_usage_error
    want_stderr_has "$has"
    end_case
}
usage_case "kbs without a verb" "usage: ccs kbs" 
usage_case "kbs with an unknown verb" "unknown verb" frob
usage_case "serve with an unknown option" "bad option" serve --bogus
usage_case "serve with an option missing its value" "bad option" serve --listen
usage_case "admin with an unknown command" "bad or incomplete command" admin frob
usage_case "admin set-policy without arguments" "bad or incomplete command" admin set-policy
usage_case "admin set-policy of an unknown kind" "" admin set-policy bogus "$WORK/x.json" --kbs http://127.0.0.1:1 --token t
usage_case "admin token without --key" "bad or incomplete command" admin token
usage_case "admin get-policy without --kbs" "--kbs URL" admin get-policy attestation --token t
printf 'x' >"$WORK/x"
usage_case "admin set-resource without a token" "--token" admin set-resource a/b/c "$WORK/x" --kbs http://127.0.0.1:1
usage_case "admin over plain http to a host that is not loopback" "use https://, or http:// to a loopback address" \
    admin get-policy attestation --kbs http://kbs.example.invalid:8080 --token t
usage_case "admin over another scheme" "use https://" admin get-policy attestation --kbs ftp://127.0.0.1/ --token t

begin "serve with a config file that does not exist: exit 2"
run_ccs kbs serve --config "$WORK/none.json"
want_rc 2
want_stderr_nonempty
end_case

begin "serve with a config naming an unknown key: exit 2 with the JSON path"
printf '{"tls":{"crt":"a"}}' >"$WORK/bad-config.json"
run_ccs kbs serve --config "$WORK/bad-config.json"
want_rc 2
want_stderr_has "tls.crt: unknown key"
end_case

# ---- against `ccs kbs serve` ----

run_ccs kbs admin keygen -o "$WORK/admin.key" --pub "$WORK/admin.pub"
[[ $RC -eq 0 ]] || { echo "admin keygen failed"; cat "$ERR"; exit 1; }
run_ccs kbs admin keygen -o "$WORK/other.key" --pub "$WORK/other.pub"
[[ $RC -eq 0 ]] || { echo "admin keygen failed"; cat "$ERR"; exit 1; }

mkdir -p "$WORK/kbs"
STATE_DIRECTORY=$WORK/kbs "$CCS" kbs serve --listen 127.0.0.1:0 --store "$WORK/kbs/kbs.db" \
    --admin-key "$WORK/admin.pub" --log-level error >"$WORK/kbs.out" 2>"$WORK/kbs.err" &
KBS_PID=$!
URL=""
for _ in $(seq 100); do
    # The server's shell may not have created kbs.out yet: no file is no URL yet.
    URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$WORK/kbs.out" 2>/dev/null || true)
    [[ -n $URL ]] && break
    kill -0 "$KBS_PID" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $URL ]]; then
    echo "ccs kbs serve did not start"; cat "$WORK/kbs.err"; exit 1
fi

TOKEN=$("$CCS" kbs admin token --key "$WORK/admin.key")
FOREIGN=$("$CCS" kbs admin token --key "$WORK/other.key")
MR=$(printf 'cli test enclave' | sha256sum | cut -d' ' -f1)
cat >"$WORK/attestation.json" <<JSON
{"version":1,"tees":{"sim-sgx":{"allow_debug":true,"measurements":{"mrenclave":{"ref":"sim-sgx.mrenclave"}}}}}
JSON
cat >"$WORK/attestation2.json" <<JSON
{"version":1,"comment":"second","tees":{"sim-sgx":{"measurements":{"mrenclave":{"values":["$MR"]}}}}}
JSON
cat >"$WORK/bad-policy.json" <<'JSON'
{"version":1,"tees":{"sim-sgx":{"alow_debug":true,"measurements":{"mrenclave":{"ref":"sim-sgx.mrenclave"}}}}}
JSON
cat >"$WORK/resource.json" <<'JSON'
{"version":1,"rules":[{"resources":"default/*/*","allow":{"tee":["sim-sgx"],"status":["affirming","warning"]}}]}
JSON
printf 'the cli test secret' >"$WORK/secret.bin"

with_token() { run_ccs kbs admin "$@" --kbs "$URL" --token "$TOKEN"; }

begin "get-policy before any is set: exit 1, not found"
with_token get-policy attestation
want_rc 1
want_stderr_has "HTTP 404"
end_case

begin "set-policy attestation with the admin token"
with_token set-policy attestation "$WORK/attestation.json"
want_rc 0
end_case

begin "get-policy attestation shows it"
with_token get-policy attestation
want_rc 0
want_stdout_has "sim-sgx.mrenclave"
end_case

begin "set-policy resource, set-resource and set-refval with the admin token"
with_token set-policy resource "$WORK/resource.json"
want_rc 0
with_token set-resource default/keys/k1 "$WORK/secret.bin"
want_rc 0
with_token set-refval sim-sgx mrenclave "$MR"
want_rc 0
end_case

begin "set-resource from stdin"
RC=0
printf 'from stdin' | "$CCS" kbs admin set-resource default/keys/k2 - --kbs "$URL" --token "$TOKEN" \
    >"$OUT" 2>"$ERR" || RC=$?
want_rc 0
end_case

begin "a bad policy is refused with the parser's message"
with_token set-policy attestation "$WORK/bad-policy.json"
want_rc 1
want_stderr_has "tees.sim-sgx.alow_debug: unknown key"
end_case

begin "after the refusal get-policy shows the old policy"
with_token get-policy attestation
want_rc 0
want_stdout_has "sim-sgx.mrenclave"
end_case

refused_case() {
    local name=$1 token=$2
    shift 2
    begin "$name"
    run_ccs kbs admin "$@" --kbs "$URL" --token "$token"
    want_rc 1
    want_stderr_has "HTTP 401: the admin token is not valid"
    end_case
}
# The same token with its last signature character changed.
last=${TOKEN: -1}
[[ $last == A ]] && swap=B || swap=A
ALTERED=${TOKEN%?}$swap
for t in "$FOREIGN" "not-a-token" "$ALTERED"; do
    case $t in
        "$FOREIGN") what="a token of another key" ;;
        not-a-token) what="a malformed token" ;;
        *) what="an altered token" ;;
    esac
    refused_case "set-policy with $what: exit 1" "$t" set-policy attestation "$WORK/attestation2.json"
    refused_case "get-policy with $what: exit 1" "$t" get-policy attestation
    refused_case "set-resource with $what: exit 1" "$t" set-resource default/keys/k1 "$WORK/secret.bin"
    refused_case "set-refval with $what: exit 1" "$t" set-refval sim-sgx mrenclave "$MR"
done

begin "after the refused calls get-policy still shows the first policy"
with_token get-policy attestation
want_rc 0
want_stdout_has "sim-sgx.mrenclave"
grep -qF '"second"' "$OUT" && fail "the refused policy was stored"
end_case

begin "a refused refval (bad TEE name): exit 1 with the reason"
with_token set-refval 'SGX!' mrenclave "$MR"
want_rc 1
want_stderr_has "HTTP 400"
end_case

begin "set-policy with a file that does not exist: exit 2"
with_token set-policy attestation "$WORK/none.json"
want_rc 2
want_stderr_nonempty
end_case

begin "a second policy replaces the first"
with_token set-policy attestation "$WORK/attestation2.json"
want_rc 0
with_token get-policy attestation
want_rc 0
want_stdout_has "second"
end_case

begin "the server stops on SIGTERM with status 0"
kill -TERM "$KBS_PID"
RC=0
wait "$KBS_PID" || RC=$?
KBS_PID=""
want_rc 0
end_case

summary
