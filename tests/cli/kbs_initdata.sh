#!/usr/bin/env bash
# init-data end to end (docs/kbs.md "Init-data"): `ccs tee quote
# --config-id-from` puts SHA-384(FILE) in the sim quote's MRCONFIGID, and
# `ccs agent --init-data` sends the document while the sim "launches" with
# its digest; `ccs kbs serve` binds the two, refuses a document that is not
# the launched one, naming the field, and a policy with "init_data":
# {"required": true} refuses a request without init-data; "digests" alone
# checks the launched field even when the request leaves the document out.
#
# usage: kbs_initdata.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
KBS_PID=""
cleanup() {
    [[ -n $KBS_PID ]] && kill "$KBS_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

SIM=$WORK/sim
SECRET="the init-data test secret"
printf '{"aa.toml":"[token_configs]","policy.rego":"package agent_policy"}' >"$WORK/init.json"
printf '{"aa.toml":"[token_configs]","policy.rego":"package agent_policy\\nallow := true"}' >"$WORK/other.json"
printf 'version = "0.1.0"\nalgorithm = "sha384"\n[data]\n"cdh.toml" = "x"\n' >"$WORK/init.toml"
run_ccs tee sim init --sim-dir "$SIM"
[[ $RC -eq 0 ]] || { echo "sim init failed"; cat "$ERR"; exit 1; }

begin "tee quote --config-id-from: MRCONFIGID = SHA-384(FILE)"
run_ccs tee quote --platform sim-tdx --sim-dir "$SIM" --report-data 00 --config-id-from "$WORK/init.json" -o "$WORK/q.bin"
want_rc 0
run_ccs attest verify --evidence "$WORK/q.bin" --trust-sim "$SIM" --json
want_rc 0
want_py "d['claims']['mr_config_id'] == '$(sha384sum "$WORK/init.json" | cut -d' ' -f1)'"
end_case

begin "tee quote --config-id-from on sim-sgx: CONFIGID zero-padded"
run_ccs tee quote --platform sim-sgx --sim-dir "$SIM" --report-data 00 --config-id-from "$WORK/init.json" -o "$WORK/q.bin"
want_rc 0
python3 - "$WORK/q.bin" "$(sha384sum "$WORK/init.json" | cut -d' ' -f1)" <<'PY' || fail "CONFIGID is not the padded digest"
import sys
q = open(sys.argv[1], "rb").read()
assert q[48 + 192:48 + 256] == bytes.fromhex(sys.argv[2]) + bytes(16), q[240:304].hex()
PY
end_case

begin "agent --init-data-format must be json or toml"
run_ccs agent token --kbs http://127.0.0.1:1 --init-data "$WORK/init.json" --init-data-format yaml
want_usage_error
want_stderr_has "--init-data-format"
end_case

begin "agent --init-data must be readable"
run_ccs agent token --kbs http://127.0.0.1:1 --init-data "$WORK/none.json"
want_usage_error
want_stderr_has "--init-data"
end_case

echo "td image v1" >"$WORK/td1"
MRTD=$(sha384sum "$WORK/td1" | cut -d' ' -f1)
cat >"$WORK/attestation.json" <<JSON
{"version":1,"tees":{"sim-tdx":{"allow_debug":true,"measurements":{"mr_td":{"values":["$MRTD"]}}}}}
JSON
cat >"$WORK/required.json" <<JSON
{"version":1,"tees":{"sim-tdx":{"allow_debug":true,"measurements":{"mr_td":{"values":["$MRTD"]}},
 "init_data":{"required":true,"digests":{"ref":"sim-tdx.init_data"}}}}}
JSON
cat >"$WORK/digests.json" <<JSON
{"version":1,"tees":{"sim-tdx":{"allow_debug":true,"measurements":{"mr_td":{"values":["$MRTD"]}},
 "init_data":{"digests":{"values":["$(sha384sum "$WORK/init.json" | cut -d' ' -f1)"]}}}}}
JSON
cat >"$WORK/resource.json" <<'JSON'
{"version":1,"rules":[{"resources":"default/*/*","allow":{"tee":["sim-tdx"],"status":["affirming","warning"]}}]}
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

AGENT=(--kbs "$URL" --tee sim-tdx --sim-dir "$SIM" --measurement-from "$WORK/td1")

begin "get-resource --init-data (json): bound and released"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --init-data "$WORK/init.json" --init-data-format json
want_rc 0
[[ $(cat "$OUT") == "$SECRET" ]] || fail "stdout is not exactly the secret"
end_case

begin "token --init-data (json): init_data_claims is the document"
run_ccs agent token "${AGENT[@]}" --init-data "$WORK/init.json" --init-data-format json
want_rc 0
cat >"$WORK/claims.py" <<'PY'
import base64, json, sys
t = json.load(open(sys.argv[1]))["token"].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
print(json.dumps(c["submods"]["cpu0"]["ear.veraison.annotated-evidence"].get("init_data_claims")))
PY
python3 "$WORK/claims.py" "$OUT" >"$WORK/idc.json" || fail "token payload"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d == json.load(open(sys.argv[2])), d' \
    "$WORK/idc.json" "$WORK/init.json" || fail "init_data_claims is not the document"
end_case

begin "token --init-data (toml): init_data_claims carries the digest"
run_ccs agent token "${AGENT[@]}" --init-data "$WORK/init.toml"
want_rc 0
python3 "$WORK/claims.py" "$OUT" >"$WORK/idc.json" || fail "token payload"
D=$(sha384sum "$WORK/init.toml" | cut -d' ' -f1)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d == {"format":"toml","algorithm":"sha384","digest":sys.argv[2]}, d' \
    "$WORK/idc.json" "$D" || fail "toml init_data_claims"
end_case

begin "init-data that is not the launched one: refused, mr_config_id named"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --init-data "$WORK/other.json" \
    --init-data-format json --config-id-from "$WORK/init.json"
want_rc 1
want_stdout_empty
want_stderr_has "AttestationError"
want_stderr_has "init-data digest does not match mr_config_id"
end_case

begin "no init-data, launched with one: released (noted in the token)"
run_ccs agent token "${AGENT[@]}" --config-id-from "$WORK/init.json"
want_rc 0
python3 "$WORK/claims.py" "$OUT" >"$WORK/idc.json" || fail "token payload"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["format"] == "none" and d["field"] == "mr_config_id", d' \
    "$WORK/idc.json" || fail "the unbound config id is not noted"
end_case

admin set-policy attestation "$WORK/digests.json"

begin "policy init_data.digests alone: launched with a listed document, none sent: released"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --config-id-from "$WORK/init.json"
want_rc 0
[[ $(cat "$OUT") == "$SECRET" ]] || fail "stdout is not exactly the secret"
end_case

begin "policy init_data.digests alone: launched with another document, none sent: refused"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --config-id-from "$WORK/other.json"
want_rc 1
want_stdout_empty
want_stderr_has "AttestationError"
want_stderr_has "init_data $(sha384sum "$WORK/other.json" | cut -d' ' -f1) is not among the policy's values"
end_case

begin "policy init_data.digests alone: launched without init-data: released"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}"
want_rc 0
end_case

admin set-policy attestation "$WORK/required.json"
admin set-refval sim-tdx init_data "$(sha384sum "$WORK/init.json" | cut -d' ' -f1)"

begin "policy init_data.required: a request without init-data is refused"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}"
want_rc 1
want_stderr_has "requires init-data"
end_case

begin "policy init_data.digests: the reference digest is released"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --init-data "$WORK/init.json" --init-data-format json
want_rc 0
[[ $(cat "$OUT") == "$SECRET" ]] || fail "stdout is not exactly the secret"
end_case

begin "policy init_data.digests: another bound digest is refused"
run_ccs agent get-resource kbs:///default/key/one "${AGENT[@]}" --init-data "$WORK/init.toml"
want_rc 1
want_stderr_has "init_data"
want_stderr_has "sim-tdx.init_data"
end_case

summary
