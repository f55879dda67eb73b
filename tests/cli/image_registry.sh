#!/usr/bin/env bash
# `ccs image pull|push` against Debian's docker-registry on loopback (plain
# HTTP, --insecure-plain-http), with skopeo as the peer both ways: skopeo
# pushes (a plain and an encrypted image) and ccs pulls, layer and manifest
# digests equal; ccs pushes and skopeo pulls; pull by digest; a tag that does
# not exist; a blob corrupted in the registry's storage (refused); a
# multi-platform index (the right platform chosen); a registry with htpasswd
# basic auth (--creds, --authfile). The bearer token flow, retries and size
# limits are unit-tested (tests/image/registry_test.c).
#
# usage: image_registry.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
for tool in docker-registry skopeo curl; do
    if ! command -v $tool >/dev/null; then
        echo "$tool is not installed (scripts/install-deps.sh installs it)" >&2
        exit 1
    fi
done
K=$(cd "$DATA/image" && pwd)
CCS=$(readlink -f "$CCS")
cd "$WORK"
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

# start_registry NAME [AUTH-YAML]: a registry on a free loopback port,
# storage in $WORK/NAME-data; sets REG (host:port). Retries other ports.
start_registry() {
    local name=$1 auth=${2:-} port pid
    for _ in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        cat >"$name.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/$name-data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
$auth
YML
        docker-registry serve "$name.yml" >"$name.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 50); do
            if ! kill -0 "$pid" 2>/dev/null; then break; fi
            if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then
                PIDS+=("$pid")
                REG=127.0.0.1:$port
                return 0
            fi
            sleep 0.1
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "could not start docker-registry:" >&2
    cat "$name.log" >&2
    exit 1
}

# make_layout OUT ARCH: a one-layer OCI layout (gzip layer), tag v1.
put() { local d; d=$(sha256sum "$2" | cut -d' ' -f1); cp "$2" "$1/blobs/sha256/$d"; echo "$d"; }
make_image() { # make_image OUT ARCH: blobs into layout OUT; prints "manifest-digest size"
    local out=$1 arch=$2 root=$WORK/root-$1-$2
    mkdir -p "$root/app" "$out/blobs/sha256"
    echo "hello from $out on $arch" >"$root/app/hello.txt"
    head -c 30000 /dev/urandom >"$root/app/noise.bin"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00Z' -C "$root" -cf "$root.tar" .
    local diff L S C CS M
    diff=$(sha256sum "$root.tar" | cut -d' ' -f1)
    gzip -n -c "$root.tar" >"$root.tgz"
    L=$(put "$out" "$root.tgz"); S=$(stat -c %s "$root.tgz")
    printf '{"architecture":"%s","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$arch" "$diff" >"$root.cfg"
    C=$(put "$out" "$root.cfg"); CS=$(stat -c %s "$root.cfg")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
        "$C" "$CS" "$L" "$S" >"$root.man"
    M=$(put "$out" "$root.man")
    echo "$M $(stat -c %s "$root.man")"
}
make_layout() {
    local out=$1 m
    read -r -a m <<<"$(make_image "$out" amd64)"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
        "${m[0]}" "${m[1]}" >"$out/index.json"
}

# The manifest digest tagged TAG in layout $1, then its config and layer digests.
layout_digests() {
    python3 - "$1" "${2:-v1}" <<'PY'
import json, sys
d, tag = sys.argv[1], sys.argv[2]
idx = json.load(open(d + "/index.json"))
m = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
man = json.load(open(d + "/blobs/sha256/" + m["digest"].split(":")[1]))
print(m["digest"], man["config"]["digest"], *[l["digest"] + "=" + l["mediaType"] for l in man["layers"]])
PY
}
same_image() { # same_image A B [TAG]
    local a b
    a=$(layout_digests "$1" "${3:-v1}") b=$(layout_digests "$2" "${3:-v1}")
    [[ "$a" == "$b" ]] || fail "$1 and $2 differ: $a / $b"
}
skopeo_q() { skopeo "$@" >"$WORK/skopeo.out" 2>&1 || { cat "$WORK/skopeo.out" >&2; return 1; }; }

start_registry reg
make_layout plain

begin "skopeo pushes, ccs pulls: the same manifest, config and layer digests"
skopeo_q copy --dest-tls-verify=false oci:plain:v1 "docker://$REG/demo/plain:v1" || fail "skopeo push"
run_ccs image pull "docker://$REG/demo/plain:v1" --dest oci:pulled:v1 --insecure-plain-http
want_rc 0
want_stdout_has "pulled docker://$REG/demo/plain:v1"
[[ -s $ERR ]] && fail "stderr is not empty (no terminal: no progress bar)"
same_image plain pulled
REMOTE=$(skopeo inspect --tls-verify=false "docker://$REG/demo/plain:v1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
want_stdout_has "manifest $REMOTE"
end_case

begin "pulling again fetches nothing (blobs present), by digest works too"
run_ccs image pull "docker://$REG/demo/plain:v1" --dest oci:pulled:v1 --insecure-plain-http
want_rc 0
want_stdout_has "2 blob(s), 0 fetched"
run_ccs image pull "docker://$REG/demo/plain@$REMOTE" --dest oci:bydigest:v1 --insecure-plain-http
want_rc 0
same_image plain bydigest
end_case

begin "an encrypted image: skopeo encrypts and pushes, ccs pulls, then ccs image decrypt opens it"
skopeo_q copy --dest-tls-verify=false --encryption-key "jwe:$K/rsapub.pem" oci:plain:v1 "docker://$REG/demo/enc:v1" ||
    fail "skopeo push"
run_ccs image pull "docker://$REG/demo/enc:v1" --dest oci:encpulled:v1 --insecure-plain-http
want_rc 0
layout_digests encpulled | grep -q '+encrypted' || fail "the pulled layer is not encrypted"
skopeo_q copy --src-tls-verify=false "docker://$REG/demo/enc:v1" oci:encskopeo:v1 || fail "skopeo pull"
same_image encskopeo encpulled
run_ccs image decrypt oci:encpulled:v1 oci:encdec:v1 --key "$K/rsa.pem"
want_rc 0
same_image plain encdec
# Blobs are 0644 less the umask: under umask 077 the plaintext layer is 0600.
(umask 077 && "$CCS" image decrypt oci:encpulled:v1 oci:encdec77:v1 --key "$K/rsa.pem" >/dev/null) ||
    fail "decrypt under umask 077"
[[ $(stat -c %a encdec77/blobs/sha256/* | sort -u) == 600 ]] || fail "blob modes under umask 077: $(stat -c %a encdec77/blobs/sha256/* | sort -u | tr '\n' ' ')"
end_case

begin "ccs pushes, skopeo pulls: the same digests"
make_layout mine
run_ccs image push oci:mine:v1 "docker://$REG/demo/mine:v2" --insecure-plain-http
want_rc 0
want_stdout_has "2 uploaded"
skopeo_q copy --src-tls-verify=false "docker://$REG/demo/mine:v2" oci:skopulled:v1 || fail "skopeo pull"
same_image mine skopulled
run_ccs image push oci:mine:v1 "docker://$REG/demo/mine:v3" --insecure-plain-http
want_rc 0
want_stdout_has "0 uploaded"
end_case

begin "a tag that does not exist: exit 1, a clear message, nothing tagged"
run_ccs image pull "docker://$REG/demo/plain:nope" --dest oci:none:nope --insecure-plain-http
want_rc 1
want_stderr_has "not found"
want_stderr_has "demo/plain:nope"
[[ -f none/index.json ]] && grep -q nope none/index.json && fail "tagged"
end_case

begin "a blob corrupted in the registry's storage: refused (digest mismatch), nothing tagged"
make_layout bad
skopeo_q copy --dest-tls-verify=false oci:bad:v1 "docker://$REG/demo/bad:v1" || fail "skopeo push"
L=$(layout_digests bad | cut -d' ' -f3 | cut -d= -f1 | cut -d: -f2)
F=$WORK/reg-data/docker/registry/v2/blobs/sha256/${L:0:2}/$L/data
if [[ -f $F ]]; then
    python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[50]^=1; open(p,"wb").write(bytes(b))' "$F"
else
    fail "no blob file $F"
fi
run_ccs image pull "docker://$REG/demo/bad:v1" --dest oci:badpulled:v1 --insecure-plain-http
want_rc 1
want_stderr_has "does not match its digest"
[[ -f badpulled/blobs/sha256/$L ]] && fail "the bad blob was stored"
grep -q '"v1"' badpulled/index.json 2>/dev/null && fail "tagged"
end_case

begin "pull --unpack of a layer the unpacker refuses: exit 1, the tag as it was, no root left"
python3 - evil <<'PY'
import hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
os.makedirs(out + "/blobs/sha256", exist_ok=True)
def put(b):
    d = hashlib.sha256(b).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(b)
    return "sha256:" + d
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("../escape")
    ti.size = 1
    t.addfile(ti, io.BytesIO(b"x"))
layer = buf.getvalue()
ld = put(layer)
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [ld]}}).encode()
cd = put(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld,
                              "size": len(layer)}]}).encode()
md = put(man)
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
           "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "v1"}}]},
          open(out + "/index.json", "w"))
PY
skopeo_q copy --dest-tls-verify=false oci:evil:v1 "docker://$REG/demo/evil:v1" || fail "skopeo push"
run_ccs image pull "docker://$REG/demo/evil:v1" --dest oci:evildst:v1 --insecure-plain-http --unpack "$WORK/evilroot"
want_rc 1
want_stderr_has "escape"
grep -q '"v1"' evildst/index.json 2>/dev/null && fail "tagged although the unpack failed"
[[ -e $WORK/evilroot ]] && fail "the root the pull created is left behind"
[[ -e $WORK/escape ]] && fail "written outside the root"
# Over an existing tag: it still names the image it named before.
run_ccs image pull "docker://$REG/demo/plain:v1" --dest oci:evildst:v1 --insecure-plain-http
want_rc 0
before=$(layout_digests evildst)
mkdir "$WORK/keptroot"
run_ccs image pull "docker://$REG/demo/evil:v1" --dest oci:evildst:v1 --insecure-plain-http --unpack "$WORK/keptroot"
want_rc 1
[[ $(layout_digests evildst) == "$before" ]] || fail "the tag was not put back"
[[ -d $WORK/keptroot ]] || fail "a root that existed before was removed"
end_case

begin "a multi-platform index: the platform asked for is chosen"
mkdir -p multi
read -r -a A <<<"$(make_image multi amd64)"
read -r -a B <<<"$(make_image multi arm64)"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"os":"linux","architecture":"amd64"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}' \
    "${A[0]}" "${A[1]}" "${B[0]}" "${B[1]}" >idx.json
I=$(put multi idx.json)
echo '{"imageLayoutVersion":"1.0.0"}' >multi/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
    "$I" "$(stat -c %s idx.json)" >multi/index.json
skopeo_q copy --all --dest-tls-verify=false oci:multi:v1 "docker://$REG/demo/multi:v1" || fail "skopeo push --all"
run_ccs image pull "docker://$REG/demo/multi:v1" --dest oci:mamd:v1 --insecure-plain-http
want_rc 0
want_stdout_has "manifest sha256:${A[0]} (from index sha256:$I for linux/amd64)"
run_ccs image pull "docker://$REG/demo/multi:v1" --dest oci:marm:v1 --insecure-plain-http --platform linux/arm64
want_rc 0
want_stdout_has "manifest sha256:${B[0]}"
run_ccs image pull "docker://$REG/demo/multi:v1" --dest oci:marm8:v1 --insecure-plain-http --platform linux/arm64/v8
want_rc 0
want_stdout_has "manifest sha256:${B[0]}"
run_ccs image pull "docker://$REG/demo/multi:v1" --dest oci:ms390:v1 --insecure-plain-http --platform linux/s390x
want_rc 1
want_stderr_has "no manifest for linux/s390x"
end_case

begin "usage errors and refusals before any network"
run_ccs image pull "docker://$REG/demo/plain:v1"
want_usage_error
run_ccs image pull "oci:plain:v1" --dest oci:x:v1
want_usage_error
run_ccs image pull "docker://$REG/Demo/UPPER:v1" --dest oci:x:v1 --insecure-plain-http
want_usage_error
run_ccs image pull "docker://$REG/demo/plain:v1" --dest oci:x:v1 --platform linux
want_usage_error
run_ccs image push oci:mine:v1
want_usage_error
run_ccs image pull "docker://registry.example.invalid/demo/plain:v1" --dest oci:x:v1 --insecure-plain-http
want_rc 1
want_stderr_has "loopback registries only"
run_ccs image pull --help
want_rc 0
want_stdout_has "ccs image pull docker://"
run_ccs image push --help
want_rc 0
want_stdout_has "ccs image push oci:DIR"
end_case

# Basic auth (htpasswd with bcrypt, made by python3's crypt when its libcrypt has it).
HASH=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)) or "")' 2>/dev/null || true)
if [[ $HASH == \$2* ]]; then
    echo "alice:$HASH" >htpasswd
    start_registry auth "auth: {htpasswd: {realm: ccs-test, path: $WORK/htpasswd}}"
    begin "htpasswd basic auth: refused without credentials, pulled with --creds or --authfile"
    skopeo_q copy --dest-tls-verify=false --dest-creds alice:s3cret oci:plain:v1 "docker://$REG/demo/plain:v1" ||
        fail "skopeo push"
    run_ccs image pull "docker://$REG/demo/plain:v1" --dest oci:anon:v1 --insecure-plain-http
    want_rc 1
    want_stderr_has "needs credentials"
    run_ccs image pull "docker://$REG/demo/plain:v1" --dest oci:wrong:v1 --insecure-plain-http --creds alice:nope
    want_rc 1
    want_stderr_has "not authorized"
    grep -q nope "$ERR" && fail "the password is in the message"
    run_ccs image pull "docker://$REG/demo/plain:v1" --dest oci:authed:v1 --insecure-plain-http --creds alice:s3cret
    want_rc 0
    same_image plain authed
    printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf alice:s3cret | base64)" >auth.json
    run_ccs image pull "docker://$REG/demo/plain:v1" --dest oci:authfile:v1 --insecure-plain-http --authfile auth.json
    want_rc 0
    run_ccs image push oci:mine:v1 "docker://$REG/demo/mine:v1" --insecure-plain-http --authfile auth.json
    want_rc 0
    end_case
else
    echo "skip - htpasswd basic auth: python3's crypt cannot make bcrypt hashes here (install python3-bcrypt or apache2-utils)"
fi

summary
