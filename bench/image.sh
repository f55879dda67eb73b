#!/usr/bin/env bash
# bench/image.sh: container images, CCS beside skopeo (and umoci) in the same
# run, on this machine's disk and loopback only.
#  1. Layer decryption: a one-layer OCI image whose layer (an uncompressed
#     tar holding SIZE MiB of random bytes) skopeo encrypted (ocicrypt,
#     AES-256-CTR + HMAC-SHA256, key wrapped to an RSA-OAEP JWE recipient);
#     `ccs image decrypt` and `skopeo copy --decryption-key` each make a
#     decrypted layout from it, alternated, R times each. MB/s = layer bytes
#     / wall seconds of the whole command (read, HMAC check, decryption,
#     digest check, write); both outputs must equal the original layer.
#     Each command starts after a sync: no writeback of the other's output.
#  2. Pull and unpack: a 4-layer gzip image (text-like files) pushed by
#     skopeo to Debian's docker-registry on 127.0.0.1; `ccs image pull
#     --unpack` against `skopeo copy` + `umoci unpack`, alternated, R times.
# Each figure: the median of R runs, with the fastest beside it.
# usage: bench/image.sh [--ccs PATH] [--size-mib N] [--repeat R]
set -euo pipefail
CCS=build/default/ccs SIZE=256 REPEAT=3
while [ $# -gt 0 ]; do
    case $1 in
    --ccs) CCS=$2; shift 2 ;;
    --size-mib) SIZE=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    *) echo "usage: bench/image.sh [--ccs PATH] [--size-mib N] [--repeat R]" >&2
       [ "$1" = --help ] && exit 0 || exit 2 ;;
    esac
done
for tool in skopeo umoci docker-registry curl python3 openssl bc; do
    command -v "$tool" >/dev/null || { echo "bench/image.sh: $tool is not installed (scripts/install-deps.sh)" >&2; exit 2; }
done
CCS=$(readlink -f "$CCS")
[ -x "$CCS" ] || { echo "bench/image.sh: no ccs at $CCS (make build)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccs-bench-image.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

put() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); mkdir -p "$2/blobs/sha256"; cp "$1" "$2/blobs/sha256/$d"; echo "$d"; }

# make_layout OUT MEDIATYPE DIFFID... -- LAYERFILE...: an OCI layout, tag v1.
make_layout() {
    local out=$1 mt=$2; shift 2
    local diffs=() files=()
    while [ "$1" != -- ]; do diffs+=("\"sha256:$1\""); shift; done
    shift
    files=("$@")
    local layers="" d s
    for f in "${files[@]}"; do
        d=$(put "$f" "$out"); s=$(stat -c %s "$f")
        layers+="${layers:+,}{\"mediaType\":\"$mt\",\"digest\":\"sha256:$d\",\"size\":$s}"
    done
    local IFS=,
    printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]}}' "${diffs[*]}" >"$out.cfg"
    local C CS M MS
    C=$(put "$out.cfg" "$out"); CS=$(stat -c %s "$out.cfg")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
        "$C" "$CS" "$layers" >"$out.man"
    M=$(put "$out.man" "$out"); MS=$(stat -c %s "$out.man")
    echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
        "$M" "$MS" >"$out/index.json"
}

# The layer digests of layout $1, tag v1.
layers() {
    python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
m = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "v1"][0]
man = json.load(open(d + "/blobs/sha256/" + m["digest"].split(":")[1]))
print(" ".join(l["digest"] for l in man["layers"]))
PY
}

# timed NAME CMD...: runs CMD quietly, appends its wall seconds to NAME.t
timed() {
    local name=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >"$name.out" 2>&1 || { echo "bench/image.sh: $name failed:" >&2; cat "$name.out" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l >>"$name.t"
}

# stats NAME BYTES: "median s (MB/s), fastest s (MB/s)"
stats() {
    python3 - "$1.t" "$2" <<'PY'
import sys, statistics
t = [float(x) for x in open(sys.argv[1]) if x.strip()]
b = int(sys.argv[2]) / 1e6
m, f = statistics.median(t), min(t)
print(f"{m:8.3f} s {b / m:8.0f} MB/s   fastest {f:7.3f} s {b / f:8.0f} MB/s")
PY
}

median() { python3 -c 'import sys, statistics; print(statistics.median(float(x) for x in open(sys.argv[1]) if x.strip()))' "$1.t"; }

echo "container images: ccs ($CCS) beside skopeo $(skopeo --version | awk '{print $3}') and umoci" \
     "$(umoci --version | awk '{print $3}'), median of $REPEAT runs each, alternated"
echo "machine: $(nproc) cores; work directory $WORK on $(df -T "$WORK" | awk 'NR==2{print $2}')"

# ---- 1. decryption of one SIZE MiB layer ----
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
mkdir -p root/data
head -c "$((SIZE * 1024 * 1024))" /dev/urandom >root/data/blob.bin
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00Z' -C root -cf layer.tar .
rm -rf root
make_layout big application/vnd.oci.image.layer.v1.tar "$(sha256sum layer.tar | cut -d' ' -f1)" -- layer.tar
LAYER_BYTES=$(stat -c %s layer.tar)
rm -f layer.tar
skopeo copy -q --dest-oci-accept-uncompressed-layers --encryption-key jwe:pub.pem oci:big:v1 oci:enc:v1
WANT=$(layers big)
for _ in $(seq 1 "$REPEAT"); do
    rm -rf dec-ccs dec-skopeo
    sync # neither command pays for the writeback of the other's output
    timed decrypt-ccs "$CCS" image decrypt oci:enc:v1 oci:dec-ccs:v1 --key key.pem
    sync
    timed decrypt-skopeo skopeo copy -q --dest-oci-accept-uncompressed-layers --decryption-key key.pem \
        oci:enc:v1 oci:dec-skopeo:v1
    [ "$(layers dec-ccs)" = "$WANT" ] || { echo "bench/image.sh: ccs's decrypted layer differs" >&2; exit 1; }
    [ "$(layers dec-skopeo)" = "$WANT" ] || { echo "bench/image.sh: skopeo's decrypted layer differs" >&2; exit 1; }
done
rm -rf big dec-ccs dec-skopeo
echo
echo "1. decrypt one encrypted layer of $((LAYER_BYTES / 1024 / 1024)) MiB (AES-256-CTR + HMAC-SHA256, RSA-OAEP recipient; layout to layout)"
echo "  ccs image decrypt      $(stats decrypt-ccs "$LAYER_BYTES")"
echo "  skopeo copy            $(stats decrypt-skopeo "$LAYER_BYTES")"
R=$(echo "$(median decrypt-skopeo) / $(median decrypt-ccs)" | bc -l)
MBS=$(echo "$LAYER_BYTES / 1000000 / $(median decrypt-ccs)" | bc -l)
printf '  ccs / skopeo: %.1fx  (target >= 10x: %s); ccs %.0f MB/s (target >= 1000: %s)\n' "$R" \
    "$( (( $(echo "$R >= 10" | bc) )) && echo met || echo NOT met)" "$MBS" \
    "$( (( $(echo "$MBS >= 1000" | bc) )) && echo met || echo NOT met)"
rm -rf enc

# ---- 2. pull + unpack of a 4-layer image from a loopback registry ----
python3 - <<'PY'
import os, random
# Text-like files (compress about 3:1 with gzip, like binaries and libraries):
# lines drawn from a fixed vocabulary with a fixed seed.
rnd = random.Random(1)
words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rnd.randint(3, 12))) for _ in range(4096)]
for layer in range(4):
    for f in range(600):
        d = f"layer{layer}/usr/lib/l{layer}pkg{f % 40}"
        os.makedirs(d, exist_ok=True)
        n = rnd.randint(4096, 65536)
        out, size = [], 0
        while size < n:
            line = " ".join(rnd.choice(words) for _ in range(10)) + "\n"
            out.append(line); size += len(line)
        with open(f"{d}/file{f}.txt", "w") as fh:
            fh.write("".join(out))
PY
diffs=() files=()
for l in 0 1 2 3; do
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00Z' -C "layer$l" -cf "l$l.tar" .
    diffs+=("$(sha256sum "l$l.tar" | cut -d' ' -f1)")
    gzip -n -6 "l$l.tar"
    files+=("l$l.tar.gz")
    rm -rf "layer$l"
done
make_layout multi application/vnd.oci.image.layer.v1.tar+gzip "${diffs[@]}" -- "${files[@]}"
PULL_BYTES=$(cat "${files[@]}" | wc -c)
UNPACKED=$(( $(for f in "${files[@]}"; do gzip -dc "$f" | wc -c; done | paste -sd+ | bc) ))
rm -f "${files[@]}"

REG=""
for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    cat >reg.yml <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/reg-data}}
http: {addr: 127.0.0.1:$port}
YML
    docker-registry serve reg.yml >reg.log 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then PIDS+=("$pid"); REG=127.0.0.1:$port; break 2; fi
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
done
[ -n "$REG" ] || { echo "bench/image.sh: could not start docker-registry" >&2; cat reg.log >&2; exit 1; }
skopeo copy -q --dest-tls-verify=false oci:multi:v1 "docker://$REG/bench/multi:v1"
rm -rf multi
for _ in $(seq 1 "$REPEAT"); do
    rm -rf pulled-ccs root-ccs pulled-skopeo bundle
    timed pull-ccs "$CCS" image pull "docker://$REG/bench/multi:v1" --dest oci:pulled-ccs:v1 \
        --insecure-plain-http --unpack root-ccs
    timed pull-skopeo sh -c "skopeo copy -q --src-tls-verify=false docker://$REG/bench/multi:v1 oci:pulled-skopeo:v1 \
        && umoci unpack --image pulled-skopeo:v1 bundle"
    a=$(find root-ccs -type f | wc -l); b=$(find bundle/rootfs -type f | wc -l)
    [ "$a" = "$b" ] || { echo "bench/image.sh: ccs unpacked $a files, umoci $b" >&2; exit 1; }
done
echo
echo "2. pull + unpack a 4-layer gzip image from docker-registry on 127.0.0.1:" \
     "$((PULL_BYTES / 1024 / 1024)) MiB pulled, $((UNPACKED / 1024 / 1024)) MiB unpacked, $(find root-ccs -type f | wc -l) files"
echo "  ccs image pull --unpack          $(stats pull-ccs "$PULL_BYTES")"
echo "  skopeo copy + umoci unpack       $(stats pull-skopeo "$PULL_BYTES")"
printf '  ccs / skopeo+umoci: %.1fx (MB/s of the compressed image)\n' \
    "$(echo "$(median pull-skopeo) / $(median pull-ccs)" | bc -l)"
