#!/usr/bin/env bash
# `ccs attest verify --tee snp --kds URL [--kds-cache FILE]` and `ccs attest
# fetch-snp` end to end, against a loopback "AMD KDS" (a Python http.server
# bound to 127.0.0.1 serving the recorded VCEKs and chains of tests/data under
# the KDS paths, logging each request line). The recorded sets have no AMD
# CRL, so the KDS answers the CRL with 404 and the result says revocation was
# not checked.
#
# usage: attest_snp_kds.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.bash
source "$HERE/lib.bash"
cli_setup "$@"

SERVER_PID=""
stop_server() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SNP=$DATA/attestation/snp
GENOA=$SNP/azure-genoa-vcek
MILAN=$SNP/trustee-milan-vcek
AT=2025-06-01T00:00:00Z
ROOT=$WORK/kds
LOG=$WORK/requests.log
: >"$LOG"

# The chip id (hex, 64 bytes at 0x1A0) of a report.
hwid() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read()[0x1A0:0x1E0].hex())' "$1"; }

mkdir -p "$ROOT/vcek/v1/Genoa" "$ROOT/vcek/v1/Milan"
cp "$GENOA/vcek.der" "$ROOT/vcek/v1/Genoa/$(hwid "$GENOA/report.bin")"
cp "$GENOA/cert_chain.pem" "$ROOT/vcek/v1/Genoa/cert_chain"
cp "$MILAN/cert_chain.pem" "$ROOT/vcek/v1/Milan/cert_chain" # no Milan VCEK: 404

cat >"$WORK/kds.py" <<'PY'
import http.server, os, sys, urllib.parse
root, log = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log, "a") as f:
            f.write(self.path + "\n")
        p = os.path.normpath(urllib.parse.urlsplit(self.path).path).lstrip("/")
        f = os.path.join(root, p)
        if ".." in p or not os.path.isfile(f):
            self.send_error(404)
            return
        data = open(f, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$WORK/kds.py" "$ROOT" "$LOG" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 1 100); do
    PORT=$(head -n 1 "$WORK/server.out" 2>/dev/null || true)
    [[ -n $PORT ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [[ ! $PORT =~ ^[0-9]+$ ]]; then
    echo "cannot start the KDS server:" >&2
    cat "$WORK/server.err" >&2
    exit 1
fi
KDS=http://127.0.0.1:$PORT
CACHE=$WORK/kds.db

begin "Genoa via --kds: pass, VCEK asked for by chip id and reported_tcb, CRL not checked"
run_ccs attest verify --evidence "$GENOA/report.bin" --tee snp --kds "$KDS" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
want_json crl_checked 'false'
want_json failed_checks '[]'
grep -qxF "/vcek/v1/Genoa/$(hwid "$GENOA/report.bin")?blSPL=10&teeSPL=0&snpSPL=23&ucodeSPL=84" "$LOG" ||
    fail "no VCEK request with the reported TCB"
grep -qxF "/vcek/v1/Genoa/cert_chain" "$LOG" || fail "no cert_chain request"
grep -qxF "/vcek/v1/Genoa/crl" "$LOG" || fail "no CRL request"
end_case

begin "human output says the CRL was not checked"
run_ccs attest verify --evidence "$GENOA/report.bin" --kds "$KDS" --at "$AT"
want_rc 0
want_stdout_has "PASS"
want_stdout_has "not checked (no CRL)"
end_case

begin "--kds-cache: filled, then used with the KDS stopped"
run_ccs attest verify --evidence "$GENOA/report.bin" --kds "$KDS" --kds-cache "$CACHE" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
end_case

begin "fetch-snp writes a --collateral directory"
run_ccs attest fetch-snp "$GENOA/report.bin" --kds "$KDS" -o "$WORK/coll" --at "$AT"
want_rc 0
cmp -s "$WORK/coll/vcek.der" "$GENOA/vcek.der" || fail "vcek.der differs"
cmp -s "$WORK/coll/cert_chain.pem" "$GENOA/cert_chain.pem" || fail "cert_chain.pem differs"
[[ ! -e $WORK/coll/crl.der ]] || fail "crl.der written though KDS has none"
run_ccs attest verify --evidence "$GENOA/report.bin" --collateral "$WORK/coll" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
end_case

begin "a version 2 report needs --product"
run_ccs attest verify --evidence "$MILAN/report.bin" --kds "$KDS" --at "$AT"
want_usage_error
want_stderr_has "does not name its product"
end_case

begin "KDS 404 for the VCEK: a clear error, exit 2"
run_ccs attest verify --evidence "$MILAN/report.bin" --kds "$KDS" --product Milan --at "$AT"
want_usage_error
want_stderr_has "KDS has no VCEK for this chip/TCB"
grep -q "^/vcek/v1/Milan/[0-9a-f]\{128\}?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115$" "$LOG" ||
    fail "Milan VCEK not asked for by reported_tcb (ucodeSPL=115)"
end_case

stop_server

begin "the cache serves the second verification with the KDS stopped"
run_ccs attest verify --evidence "$GENOA/report.bin" --kds "$KDS" --kds-cache "$CACHE" --at "$AT" --json
want_rc 0
want_json verdict '"pass"'
end_case

begin "without the cache, a stopped KDS is an error"
run_ccs attest verify --evidence "$GENOA/report.bin" --kds "$KDS" --at "$AT"
want_usage_error
want_stderr_has "cannot get SEV-SNP collateral from KDS"
end_case

begin "usage: --kds with --collateral, --kds-cache without --kds, bad --product"
run_ccs attest verify --evidence "$GENOA/report.bin" --kds "$KDS" --collateral "$GENOA"
want_usage_error
run_ccs attest verify --evidence "$GENOA/report.bin" --collateral "$GENOA" --kds-cache "$CACHE"
want_usage_error
run_ccs attest verify --evidence "$GENOA/report.bin" --kds "$KDS" --product Naples
want_usage_error
run_ccs attest fetch-snp "$GENOA/report.bin"
want_usage_error
end_case

begin "--help names --kds and fetch-snp"
run_ccs attest verify --help
want_rc 0
want_stdout_has "--kds URL"
want_stdout_has "crl.der"
run_ccs attest fetch-snp --help
want_rc 0
want_stdout_has "cert_chain.pem"
run_ccs attest --help
want_stdout_has "fetch-snp"
end_case

summary
