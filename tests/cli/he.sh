#!/usr/bin/env bash
# `ccs he demo|bench`: the encrypted dot product and logistic-regression
# score decrypt to the plaintext results; every bench workload (latency and
# offline, table, CSV and JSON) is checked; usage errors exit 2.
#
# usage: he.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT

begin "demo: dot product and logistic-regression score equal the plaintext ones"
run_ccs he demo --features 12
want_rc 0
[[ $(grep -c ": equal" "$OUT") == 2 ]] || fail "two results equal expected"
end_case

begin "bench: every workload in latency mode, JSON, each checked"
run_ccs he bench --size 4 --reps 3 --format json
want_rc 0
python3 - "$OUT" <<'PY' || fail "bad JSON or an unchecked result"
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["workload"] for r in rows] == ["add", "mul", "dot", "matmul", "logreg"], rows
for r in rows:
    assert r["checked"] is True and r["reps"] == 3 and r["wall_us"]["min"] <= r["wall_us"]["median"] <= r["wall_us"]["max"]
PY
end_case

begin "bench: offline mode as CSV"
run_ccs he bench --workload dot --mode offline --size 4 --reps 3 --format csv
want_rc 0
[[ $(wc -l <"$OUT") == 2 ]] || fail "header and one row expected"
grep -q "^paillier,dot,4,offline,2048,3," "$OUT" || fail "row"
grep -q ",yes$" "$OUT" || fail "not checked"
end_case

begin "bench on BGV and BFV: add, mul and dot checked; logreg refused there"
for sch in bgv bfv; do
    for wl in add mul dot; do
        run_ccs he bench --scheme "$sch" --workload "$wl" --size 8 --reps 2 --format csv
        want_rc 0
        grep -q "^$sch,$wl,8,latency,8192,2,.*,yes$" "$OUT" || fail "$sch $wl: $(cat "$OUT")"
    done
done
run_ccs he bench --scheme bgv --workload logreg --size 4 --reps 1
want_rc 2
want_stderr_has "CKKS"
end_case

begin "usage errors"
run_ccs he bench --workload bogus
want_rc 2
run_ccs he bench --scheme seal
want_rc 2
run_ccs he demo --bits 1024
want_rc 2
run_ccs he nothing
want_rc 2
run_ccs he --help
want_rc 0
want_stdout_has "ccs he bench"
end_case

summary
