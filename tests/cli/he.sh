#!/usr/bin/env bash
# `ccs he demo|bench`: the encrypted logistic-regression inference (CKKS:
# score and polynomial sigmoid under encryption; Paillier: dot product and
# score) decrypts to the plaintext results; every bench workload (latency
# and offline, table, CSV and JSON; Paillier, BGV, BFV, CKKS) is checked;
# usage errors exit 2 with their exact message.
#
# usage: he.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT

begin "demo (Paillier): dot product and logistic-regression score equal the plaintext ones"
run_ccs he demo --scheme paillier --features 12
want_rc 0
[[ $(grep -c ": equal" "$OUT") == 2 ]] || fail "two results equal expected"
end_case

begin "demo (CKKS, the default): score and sigma3 under encryption within the bound"
for n in 1 12 100; do
    run_ccs he demo --features "$n"
    want_rc 0
    want_stdout_has "server: w.x + b and sigma3(z)"
    want_stdout_has "within CKKS precision"
    python3 - "$OUT" <<'PY' || fail "n=$n: encrypted and plaintext results differ"
import re, sys
t = open(sys.argv[1]).read()
rows = re.findall(r"encrypted (-?[0-9.]+)  plaintext (-?[0-9.]+)  error ([0-9.e+-]+)", t)
assert len(rows) == 2, t
for got, want, err in rows:
    assert abs(float(got) - float(want)) < 1e-3 and float(err) < 1e-3, rows
PY
done
run_ccs he demo --scheme ckks --features 12
want_rc 0
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

begin "bench on CKKS: every workload (logreg included) in latency mode, JSON, checked with the max error"
run_ccs he bench --scheme ckks --size 8 --reps 2 --format json
want_rc 0
python3 - "$OUT" <<'PY' || fail "bad JSON or an unchecked result"
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["workload"] for r in rows] == ["add", "mul", "dot", "matmul", "logreg"], rows
for r in rows:
    assert r["scheme"] == "ckks" and r["bits"] == 8192 and r["size"] == 8 and r["reps"] == 2, r
    assert r["checked"] is True and 0 < r["max_abs_err"] < 1e-3, r
PY
end_case

begin "bench on CKKS: offline mode as CSV, sizes that are not powers of two"
for wl in dot matmul logreg; do
    run_ccs he bench --scheme ckks --workload "$wl" --mode offline --size 5 --reps 2 --format csv
    want_rc 0
    [[ $(wc -l <"$OUT") == 2 ]] || fail "header and one row expected"
    head -1 "$OUT" | grep -q ",max_abs_err,checked$" || fail "header"
    grep -q "^ckks,$wl,5,offline,8192,2,.*,yes$" "$OUT" || fail "$wl: $(cat "$OUT")"
done
run_ccs he bench --scheme ckks --workload add --size 4096 --reps 1 --format csv
want_rc 0
grep -q "^ckks,add,4096,latency,8192,1,.*,yes$" "$OUT" || fail "4096 slots"
end_case

begin "usage errors"
run_ccs he bench --workload bogus
want_rc 2
want_stderr_has 'ccs he bench: bad or incomplete option "--workload bogus"'
run_ccs he bench --scheme seal
want_rc 2
want_stderr_has 'ccs he bench: bad or incomplete option "--scheme seal"'
run_ccs he bench --scheme ckks --bits 2048
want_rc 2
want_stderr_has "ccs he bench: --bits is for Paillier (ckks runs at N = 8192, 128-bit)"
run_ccs he bench --scheme ckks --workload matmul --size 65
want_rc 2
want_stderr_has "ccs he bench: matmul --size is at most 64"
run_ccs he bench --scheme ckks --workload dot --size 4097
want_rc 2
want_stderr_has 'ccs he bench: bad or incomplete option "--size 4097"'
run_ccs he bench --scheme ckks --mode batch
want_rc 2
want_stderr_has 'ccs he bench: bad or incomplete option "--mode batch"'
run_ccs he demo --bits 1024
want_rc 2
run_ccs he demo --bits 2048
want_rc 2
want_stderr_has "ccs he demo: --bits is for --scheme paillier"
run_ccs he demo --scheme bfv
want_rc 2
want_stderr_has "ccs he demo: --scheme ckks or paillier"
run_ccs he demo --features 0
want_rc 2
want_stderr_has "ccs he demo: --features 1..4096"
run_ccs he nothing
want_rc 2
run_ccs he --help
want_rc 0
want_stdout_has "ccs he bench"
want_stdout_has "[--scheme paillier|bgv|bfv|ckks]"
want_stdout_has "[--scheme ckks|paillier]"
end_case

summary
