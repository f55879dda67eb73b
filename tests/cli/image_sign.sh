#!/usr/bin/env bash
# `ccs image verify|sign`: containers-policy.json(5) and image signatures
# against the reference tools, all local (OCI layouts, a file lookaside):
# skopeo standalone-sign signs (GPG simple signing) and ccs verifies under
# signedBy policies (accepted; unsigned, wrong key, another repository under
# matchExact refused; matchRepository accepting another tag of the same
# digest); ccs signs and skopeo standalone-verify accepts; cosign-style
# round trip (a flipped payload byte or another key refused); policy parse
# errors with their JSON path; insecureAcceptAnything, reject, default and
# the most specific scope.
#
# usage: image_sign.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
export GNUPGHOME=$WORK/gnupg
cleanup() {
    gpgconf --homedir "$GNUPGHOME" --kill all >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for t in skopeo gpg openssl python3; do
    command -v $t >/dev/null || { echo "$t is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
CCS=$(readlink -f "$CCS")
cd "$WORK"
mkdir -m 700 "$GNUPGHOME"

# A one-layer OCI layout with tag v1; prints nothing.
make_layout() {
    local out=$1 root=$WORK/root-$1
    mkdir -p "$root" "$out/blobs/sha256"
    echo "hello from $out" >"$root/hello.txt"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00Z' -C "$root" -cf "$WORK/$out.tar" .
    put() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$out/blobs/sha256/$d"; echo "$d"; }
    local L S C CS M MS
    L=$(put "$WORK/$out.tar"); S=$(stat -c %s "$WORK/$out.tar")
    printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$L" >"$WORK/$out.cfg"
    C=$(put "$WORK/$out.cfg"); CS=$(stat -c %s "$WORK/$out.cfg")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
        "$C" "$CS" "$L" "$S" >"$WORK/$out.man"
    M=$(put "$WORK/$out.man"); MS=$(stat -c %s "$WORK/$out.man")
    echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
        "$M" "$MS" >"$out/index.json"
}
manifest_hex() { sha256sum "$WORK/$1.man" | cut -d' ' -f1; }

make_layout img1
make_layout img2
H1=$(manifest_hex img1)
H2=$(manifest_hex img2)
REG=reg.example:5000/demo

gpg --batch --passphrase '' --quick-gen-key 'CCS Test A <a@example.invalid>' ed25519 sign never 2>/dev/null
gpg --batch --passphrase '' --quick-gen-key 'CCS Test B <b@example.invalid>' ed25519 sign never 2>/dev/null
mapfile -t FPRS < <(gpg --list-keys --with-colons 2>/dev/null | awk -F: '/^pub/{p=1} /^fpr/ && p {print $10; p=0}')
FA=${FPRS[0]} FB=${FPRS[1]}
gpg --export "$FA" >a.pub.gpg
gpg --export --armor "$FB" >b.pub.asc

# skopeo signs img1 as $REG/app:signed; the signature goes where a file://
# lookaside puts it (the repository path without the registry host).
mkdir -p "sigstore/demo/app@sha256=$H1"
skopeo standalone-sign "$WORK/img1.man" "$REG/app:signed" "$FA" --output "sigstore/demo/app@sha256=$H1/signature-1"

REJECT='[{"type":"reject"}]'
policy() { # policy FILE SCOPE-REQUIREMENTS-JSON
    printf '{"default":%s,"transports":{"docker":{%s}}}\n' "$REJECT" "$2" >"$1"
}
signed_by() { # signed_by KEYFILE IDENTITY-TYPE
    printf '[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s","signedIdentity":{"type":"%s"}}]' "$WORK/$1" "$2"
}
policy repo.json "\"$REG\":$(signed_by a.pub.gpg matchRepository)"
policy exact.json "\"$REG\":$(signed_by a.pub.gpg matchExact)"
policy wrongkey.json "\"$REG\":$(signed_by b.pub.asc matchRepository)"
policy default.json "\"$REG\":$(signed_by a.pub.gpg matchRepoDigestOrExact)"

begin "skopeo signs, ccs verifies (signedBy, matchRepository)"
run_ccs image verify oci:img1:v1 --policy repo.json --identity "$REG/app:signed" --sigstore sigstore
want_rc 0; want_stdout_has "accepted"; want_stdout_has "$FA"
end_case

begin "matchRepository accepts another tag of the same digest"
run_ccs image verify oci:img1:v1 --policy repo.json --identity "$REG/app:other" --sigstore sigstore
want_rc 0
end_case

begin "matchExact: the signed tag is accepted"
run_ccs image verify oci:img1:v1 --policy exact.json --identity "$REG/app:signed" --sigstore sigstore
want_rc 0
end_case

begin "matchExact: another tag is refused"
run_ccs image verify oci:img1:v1 --policy exact.json --identity "$REG/app:other" --sigstore sigstore
want_rc 1; want_stderr_has "Signature for identity $REG/app:signed is not accepted"
end_case

begin "matchRepoDigestOrExact (default): another tag refused, pulled by digest accepted"
run_ccs image verify oci:img1:v1 --policy default.json --identity "$REG/app:other" --sigstore sigstore
want_rc 1; want_stderr_has "is not accepted"
run_ccs image verify oci:img1:v1 --policy default.json --identity "$REG/app@sha256:$H1" --sigstore sigstore
want_rc 0
end_case

begin "matchExact: the signature copied to another repository is refused"
mkdir -p "sigstore/demo/other@sha256=$H1"
cp "sigstore/demo/app@sha256=$H1/signature-1" "sigstore/demo/other@sha256=$H1/"
run_ccs image verify oci:img1:v1 --policy exact.json --identity "$REG/other:signed" --sigstore sigstore
want_rc 1; want_stderr_has "Signature for identity $REG/app:signed is not accepted"
end_case

begin "an unsigned image is refused"
run_ccs image verify oci:img2:v1 --policy repo.json --identity "$REG/app:signed" --sigstore sigstore
want_rc 1; want_stderr_has "A signature was required, but no signature exists"
end_case

begin "a signature by a key the policy does not list is refused"
run_ccs image verify oci:img1:v1 --policy wrongkey.json --identity "$REG/app:signed" --sigstore sigstore
want_rc 1; want_stderr_has "no signature by a key the policy trusts"
end_case

begin "a signature over another digest is refused"
mkdir -p "sigstore/demo/app@sha256=$H2"
cp "sigstore/demo/app@sha256=$H1/signature-1" "sigstore/demo/app@sha256=$H2/"
run_ccs image verify oci:img2:v1 --policy repo.json --identity "$REG/app:signed" --sigstore sigstore
want_rc 1; want_stderr_has "does not match"
rm -r "sigstore/demo/app@sha256=$H2"
end_case

begin "ccs signs (simple signing), skopeo standalone-verify accepts, ccs accepts"
run_ccs image sign oci:img2:v1 --identity "$REG/app:v2" --gpg-key "$FA" --gnupghome "$GNUPGHOME" --sigstore sigstore
want_rc 0; want_stdout_has "signature-1"
SIG2="sigstore/demo/app@sha256=$H2/signature-1"
[[ -s $SIG2 ]] || fail "no $SIG2"
out=$(skopeo standalone-verify "$WORK/img2.man" "$REG/app:v2" "$FA" "$SIG2" 2>&1) || fail "skopeo standalone-verify: $out"
[[ $out == *"sha256:$H2"* ]] || fail "skopeo says: $out"
run_ccs image verify oci:img2:v1 --policy exact.json --identity "$REG/app:v2" --sigstore sigstore
want_rc 0
end_case

begin "sign: a second signature is signature-2; an unknown key fails"
run_ccs image sign oci:img2:v1 --identity "$REG/app:v3" --gpg-key "$FB" --gnupghome "$GNUPGHOME" --sigstore sigstore
want_rc 0; want_stdout_has "signature-2"
run_ccs image verify oci:img2:v1 --policy exact.json --identity "$REG/app:v2" --sigstore sigstore
want_rc 0
run_ccs image sign oci:img2:v1 --identity "$REG/app:v3" --gpg-key 0123456789ABCDEF0123456789ABCDEF01234567 --gnupghome "$GNUPGHOME" --sigstore sigstore
want_rc 1; want_stderr_has "no GPG secret key"
end_case

begin "registries.d: the lookaside of the most specific scope (verify), lookaside-staging (sign)"
mkdir -p rd rd2
cat >rd/local.yaml <<YML
# as in tools/interop/04-registry-roundtrip.sh
docker:
  reg.example:5000:
    lookaside: file://$WORK/nowhere
  "$REG":
    lookaside: file://$WORK/sigstore
    lookaside-staging: file://$WORK/staging
    use-sigstore-attachments: true
default-docker:
  sigstore: file://$WORK/nowhere
YML
run_ccs image verify oci:img1:v1 --policy repo.json --identity "$REG/app:signed" --registries.d rd
want_rc 0
policy host.json "\"reg.example:5000\":$(signed_by a.pub.gpg matchRepository)"
run_ccs image verify oci:img1:v1 --policy host.json --identity "reg.example:5000/top:signed" --registries.d rd
want_rc 1; want_stderr_has "A signature was required"
run_ccs image sign oci:img1:v1 --identity "$REG/app:v9" --gpg-key "$FA" --gnupghome "$GNUPGHOME" --registries.d rd
want_rc 0
[[ -s "staging/demo/app@sha256=$H1/signature-1" ]] || fail "not written to lookaside-staging"
printf 'default-docker:\n  lookaside: https://sigs.example/\n' >rd2/a.yaml
run_ccs image verify oci:img1:v1 --policy repo.json --identity "$REG/app:signed" --registries.d rd2
want_rc 2; want_stderr_has "only file:// URLs are supported"
run_ccs image verify oci:img1:v1 --policy repo.json --identity "$REG/app:signed" --registries.d rd --sigstore sigstore
want_rc 2
end_case

# cosign-style
openssl ecparam -name prime256v1 -genkey -noout -out ec.key 2>/dev/null
openssl pkey -in ec.key -pubout -out ec.pub
openssl ecparam -name prime256v1 -genkey -noout -out ec2.key 2>/dev/null
openssl pkey -in ec2.key -pubout -out ec2.pub
sigstore_signed() { # sigstore_signed PUBFILE IDENTITY-TYPE
    printf '[{"type":"sigstoreSigned","keyPath":"%s","signedIdentity":{"type":"%s"}}]' "$WORK/$1" "$2"
}
policy cosign.json "\"$REG\":$(sigstore_signed ec.pub matchRepository)"
policy cosign2.json "\"$REG\":$(sigstore_signed ec2.pub matchRepository)"
policy cosign-default.json "\"$REG\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"$WORK/ec.pub\"}]"
cp -r img1 cimg

begin "cosign-style: ccs signs, ccs verifies"
run_ccs image sign oci:cimg:v1 --identity "$REG/app:v1" --cosign-key ec.key --payload-out payload.json --signature-out sig.b64
want_rc 0; want_stdout_has "sha256-$H1.sig"
grep -q '"docker-reference":"'"$REG"'/app"' payload.json || fail "payload: $(cat payload.json)"
grep -q '"type":"cosign container image signature"' payload.json || fail "payload type"
# The detached signature checks with openssl too.
base64 -d sig.b64 >sig.der
openssl dgst -sha256 -verify ec.pub -signature sig.der payload.json >/dev/null || fail "openssl does not verify"
run_ccs image verify oci:cimg:v1 --policy cosign.json --identity "$REG/app:v1"
want_rc 0; want_stdout_has "accepted"
# oci:cimg without a tag: the .sig artifact is not an image
run_ccs image verify oci:cimg --policy cosign.json --identity "$REG/app:v1"
want_rc 0
end_case

begin "cosign-style: another key is refused"
run_ccs image verify oci:cimg:v1 --policy cosign2.json --identity "$REG/app:v1"
want_rc 1; want_stderr_has "no signature by a key the policy trusts"
end_case

begin "cosign-style: the repository-only identity does not match a tag under matchRepoDigestOrExact"
run_ccs image verify oci:cimg:v1 --policy cosign-default.json --identity "$REG/app:v1"
want_rc 1; want_stderr_has "Signature for identity $REG/app is not accepted"
end_case

begin "cosign-style: a flipped payload byte is refused"
cp -r cimg cflip
python3 - cflip "$H1" <<'PY'
import hashlib, json, sys, os
d, h = sys.argv[1], sys.argv[2]
def put(b):
    x = hashlib.sha256(b).hexdigest()
    open(f"{d}/blobs/sha256/{x}", "wb").write(b)
    return "sha256:" + x
idx = json.load(open(f"{d}/index.json"))
tag = f"sha256-{h}.sig"
e = [m for m in idx["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == tag][0]
man = json.load(open(f"{d}/blobs/sha256/" + e["digest"][7:]))
lay = man["layers"][0]
p = bytearray(open(f"{d}/blobs/sha256/" + lay["digest"][7:], "rb").read())
i = p.index(b"creator") + 1
p[i] ^= 0x20
lay["digest"] = put(bytes(p))
mb = json.dumps(man).encode()
e["digest"], e["size"] = put(mb), len(mb)
json.dump(idx, open(f"{d}/index.json", "w"))
PY
run_ccs image verify oci:cflip:v1 --policy cosign.json --identity "$REG/app:v1"
want_rc 1; want_stderr_has "no signature by a key the policy trusts"
end_case

begin "cosign-style: a simple-signing policy finds no simple signature"
run_ccs image verify oci:cimg:v1 --policy repo.json --identity "$REG/app:v1"
want_rc 1; want_stderr_has "A signature was required, but no signature exists"
end_case

# policy parse errors: exit 2 and the JSON path
parse_error() { # parse_error NAME JSON EXPECTED-STDERR
    begin "policy error: $1"
    printf '%s\n' "$2" >bad.json
    run_ccs image verify oci:img1:v1 --policy bad.json --identity "$REG/app:v1"
    want_rc 2; want_stderr_has "$3"
    end_case
}
parse_error "unknown top-level key" '{"default":[{"type":"reject"}],"defualt":1}' '$: unknown key "defualt"'
parse_error "missing default" '{"transports":{}}' '"default" is missing'
parse_error "empty requirement list" '{"default":[]}' '$.default: an empty list of requirements'
parse_error "unknown requirement type" '{"default":[{"type":"acceptAll"}]}' '$.default[0].type: unknown requirement type "acceptAll"'
parse_error "unknown key in a requirement" \
    "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"$REG\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPth\":\"x\"}]}}}" \
    "\$.transports.docker[\"$REG\"][0]: unknown key \"keyPth\""
parse_error "unknown identity type" \
    "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"$WORK/a.pub.gpg\",\"signedIdentity\":{\"type\":\"matchAll\"}}]}" \
    '$.default[0].signedIdentity.type: unknown signedIdentity type "matchAll"'
parse_error "exactReference without a reference" \
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"eA==","signedIdentity":{"type":"exactReference"}}]}' \
    '$.default[0].signedIdentity.dockerReference: missing'
parse_error "no key" '{"default":[{"type":"signedBy","keyType":"GPGKeys"}]}' \
    '$.default[0]: exactly one of keyPath, keyPaths and keyData is required'
parse_error "a key file that does not exist" '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/nonexistent/k.gpg"}]}' \
    '$.default[0].keyPath'
parse_error "keyData that is no key" '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"bm90IGEga2V5"}]}' \
    'holds no usable OpenPGP key'
parse_error "fulcio is refused" \
    "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"$WORK/ec.pub\",\"fulcio\":{\"caPath\":\"/x\"}}]}" \
    '$.default[0].fulcio: fulcio is not supported'
parse_error "a scope that is not fully qualified" '{"default":[{"type":"reject"}],"transports":{"docker":{"busybox":[{"type":"reject"}]}}}' \
    '$.transports.docker["busybox"]: not a docker scope'
parse_error "unknown transport" '{"default":[{"type":"reject"}],"transports":{"dockr":{}}}' '$.transports.dockr: unknown transport'
parse_error "duplicate key" '{"default":[{"type":"reject"}],"default":[]}' 'duplicate'

# requirement types and scope selection
begin "insecureAcceptAnything as default accepts an unsigned image"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >accept.json
run_ccs image verify oci:img2:v1 --policy accept.json --identity "$REG/app:v1"
want_rc 0; want_stdout_has "scope default"
end_case

begin "reject refuses, even a signed image"
echo '{"default":[{"type":"reject"}]}' >reject.json
run_ccs image verify oci:img1:v1 --policy reject.json --identity "$REG/app:signed" --sigstore sigstore
want_rc 1; want_stderr_has "is rejected by policy"
end_case

begin "most specific scope wins"
cat >scopes.json <<JSON
{"default":[{"type":"reject"}],
 "transports":{"docker":{
   "reg.example:5000":[{"type":"insecureAcceptAnything"}],
   "$REG/app":$(signed_by a.pub.gpg matchRepository),
   "$REG/app:dev":[{"type":"insecureAcceptAnything"}],
   "*.example.org":[{"type":"insecureAcceptAnything"}],
   "":[{"type":"reject"}]}}}
JSON
run_ccs image verify oci:img2:v1 --policy scopes.json --identity "$REG/app:v1" --json
want_rc 1; want_stdout_has '"accepted":false'; want_stderr_has "A signature was required"
run_ccs image verify oci:img2:v1 --policy scopes.json --identity "$REG/app:dev" --json
want_rc 0; want_stdout_has "\"scope\":\"$REG/app:dev\""
run_ccs image verify oci:img2:v1 --policy scopes.json --identity "$REG/other:v1" --json
want_rc 0; want_stdout_has '"scope":"reg.example:5000"'
run_ccs image verify oci:img1:v1 --policy scopes.json --identity "$REG/app:signed" --sigstore sigstore --json
want_rc 0; want_stdout_has "\"scope\":\"$REG/app\""; want_stdout_has "\"signer\":\"$FA\""
run_ccs image verify oci:img2:v1 --policy scopes.json --identity "registry.example.org/x/y:1" --json
want_rc 0; want_stdout_has '"scope":"*.example.org"'
run_ccs image verify oci:img2:v1 --policy scopes.json --identity "quay.io/x/y:1"
want_rc 1; want_stderr_has "rejected by policy"
run_ccs image verify oci:img2:v1 --policy accept.json --identity "busybox"
want_rc 0; want_stdout_has "accepted"
end_case

begin "usage errors"
run_ccs image verify oci:img1:v1 --policy repo.json
want_rc 2
run_ccs image verify oci:img1:v1 --policy repo.json --identity "Not A Ref"
want_rc 2
run_ccs image sign oci:img1:v1 --identity "$REG/app:v1" --gpg-key "$FA"
want_rc 2
run_ccs image verify --help
want_rc 0; want_stdout_has "usage: ccs image verify"
run_ccs image sign --help
want_rc 0; want_stdout_has "usage: ccs image sign"
end_case

summary
