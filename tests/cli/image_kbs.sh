#!/usr/bin/env bash
# The confidential image flow end to end, on loopback: the owner encrypts an
# image under a KEK that a real `ccs kbs serve` holds (attestation-agent key
# provider, kid kbs:///default/key/image-kek); a sim-sgx workload with the
# registered measurement decrypts it (the KBS releases the KEK after
# attestation), a workload with another measurement cannot, and skopeo's
# own JWE recipients still work beside the KBS key. Layers are compared byte
# for byte with the source.
#
# usage: image_kbs.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
CCS=$(readlink -f "$CCS")
K=$(cd "$DATA/image" && pwd)
KBS_PID=""
trap '[[ -n $KBS_PID ]] && kill "$KBS_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

"$CCS" tee sim init --sim-dir sim >/dev/null
"$CCS" kbs admin keygen -o admin.key >/dev/null
"$CCS" kbs serve --listen 127.0.0.1:0 --store kbs.db --admin-key admin.key.pub --insecure-trust-sim sim \
    --log-level warn >kbs.out 2>kbs.err &
KBS_PID=$!
for _ in $(seq 100); do grep -q "listening on" kbs.out 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' kbs.out 2>/dev/null | head -n 1 || true)
if [[ -z $URL ]]; then
    echo "the KBS did not start: $(cat kbs.err)" >&2
    exit 1
fi
export CCS_KBS_ADMIN_TOKEN
CCS_KBS_ADMIN_TOKEN=$("$CCS" kbs admin token --key admin.key)
echo "the workload, v1" >good
echo "a changed workload" >evil
"$CCS" kbs admin set-refval sim-sgx mrenclave "$(sha256sum good | cut -d' ' -f1)" --kbs "$URL" >/dev/null
cat >att.json <<'JSON'
{"version":1,"tees":{"sim-sgx":{"accept_tcb":["UpToDate"],"allow_debug":false,
 "measurements":{"mrenclave":{"ref":"sim-sgx.mrenclave"}}}}}
JSON
echo '{"version":1,"rules":[{"resources":"default/key/*","allow":{"tee":["sim-sgx"],"status":["affirming","warning"]}}]}' >res.json
"$CCS" kbs admin set-policy attestation att.json --kbs "$URL" >/dev/null
"$CCS" kbs admin set-policy resource res.json --kbs "$URL" >/dev/null
head -c 32 /dev/urandom >kek.bin
"$CCS" kbs admin set-resource default/key/image-kek kek.bin --kbs "$URL" >/dev/null

digests() { # the layer digests of oci:$1:v1
    python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
m = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "v1"][0]
print(" ".join(l["digest"] for l in json.load(open(d + "/blobs/sha256/" + m["digest"].split(":")[1]))["layers"]))
PY
}

begin "the owner: plaintext from skopeo's image, then encrypted to the KBS key and an RSA recipient"
run_ccs image decrypt "oci:$K/skopeo-enc:v1" oci:plain:v1 --key "$K/rsa.pem"
want_rc 0
run_ccs image encrypt oci:plain:v1 oci:enc:v1 --kbs-key-id kbs:///default/key/image-kek --kek-file kek.bin \
    --key "$K/rsapub.pem"
want_rc 0
want_stdout_has "1 encrypted"
grep -rq "provider.attestation-agent" enc/blobs || fail "no attestation-agent annotation"
end_case

begin "the trusted workload attests; the KBS releases the key; the layers are the source's"
run_ccs image decrypt oci:enc:v1 oci:dec:v1 --kbs "$URL" --tee sim-sgx --sim-dir sim --measurement-from good
want_rc 0
want_stdout_has "1 decrypted"
[[ "$(digests dec)" == "$(digests plain)" ]] || fail "decrypted layers differ from the source"
end_case

begin "a changed workload is refused by the KBS, exit 1, nothing tagged"
run_ccs image decrypt oci:enc:v1 oci:dec-evil:v1 --kbs "$URL" --tee sim-sgx --sim-dir sim --measurement-from evil
want_rc 1
want_stderr_has "mrenclave"
[[ -f dec-evil/index.json ]] && grep -q '"v1"' dec-evil/index.json && fail "tagged"
end_case

begin "without a KBS the KBS-held key is named; the RSA recipient still opens the layer"
run_ccs image decrypt oci:enc:v1 oci:x:v1 --key "$K/ec.pem"
want_rc 1
want_stderr_has "no key opens this layer"
run_ccs image decrypt oci:enc:v1 oci:dec-rsa:v1 --key "$K/rsa.pem"
want_rc 0
[[ "$(digests dec-rsa)" == "$(digests plain)" ]] || fail "RSA-decrypted layers differ"
end_case

begin "usage: --kbs-key-id without --kek-file, a short KEK, --kbs on encrypt"
run_ccs image encrypt oci:plain:v1 oci:e2:v1 --kbs-key-id kbs:///default/key/image-kek
want_rc 2
head -c 16 /dev/urandom >short.bin
run_ccs image encrypt oci:plain:v1 oci:e2:v1 --kbs-key-id kbs:///default/key/image-kek --kek-file short.bin
want_rc 2
want_stderr_has "32 bytes"
run_ccs image encrypt oci:plain:v1 oci:e2:v1 --kbs "$URL" --key "$K/rsapub.pem"
want_rc 2
end_case

summary
