#!/usr/bin/env python3
"""A minimal PCCS (Intel PCS API v4) for the command-line tests.

usage: pccs_server.py REQUEST_LOG COLLATERAL_DIR...

Binds 127.0.0.1 on a free port, prints the port as the first line of stdout,
then serves the collateral of each directory (tcb_info.json, qe_identity.json,
*_issuer_chain.pem, pck_crl.der, root_ca_crl.der, as in tests/data):

  GET /{sgx,tdx}/certification/v4/tcb?fmspc=HEX   TCB Info; TCB-Info-Issuer-Chain
  GET /{sgx,tdx}/certification/v4/qe/identity     QE Identity; SGX-Enclave-Identity-Issuer-Chain
  GET /sgx/certification/v4/pckcrl?ca=platform|processor&encoding=der
                                                  PCK CRL; SGX-PCK-CRL-Issuer-Chain
  GET /sgx/certification/v4/rootcacrl             Root CA CRL (DER)

Which directory answers is read from the files: the TEE and FMSPC from
tcb_info.json, the PCK CA from the issuer named in pck_crl.der (so the SGX and
TDX vectors, which use different PCK CAs, can share one server). Anything
else is 404. Each request's path (with query) is appended to REQUEST_LOG, one
line per request, before it is answered. The server exits by itself after
MAX_LIFETIME_S in case whoever started it does not stop it.
"""

import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_LIFETIME_S = 300


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def load(dirs):
    """Routes: (path, frozenset of query items) -> (body, headers)."""
    routes = {}
    root_crl = None
    for d in dirs:
        tcb = read(os.path.join(d, "tcb_info.json"))
        info = json.loads(tcb)["tcbInfo"]
        tee = info.get("id", "SGX").lower()
        fmspc = info["fmspc"].upper()
        chain = urllib.parse.quote(read(os.path.join(d, "tcb_info_issuer_chain.pem"), "r"), safe="")
        routes[(f"/{tee}/certification/v4/tcb", frozenset({("fmspc", fmspc)}))] = (
            tcb, {"TCB-Info-Issuer-Chain": chain, "Content-Type": "application/json"})
        qe_chain = urllib.parse.quote(read(os.path.join(d, "qe_identity_issuer_chain.pem"), "r"), safe="")
        routes[(f"/{tee}/certification/v4/qe/identity", frozenset())] = (
            read(os.path.join(d, "qe_identity.json")),
            {"SGX-Enclave-Identity-Issuer-Chain": qe_chain, "Content-Type": "application/json"})
        crl = read(os.path.join(d, "pck_crl.der"))
        crl_chain = urllib.parse.quote(read(os.path.join(d, "pck_crl_issuer_chain.pem"), "r"), safe="")
        for ca in ("platform", "processor"):
            if f"Intel SGX PCK {ca.capitalize()} CA".encode() in crl:
                routes[("/sgx/certification/v4/pckcrl", frozenset({("ca", ca), ("encoding", "der")}))] = (
                    crl, {"SGX-PCK-CRL-Issuer-Chain": crl_chain, "Content-Type": "application/pkix-crl"})
        if root_crl is None:
            root_crl = read(os.path.join(d, "root_ca_crl.der"))
    if root_crl is not None:
        routes[("/sgx/certification/v4/rootcacrl", frozenset())] = (
            root_crl, {"Content-Type": "application/pkix-crl"})
    return routes


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    log_path = sys.argv[1]
    routes = load(sys.argv[2:])
    log_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            with log_lock, open(log_path, "a") as log:
                log.write(self.path + "\n")
            url = urllib.parse.urlsplit(self.path)
            query = frozenset(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            hit = routes.get((url.path, query))
            if hit is None:
                body = b"not found\n"
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
                headers = {}
            else:
                body, headers = hit
                self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):  # keep stderr quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    timer = threading.Timer(MAX_LIFETIME_S, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
