#!/usr/bin/env bash
# The confidential pull end to end, on loopback only: an owner encrypts an
# image under a KEK that a real `ccs kbs serve` holds, signs it cosign-style
# and pushes image and signature to Debian's docker-registry; then
# `ccs image pull --policy --kbs --unpack` in a sim-sgx workload checks the
# signature, attests to the KBS for the key, decrypts and unpacks. A
# workload with another measurement gets nothing; an unsigned image is
# refused by the policy before any key is asked for.
#
# usage: image_confidential.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
CCS=$(readlink -f "$CCS")
K=$(cd "$DATA/image" && pwd)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

# Debian's docker-registry on a free loopback port.
for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s/regdata}}\nhttp: {addr: 127.0.0.1:%s}\n' \
        "$WORK" "$port" >reg.yml
    docker-registry serve reg.yml >reg.log 2>&1 &
    rpid=$!
    for _ in $(seq 50); do
        kill -0 "$rpid" 2>/dev/null || break
        curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && { REG=127.0.0.1:$port; break; }
        sleep 0.1
    done
    [[ -n ${REG:-} ]] && { PIDS+=("$rpid"); break; }
    kill "$rpid" 2>/dev/null || true
done
[[ -n ${REG:-} ]] || { echo "could not start docker-registry: $(cat reg.log)" >&2; exit 1; }

# The KBS with a sim root, the reference measurement, the policies and the KEK.
"$CCS" tee sim init --sim-dir sim >/dev/null
"$CCS" kbs admin keygen -o admin.key >/dev/null
"$CCS" kbs serve --listen 127.0.0.1:0 --store kbs.db --admin-key admin.key.pub --insecure-trust-sim sim \
    --log-level warn >kbs.out 2>kbs.err &
PIDS+=("$!")
for _ in $(seq 100); do grep -q "listening on" kbs.out 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' kbs.out 2>/dev/null | head -n 1 || true)
[[ -n $URL ]] || { echo "the KBS did not start: $(cat kbs.err)" >&2; exit 1; }
export CCS_KBS_ADMIN_TOKEN
CCS_KBS_ADMIN_TOKEN=$("$CCS" kbs admin token --key admin.key)
echo "the workload, v1" >good
echo "a changed workload" >evil
"$CCS" kbs admin set-refval sim-sgx mrenclave "$(sha256sum good | cut -d' ' -f1)" --kbs "$URL" >/dev/null
echo '{"version":1,"tees":{"sim-sgx":{"allow_debug":false,"accept_tcb":["UpToDate"],"measurements":{"mrenclave":{"ref":"sim-sgx.mrenclave"}}}}}' >att.json
echo '{"version":1,"rules":[{"resources":"default/key/*","allow":{"tee":["sim-sgx"],"status":["affirming","warning"]}}]}' >res.json
"$CCS" kbs admin set-policy attestation att.json --kbs "$URL" >/dev/null
"$CCS" kbs admin set-policy resource res.json --kbs "$URL" >/dev/null
head -c 32 /dev/urandom >kek.bin
"$CCS" kbs admin set-resource default/key/app kek.bin --kbs "$URL" >/dev/null

# The owner: encrypt to the KBS key, sign (cosign-style), push image and signature.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out cosign.key 2>/dev/null
openssl pkey -in cosign.key -pubout -out cosign.pub
"$CCS" image decrypt "oci:$K/skopeo-enc:v1" oci:plain:v1 --key "$K/rsa.pem" >/dev/null
"$CCS" image encrypt oci:plain:v1 oci:enc:v1 --kbs-key-id kbs:///default/key/app --kek-file kek.bin >/dev/null
"$CCS" image sign oci:enc:v1 --identity "$REG/demo/app:v1" --cosign-key cosign.key >/dev/null
DIG=$(python3 -c "import json;print([m for m in json.load(open('enc/index.json'))['manifests'] if m.get('annotations',{}).get('org.opencontainers.image.ref.name')=='v1'][0]['digest'][7:])")
"$CCS" image push oci:enc:v1 "docker://$REG/demo/app:v1" --insecure-plain-http >/dev/null
"$CCS" image push "oci:enc:sha256-$DIG.sig" "docker://$REG/demo/app:sha256-$DIG.sig" --insecure-plain-http >/dev/null
"$CCS" image push oci:plain:v1 "docker://$REG/demo/unsigned:v1" --insecure-plain-http >/dev/null
cat >policy.json <<JSON
{"default":[{"type":"reject"}],
 "transports":{"docker":{"$REG/demo":[{"type":"sigstoreSigned","keyPath":"$WORK/cosign.pub",
                                       "signedIdentity":{"type":"matchRepository"}}]}}}
JSON
pull() { run_ccs image pull "docker://$REG/demo/$1" --insecure-plain-http --dest "oci:$2:v1" --policy policy.json \
    --kbs "$URL" --tee sim-sgx --sim-dir sim --measurement-from "$3" --unpack "$4"; }

begin "the trusted workload pulls: signature accepted, key released, layers decrypted and unpacked"
pull app:v1 out good rootfs
want_rc 0
want_stdout_has "signature: accepted"
want_stdout_has "1 decrypted"
want_stdout_has "unpacked to rootfs"
[[ -f rootfs/app/hello.txt ]] && grep -q "hello from a hand-made OCI image" rootfs/app/hello.txt || fail "rootfs/app/hello.txt missing"
end_case

begin "a changed workload: the KBS refuses the key, exit 1, nothing tagged or unpacked"
pull app:v1 out2 evil rootfs2
want_rc 1
want_stderr_has "mrenclave"
[[ -e rootfs2/app ]] && fail "unpacked anyway"
[[ -f out2/index.json ]] && grep -q '"v1"' out2/index.json && fail "tagged anyway"
end_case

begin "an unsigned image: refused by the policy before any key is asked for"
pull unsigned:v1 out3 good rootfs3
want_rc 1
want_stderr_has "signature"
[[ -e rootfs3/app ]] && fail "unpacked anyway"
end_case

begin "a signature under another key: refused"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key 2>/dev/null
openssl pkey -in other.key -pubout -out other.pub
sed "s#$WORK/cosign.pub#$WORK/other.pub#" policy.json >policy-other.json
run_ccs image pull "docker://$REG/demo/app:v1" --insecure-plain-http --dest oci:out4:v1 --policy policy-other.json \
    --kbs "$URL" --tee sim-sgx --sim-dir sim --measurement-from good
want_rc 1
end_case

begin "encrypt and decrypt straight to and from the registry; skopeo decrypts from it too"
run_ccs image encrypt oci:plain:v1 "docker://$REG/demo/enc2:v1" --key "$K/rsapub.pem" --insecure-plain-http
want_rc 0
run_ccs image decrypt "docker://$REG/demo/enc2:v1" oci:dec2 --key "$K/rsa.pem" --insecure-plain-http
want_rc 0
skopeo copy -q --src-tls-verify=false --decryption-key "$K/rsa.pem" "docker://$REG/demo/enc2:v1" oci:sk:v1 \
    >/dev/null 2>skopeo.err || fail "skopeo: $(cat skopeo.err)"
layer() { python3 -c "import json,sys;d=sys.argv[1];i=json.load(open(d+'/index.json'));m=json.load(open(d+'/blobs/sha256/'+i['manifests'][0]['digest'][7:]));print(m['layers'][0]['digest'])" "$1"; }
[[ "$(layer dec2)" == "$(layer plain)" && "$(layer sk)" == "$(layer plain)" ]] || fail "layers differ"
grep -q '"v1"' dec2/index.json || fail "the destination did not take the registry tag"
end_case

begin "skopeo --sign-by (GPG) signs while pushing; ccs image pull verifies under signedBy (matchExact); the same image under another tag is refused"
export GNUPGHOME=$WORK/gnupg
mkdir -p "$GNUPGHOME" rd sigstore && chmod 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key 'CCS Test Signer <signer@example.invalid>' ed25519 sign never 2>/dev/null
FPR=$(gpg --list-keys --with-colons 2>/dev/null | awk -F: '/^fpr/{print $10; exit}')
gpg --export "$FPR" >signer.gpg 2>/dev/null
printf 'docker:\n  %s:\n    lookaside: file://%s/sigstore\n    lookaside-staging: file://%s/sigstore\n' "$REG" "$WORK" "$WORK" \
    >rd/local.yaml
skopeo copy -q --registries.d rd --dest-tls-verify=false --sign-by "$FPR" oci:plain:v1 "docker://$REG/demo/gpg:v1" \
    >/dev/null 2>skopeo.err || fail "skopeo --sign-by: $(cat skopeo.err)"
cat >policy-gpg.json <<JSON
{"default":[{"type":"reject"}],
 "transports":{"docker":{"$REG/demo/gpg":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"$WORK/signer.gpg",
                                            "signedIdentity":{"type":"matchExact"}}]}}}
JSON
run_ccs image pull "docker://$REG/demo/gpg:v1" --insecure-plain-http --dest oci:gpgout:v1 --policy policy-gpg.json \
    --sigstore sigstore
want_rc 0
want_stdout_has "signature: accepted"
skopeo copy -q --dest-tls-verify=false oci:plain:v1 "docker://$REG/demo/gpg:unsigned" >/dev/null 2>&1
run_ccs image pull "docker://$REG/demo/gpg:unsigned" --insecure-plain-http --dest oci:gpgout2:v1 --policy policy-gpg.json \
    --sigstore sigstore
want_rc 1
unset GNUPGHOME
end_case

summary
