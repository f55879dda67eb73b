# shellcheck shell=bash
# Helpers shared by the tests/cli/*.sh scripts (sourced, not a test itself:
# tests/CMakeLists.txt registers only *.sh).
#
# A case is:
#   begin "name"; run_ccs ARGS...; want_rc 0; want_json verdict '"pass"'; ...; end_case
# Each case prints one line ("ok - name" or "FAIL - name: reasons"); `summary`
# prints "N passed, M failed" and returns non-zero if anything failed.

CLI_PASSED=0
CLI_FAILED=0
CASE_NAME=""
CASE_ERRS=""
RC=0

# The scratch directory: $WORK, removed on exit by the script's own trap.
cli_setup() {
    if [[ $# -lt 2 ]]; then
        echo "usage: $0 <path-to-ccs> <tests/data dir>" >&2
        exit 2
    fi
    CCS=$1
    # shellcheck disable=SC2034 # used by the scripts that source this file
    DATA=$2
    if [[ ! -x $CCS ]]; then
        echo "$0: $CCS is not an executable" >&2
        exit 2
    fi
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccs-cli.XXXXXX")
    OUT=$WORK/stdout
    ERR=$WORK/stderr
}

begin() {
    CASE_NAME=$1
    CASE_ERRS=""
}

fail() {
    CASE_ERRS+="${CASE_ERRS:+; }$*"
}

end_case() {
    if [[ -z $CASE_ERRS ]]; then
        CLI_PASSED=$((CLI_PASSED + 1))
        echo "ok - $CASE_NAME"
    else
        CLI_FAILED=$((CLI_FAILED + 1))
        echo "FAIL - $CASE_NAME: $CASE_ERRS"
        if [[ -s $ERR ]]; then sed 's/^/    stderr: /' "$ERR" | head -5; fi
    fi
}

# Runs ccs with the given arguments; stdout to $OUT, stderr to $ERR, status to $RC.
run_ccs() {
    RC=0
    "$CCS" "$@" >"$OUT" 2>"$ERR" || RC=$?
}

want_rc() {
    [[ $RC -eq $1 ]] || fail "exit status $RC, want $1"
}

want_stdout_has() {
    grep -qF -- "$1" "$OUT" || fail "stdout lacks \"$1\""
}

want_stdout_empty() {
    [[ ! -s $OUT ]] || fail "stdout is not empty"
}

want_stderr_has() {
    grep -qiF -- "$1" "$ERR" || fail "stderr lacks \"$1\""
}

want_stderr_nonempty() {
    [[ -s $ERR ]] || fail "no message on stderr"
}

# A usage error: status 2, a message on stderr, nothing on stdout.
want_usage_error() {
    want_rc 2
    want_stderr_nonempty
    want_stdout_empty
}

# Evaluates a Python expression with d = the JSON on stdout; prints nothing
# and succeeds when it is true, else prints why.
py_json() {
    python3 - "$OUT" "$1" <<'EOF'
import json, re, sys
try:
    with open(sys.argv[1]) as f:
        d = json.load(f)
except Exception as e:
    print("stdout is not JSON (%s)" % e)
    sys.exit(1)
try:
    ok = eval(sys.argv[2], {"d": d, "re": re})
except Exception as e:
    print("%s: %s: %s" % (sys.argv[2], type(e).__name__, e))
    sys.exit(1)
if not ok:
    print("not true: %s" % sys.argv[2])
    sys.exit(1)
EOF
}

want_py() {
    local why
    why=$(py_json "$1") || fail "$why"
}

# want_json DOTTED.KEY JSON-VALUE: the field equals the value.
want_json() {
    local why
    why=$(python3 - "$OUT" "$1" "$2" <<'EOF'
import json, sys
try:
    with open(sys.argv[1]) as f:
        d = json.load(f)
except Exception as e:
    print("stdout is not JSON (%s)" % e)
    sys.exit(1)
v = d
for k in sys.argv[2].split("."):
    if not isinstance(v, dict) or k not in v:
        print("%s missing" % sys.argv[2])
        sys.exit(1)
    v = v[k]
want = json.loads(sys.argv[3])
if v != want:
    print("%s is %s, want %s" % (sys.argv[2], json.dumps(v), json.dumps(want)))
    sys.exit(1)
EOF
    ) || fail "$why"
}

# want_failed [NAME...]: the names in failed_checks are exactly these (any order).
want_failed() {
    local want
    want=$(printf '%s\n' "$@" | python3 -c 'import json,sys; print(json.dumps(sorted(l for l in sys.stdin.read().split() if l)))')
    want_py "sorted(c['name'] for c in d['failed_checks']) == $want"
}

# want_claims KEY...: claims has at least these keys, and every string claim is lower-case hex.
want_claims() {
    local keys
    keys=$(printf '"%s",' "$@")
    want_py "set([${keys%,}]) <= set(d['claims'])"
    want_py "all(re.fullmatch('[0-9a-f]*', v) for v in d['claims'].values() if isinstance(v, str))"
}

summary() {
    echo "$CLI_PASSED passed, $CLI_FAILED failed"
    [[ $CLI_FAILED -eq 0 ]]
}
