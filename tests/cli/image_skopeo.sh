#!/usr/bin/env bash
# `ccs image encrypt|decrypt` against skopeo (Debian's, the ocicrypt reference
# through containers/image), both ways, on OCI layouts made here: skopeo
# encrypts (RSA and EC recipients; an uncompressed and a gzip layer) and ccs
# decrypts; ccs encrypts and skopeo decrypts; each time the decrypted layers
# must be byte for byte the source's. Then the refusals through the CLI: a
# key that is no recipient, an altered encrypted layer, usage errors.
#
# usage: image_skopeo.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'rm -rf "$WORK"' EXIT
if ! command -v skopeo >/dev/null; then
    echo "skopeo is not installed (scripts/install-deps.sh installs it)" >&2
    exit 1
fi
K=$(cd "$DATA/image" && pwd)
CCS=$(readlink -f "$CCS")
cd "$WORK"

# A one-layer OCI layout (uncompressed tar, or gzip with $2 = gzip), tag v1.
make_layout() {
    local out=$1 gz=${2:-} root=$WORK/root-$1
    mkdir -p "$root/app" "$out/blobs/sha256"
    echo "hello from $out" >"$root/app/hello.txt"
    head -c 20000 /dev/urandom >"$root/app/noise.bin"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00Z' -C "$root" -cf "$WORK/$out.tar" .
    local diff; diff=$(sha256sum "$WORK/$out.tar" | cut -d' ' -f1)
    local layer=$WORK/$out.tar mt=application/vnd.oci.image.layer.v1.tar
    if [[ $gz == gzip ]]; then gzip -n -c "$WORK/$out.tar" >"$WORK/$out.tgz"; layer=$WORK/$out.tgz; mt=$mt+gzip; fi
    put() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$out/blobs/sha256/$d"; echo "$d"; }
    local L S C CS M MS
    L=$(put "$layer"); S=$(stat -c %s "$layer")
    printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" >"$WORK/$out.cfg"
    C=$(put "$WORK/$out.cfg"); CS=$(stat -c %s "$WORK/$out.cfg")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"%s","digest":"sha256:%s","size":%s}]}' \
        "$C" "$CS" "$mt" "$L" "$S" >"$WORK/$out.man"
    M=$(put "$WORK/$out.man"); MS=$(stat -c %s "$WORK/$out.man")
    echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
        "$M" "$MS" >"$out/index.json"
}

# The layer digests and media types of layout $1, tag v1, one per line.
layers() {
    python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
m = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "v1"][0]
man = json.load(open(d + "/blobs/sha256/" + m["digest"].split(":")[1]))
for l in man["layers"]:
    print(l["digest"], l["mediaType"])
PY
}

same_layers() { # same_layers A B: identical digests and media types
    if [[ "$(layers "$1")" != "$(layers "$2")" ]]; then fail "layers of $1 and $2 differ: $(layers "$1") / $(layers "$2")"; fi
}

skopeo_q() { skopeo "$@" >"$WORK/skopeo.out" 2>&1 || { cat "$WORK/skopeo.out" >&2; return 1; }; }

make_layout plain
make_layout plaingz gzip

for src in plain plaingz; do
    extra=()
    [[ $src == plain ]] && extra=(--dest-oci-accept-uncompressed-layers)
    begin "skopeo encrypts $src to RSA + EC; ccs decrypts with either key"
    if skopeo_q copy "${extra[@]}" --encryption-key "jwe:$K/rsapub.pem" --encryption-key "jwe:$K/ecpub.pem" \
        "oci:$src:v1" "oci:$src-senc:v1"; then
        layers "$src-senc" | grep -q '+encrypted' || fail "skopeo did not encrypt"
        for key in rsa ec; do
            run_ccs image decrypt "oci:$src-senc:v1" "oci:$src-cdec-$key:v1" --key "$K/$key.pem"
            want_rc 0
            want_stdout_has "1 decrypted"
            same_layers "$src" "$src-cdec-$key"
        done
    else
        fail "skopeo could not encrypt"
    fi
    end_case

    begin "ccs encrypts $src to RSA + EC; skopeo decrypts with either key"
    run_ccs image encrypt "oci:$src:v1" "oci:$src-cenc:v1" --key "jwe:$K/rsapub.pem" --key "$K/ecpub.pem"
    want_rc 0
    want_stdout_has "1 encrypted"
    for key in rsa ec; do
        if skopeo_q copy "${extra[@]}" --decryption-key "$K/$key.pem" "oci:$src-cenc:v1" "oci:$src-sdec-$key:v1"; then
            same_layers "$src" "$src-sdec-$key"
        else
            fail "skopeo could not decrypt with $key.pem"
        fi
    done
    end_case
done

# refile_layer DIR flip|rename: the first layer of DIR's v1, either with a
# bit flipped and stored under its new digest, or moved unchanged under
# another digest; its manifest and the index are rewritten to match.
refile_layer() {
    python3 - "$1" "$2" <<'PY'
import hashlib, json, os, sys
d, how = sys.argv[1], sys.argv[2]
blob = lambda h: os.path.join(d, "blobs", "sha256", h)
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(blob(h), "wb").write(data)
    return h
idx = json.load(open(os.path.join(d, "index.json")))
m = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "v1"][0]
man = json.load(open(blob(m["digest"].split(":")[1])))
layer = man["layers"][0]
old = layer["digest"].split(":")[1]
if how == "flip":
    b = bytearray(open(blob(old), "rb").read()); b[100] ^= 1
    layer["digest"] = "sha256:" + put(bytes(b))
else:
    other = hashlib.sha256(b"another name").hexdigest()
    os.rename(blob(old), blob(other))
    layer["digest"] = "sha256:" + other
mb = json.dumps(man).encode()
m["digest"], m["size"] = "sha256:" + put(mb), len(mb)
json.dump(idx, open(os.path.join(d, "index.json"), "w"))
PY
}

begin "a key that is no recipient: refused, exit 1, nothing tagged"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem 2>/dev/null
run_ccs image decrypt oci:plain-cenc:v1 oci:nokey:v1 --key other.pem
want_rc 1
want_stderr_has "no key opens this layer"
[[ -f nokey/index.json ]] && grep -q '"v1"' nokey/index.json && fail "the destination was tagged"
end_case

begin "an altered encrypted layer: refused by its digest, exit 1"
cp -r plain-cenc altered
L=$(layers altered | cut -d' ' -f1 | cut -d: -f2)
python3 - "altered/blobs/sha256/$L" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[100] ^= 1; open(p, "wb").write(bytes(b))
PY
run_ccs image decrypt oci:altered:v1 oci:altered-dec:v1 --key "$K/rsa.pem"
want_rc 1
want_stderr_has "does not match its digest"
end_case

begin "a layer filed under another digest by its author, HMAC intact: the HMAC settles it, the plaintext is checked"
# The expected HMAC sits in the same manifest as the digest, so a matching
# HMAC binds the bytes as the digest would; the decrypted layer is still
# checked against the digest its encryption recorded.
cp -r plain-cenc misnamed
refile_layer misnamed rename
run_ccs image decrypt oci:misnamed:v1 oci:misnamed-dec:v1 --key "$K/rsa.pem"
want_rc 0
[[ "$(layers misnamed-dec)" == "$(layers plain)" ]] || fail "the decrypted layers differ from the original ones"
end_case

begin "an altered layer whose descriptor was rewritten to match: the HMAC refuses, nothing stored, no temporary left"
cp -r plain-cenc rehashed
refile_layer rehashed flip
run_ccs image decrypt oci:rehashed:v1 oci:rehashed-dec:v1 --key "$K/rsa.pem"
want_rc 1
want_stderr_has "the layer's HMAC does not match"
want_stderr_has "its decryption was discarded"
[[ -n "$(find rehashed-dec -name '.ccs-tmp*' 2>/dev/null)" ]] && fail "a temporary file was left"
[[ -f rehashed-dec/index.json ]] && grep -q '"v1"' rehashed-dec/index.json && fail "the destination was tagged"
for l in $(layers plain); do
    [[ -e rehashed-dec/blobs/sha256/${l#sha256:} ]] && fail "a decrypted layer was stored"
done
end_case

begin "usage: missing --key, unknown verb, an unknown transport"
run_ccs image encrypt oci:plain:v1 oci:x:v1
want_rc 2
want_stderr_has "--key"
run_ccs image bogus a b
want_rc 2
run_ccs image decrypt dir:/tmp/x oci:x:v1 --key "$K/rsa.pem"
want_rc 2
want_stderr_has "only oci:DIR[:TAG]"
run_ccs image --help
want_rc 0
want_stdout_has "ccs image encrypt SRC DST"
end_case

summary
