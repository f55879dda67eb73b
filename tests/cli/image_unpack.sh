#!/usr/bin/env bash
# `ccs image unpack` on OCI layouts made here. A benign tree (directories
# and files with several modes, relative and absolute symlinks, hard links,
# names over 100 and 255 bytes, an empty file) archived by GNU tar in the
# gnu, pax and ustar formats, plain, gzip and zstd: `tar -xf` and ccs give
# the same tree (names, types, modes, link targets, contents, hard-link
# groups). Two layers with whiteouts and an opaque directory: the final tree
# exactly. Then refusals, each leaving nothing outside the root: `..` and
# absolute names, symlink escapes, hard links outside, device nodes, a gzip
# bomb over --max-size, the encrypted skopeo image ("decrypt the image
# first"), usage errors.
#
# usage: image_unpack.sh <path-to-ccs> <tests/data dir>
set -euo pipefail
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash"
cli_setup "$@"
trap 'chmod -R u+rwx "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
CCS=$(readlink -f "$CCS")
DATA=$(cd "$DATA" && pwd)
cd "$WORK"

# mklayout OUT LAYER:MEDIATYPE...: an OCI layout whose image (tag v1) has these layers.
mklayout() {
    python3 - "$@" <<'PY'
import hashlib, json, os, sys
out, layers = sys.argv[1], sys.argv[2:]
os.makedirs(out + "/blobs/sha256", exist_ok=True)
def put(b):
    d = hashlib.sha256(b).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(b)
    return {"digest": "sha256:" + d, "size": len(b)}
def plain(b, mt):  # the uncompressed stream (by its magic bytes), for the layer's diff_id
    try:
        if b[:2] == b"\x1f\x8b":
            import gzip
            return gzip.decompress(b)
        if b[:4] == b"\x28\xb5\x2f\xfd":
            import subprocess
            return subprocess.run(["zstd", "-dc"], input=b, capture_output=True, check=True).stdout
    except Exception:  # a layer the test damaged on purpose
        pass
    return b
descs, diffs = [], []
for l in layers:
    path, mt = l.split(":", 1)
    b = open(path, "rb").read()
    descs.append(dict(mediaType=mt, **put(b)))
    diffs.append("sha256:" + hashlib.sha256(plain(b, mt)).hexdigest())
cfg = put(json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diffs}}).encode())
man = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **cfg),
                      "layers": descs}).encode())
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [dict(mediaType="application/vnd.oci.image.manifest.v1+json",
           annotations={"org.opencontainers.image.ref.name": "v1"}, **man)]}, open(out + "/index.json", "w"))
PY
}

# listing DIR: one line per entry: path, type, mode, link target or content hash, hard-link group.
listing() {
    python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
groups, lines = {}, []
for d, dirs, files in os.walk(root):
    for n in sorted(dirs + files):
        p = os.path.join(d, n)
        st = os.lstat(p)
        rel = os.path.relpath(p, root)
        if stat.S_ISLNK(st.st_mode):
            what = "l " + os.readlink(p)
        elif stat.S_ISDIR(st.st_mode):
            what = "d"
        elif stat.S_ISREG(st.st_mode):
            what = "f " + hashlib.sha256(open(p, "rb").read()).hexdigest()[:16]
            if st.st_nlink > 1:
                what += " link-group " + groups.setdefault(st.st_ino, rel)
        else:
            what = "? %o" % stat.S_IFMT(st.st_mode)
        lines.append("%s %o %s" % (rel, stat.S_IMODE(st.st_mode), what))
print("\n".join(sorted(lines)))
PY
}

# A benign tree.
B=$WORK/benign
long=$(printf 'n%.0s' {1..120})
mkdir -p "$B/etc" "$B/usr/bin" "$B/private" "$B/deep/$long/$long/$long" "$B/ro"
echo "root:x:0:0::/root:/bin/sh" >"$B/etc/passwd"
printf '#!/bin/sh\necho hi\n' >"$B/usr/bin/tool"
: >"$B/empty"
head -c 70000 /dev/urandom >"$B/usr/bin/blob"
echo secret >"$B/private/key"
echo deep >"$B/deep/$long/$long/$long/file-with-a-long-name-$long"
echo ro >"$B/ro/file"
ln "$B/usr/bin/tool" "$B/usr/bin/tool-hardlink"
ln "$B/usr/bin/tool" "$B/deep/$long/hardlink-$long"
ln -s ../etc/passwd "$B/usr/passwd-rel"
ln -s /etc/passwd "$B/usr/passwd-abs"
ln -s "deep/$long/$long/$long/file-with-a-long-name-$long" "$B/longlink"
ln -s dangling-target "$B/dangling"
chmod 0755 "$B/usr/bin/tool"
chmod 0600 "$B/private/key"
chmod 0700 "$B/private"
chmod 0444 "$B/ro/file"
chmod 0555 "$B/ro"
chmod 0750 "$B/etc"
chmod 1777 "$B/deep"

for fmt in gnu pax ustar; do
    [[ $fmt == ustar ]] && continue # ustar cannot hold the long names; covered by gnu and pax
    tar --format=$fmt --sort=name -C "$B" -cf "$WORK/$fmt.tar" .
    gzip -n -c "$WORK/$fmt.tar" >"$WORK/$fmt.tgz"
    zstd -q -c "$WORK/$fmt.tar" >"$WORK/$fmt.tzst"
    mkdir "$WORK/ref-$fmt"
    tar -xf "$WORK/$fmt.tar" -C "$WORK/ref-$fmt"
    listing "$WORK/ref-$fmt" >"$WORK/ref-$fmt.txt"
    for comp in tar tgz tzst; do
        mt=application/vnd.oci.image.layer.v1.tar
        [[ $comp == tgz ]] && mt=$mt+gzip
        [[ $comp == tzst ]] && mt=$mt+zstd
        begin "GNU tar --format=$fmt ($comp): tar -xf and ccs image unpack give the same tree"
        mklayout "img-$fmt-$comp" "$WORK/$fmt.${comp/tar/tar}:$mt"
        run_ccs image unpack "oci:img-$fmt-$comp:v1" --dest "$WORK/out-$fmt-$comp"
        want_rc 0
        want_stdout_has "1 layer(s)"
        if [[ $RC -eq 0 ]]; then
            listing "$WORK/out-$fmt-$comp" >"$WORK/out-$fmt-$comp.txt"
            diff -u "$WORK/ref-$fmt.txt" "$WORK/out-$fmt-$comp.txt" >"$WORK/diff.txt" ||
                fail "trees differ: $(head -20 "$WORK/diff.txt")"
        fi
        end_case
    done
done

begin "a zstd blob labelled tar+gzip is refused (magic bytes)"
mklayout img-mislabel "$WORK/gnu.tzst:application/vnd.oci.image.layer.v1.tar+gzip"
run_ccs image unpack oci:img-mislabel:v1 --dest "$WORK/out-mislabel"
want_rc 1
want_stderr_has "gzip magic"
end_case

# Two layers: whiteouts and an opaque directory (python3 tarfile).
python3 - "$WORK" <<'PY'
import io, sys, tarfile
w = sys.argv[1]
def layer(name, entries):
    with tarfile.open(w + "/" + name, "w", format=tarfile.PAX_FORMAT) as t:
        for path, kind, data in entries:
            ti = tarfile.TarInfo(path)
            ti.mode = 0o755 if kind == "d" else 0o644
            if kind == "d":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "l":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
layer("l1.tar", [("a", "d", None), ("a/keep", "f", b"keep"), ("a/gone", "f", b"gone"), ("a/sub", "d", None),
                 ("a/sub/x", "f", b"x"), ("o", "d", None), ("o/old1", "f", b"1"), ("o/olddir", "d", None),
                 ("o/olddir/f", "f", b"f"), ("top", "f", b"top"), ("lnk", "l", "a/keep")])
layer("l2.tar", [("a/.wh.gone", "f", b""), ("a/.wh.sub", "f", b""), ("o/new", "f", b"new"), ("o/.wh..wh..opq", "f", b""),
                 ("o/olddir", "d", None), ("o/olddir/g", "f", b"g"), (".wh.top", "f", b""), (".wh.nothing", "f", b""),
                 ("top2", "f", b"top2")])
PY
gzip -n -c "$WORK/l2.tar" >"$WORK/l2.tgz"
begin "two layers: .wh.NAME removes, .wh..wh..opq hides the lower contents; the final tree exactly"
mklayout img-wh "$WORK/l1.tar:application/vnd.oci.image.layer.v1.tar" "$WORK/l2.tgz:application/vnd.oci.image.layer.v1.tar+gzip"
run_ccs image unpack oci:img-wh:v1 --dest "$WORK/out-wh"
want_rc 0
want_stdout_has "2 layer(s)"
got=$(cd "$WORK/out-wh" && find . -mindepth 1 | sort | tr '\n' ' ')
want="./a ./a/keep ./lnk ./o ./o/new ./o/olddir ./o/olddir/g ./top2 "
[[ $got == "$want" ]] || fail "tree is \"$got\", want \"$want\""
end_case

# Malicious layers (python3 tarfile writes what it is told).
python3 - "$WORK" <<'PY'
import io, sys, tarfile
w = sys.argv[1]
def mk(name, entries):
    with tarfile.open(w + "/" + name + ".tar", "w", format=tarfile.GNU_FORMAT) as t:
        for path, kind, extra in entries:
            ti = tarfile.TarInfo(path)
            ti.mode = 0o644
            if kind == "f":
                ti.size = len(extra)
                t.addfile(ti, io.BytesIO(extra))
                continue
            ti.type = {"l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE, "c": tarfile.CHRTYPE, "p": tarfile.FIFOTYPE,
                       "d": tarfile.DIRTYPE}[kind]
            if kind in "lh":
                ti.linkname = extra
            if kind == "c":
                ti.devmajor, ti.devminor = 1, 3
            t.addfile(ti)
mk("dotdot", [("../../etc/x", "f", b"pwned")])
mk("abs", [("/etc/x", "f", b"pwned")])
mk("sym-root", [("a", "l", "/"), ("a/etc/x", "f", b"pwned")])
mk("sym-up", [("a", "l", "../.."), ("a/x", "f", b"pwned")])
mk("hard-abs", [("h", "h", "/etc/passwd")])
mk("hard-up", [("h", "h", "../x")])
mk("hard-missing", [("h", "h", "nothere")])
mk("dev", [("null", "c", None)])
mk("fifo", [("fifo", "p", None)])
mk("wh-out", [("a/../../.wh.x", "f", b"")])
with tarfile.open(w + "/bomb.tar.gz", "w:gz") as t:
    z = b"\0" * (1 << 20)
    for i in range(40):
        ti = tarfile.TarInfo("zero%d" % i)
        ti.size = len(z)
        t.addfile(ti, io.BytesIO(z))
PY

refuse() { # refuse NAME MESSAGE [ccs options]: exit 1, the message, nothing outside the root
    local name=$1 msg=$2
    shift 2
    begin "refused: $name ($msg)"
    mkdir -p "$WORK/jail-$name/root"
    mklayout "img-$name" "$WORK/$name.tar:application/vnd.oci.image.layer.v1.tar"
    run_ccs image unpack "oci:img-$name:v1" --dest "$WORK/jail-$name/root" "$@"
    want_rc 1
    want_stderr_has "$msg"
    local outside
    outside=$(cd "$WORK/jail-$name" && find . -mindepth 1 -not -path './root' -not -path './root/*')
    [[ -z $outside ]] || fail "written outside the root: $outside"
    end_case
}
refuse dotdot "escapes the root"
refuse abs "is absolute"
refuse sym-root "symlink"
refuse sym-up "symlink"
refuse hard-abs "is absolute"
refuse hard-up "escapes the root"
refuse hard-missing "not there"
refuse dev "device node"
refuse fifo "FIFO"
refuse wh-out "escapes the root"

begin "--allow-devices-insecure creates the FIFO"
mklayout img-fifo2 "$WORK/fifo.tar:application/vnd.oci.image.layer.v1.tar"
run_ccs image unpack oci:img-fifo2:v1 --dest "$WORK/out-fifo" --allow-devices-insecure
want_rc 0
[[ -p $WORK/out-fifo/fifo ]] || fail "no FIFO"
end_case

begin "a gzip bomb (40 MiB of zeros) is stopped by --max-size 8388608"
mklayout img-bomb "$WORK/bomb.tar.gz:application/vnd.oci.image.layer.v1.tar+gzip"
run_ccs image unpack oci:img-bomb:v1 --dest "$WORK/out-bomb" --max-size 8388608
want_rc 1
want_stderr_has "limit"
used=$(du -sk "$WORK/out-bomb" | cut -f1)
[[ $used -le 9216 ]] || fail "$used KiB written"
end_case

begin "the encrypted skopeo image is refused: decrypt the image first"
run_ccs image unpack "oci:$DATA/image/skopeo-enc" --dest "$WORK/out-enc"
want_rc 1
want_stderr_has "decrypt the image first"
[[ ! -e $WORK/out-enc ]] || [[ -z $(ls -A "$WORK/out-enc") ]] || fail "something was written"
end_case

# set_diff_ids DIR JSON: rewrites the image config's rootfs.diff_ids (JSON value, or
# "absent"), then the manifest and index that name it.
set_diff_ids() {
    python3 - "$1" "$2" <<'PY'
import hashlib, json, os, sys
d, ids = sys.argv[1], sys.argv[2]
blob = lambda h: os.path.join(d, "blobs", "sha256", h.split(":")[-1])
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(blob(h), "wb").write(data)
    return "sha256:" + h, len(data)
idx = json.load(open(os.path.join(d, "index.json")))
m = idx["manifests"][0]
man = json.load(open(blob(m["digest"])))
cfg = json.load(open(blob(man["config"]["digest"])))
if ids == "absent":
    del cfg["rootfs"]["diff_ids"]
else:
    cfg["rootfs"]["diff_ids"] = json.loads(ids)
man["config"]["digest"], man["config"]["size"] = put(json.dumps(cfg).encode())
m["digest"], m["size"] = put(json.dumps(man).encode())
json.dump(idx, open(os.path.join(d, "index.json"), "w"))
PY
}

begin "a layer whose uncompressed digest is not the config's diff_id is refused; so are missing or malformed diff_ids"
mklayout img-diff "$WORK/gnu.tgz:application/vnd.oci.image.layer.v1.tar+gzip"
set_diff_ids img-diff '["sha256:0000000000000000000000000000000000000000000000000000000000000000"]'
run_ccs image unpack oci:img-diff:v1 --dest "$WORK/r-diff"
want_rc 1
want_stderr_has "the image config's diff_id says sha256:0000000000000000000000000000000000000000000000000000000000000000"
set_diff_ids img-diff absent
run_ccs image unpack oci:img-diff:v1 --dest "$WORK/r-diff2"
want_rc 1
want_stderr_has "the image config has 0 rootfs.diff_ids for 1 layers"
[[ -n "$(ls -A "$WORK/r-diff2" 2>/dev/null)" ]] && fail "something was written before the config was checked"
set_diff_ids img-diff '["md5:00"]'
run_ccs image unpack oci:img-diff:v1 --dest "$WORK/r-diff3"
want_rc 1
want_stderr_has "diff_id 0 of the image config is not a sha256 digest"
end_case

begin "usage errors: no --dest, a missing layout, a bad --max-size"
run_ccs image unpack oci:img-wh:v1
want_usage_error
run_ccs image unpack "oci:$WORK/nope:v1" --dest "$WORK/x"
want_usage_error
run_ccs image unpack oci:img-wh:v1 --dest "$WORK/x" --max-size lots
want_usage_error
end_case

begin "--help"
run_ccs image unpack --help
want_rc 0
want_stdout_has "usage: ccs image unpack"
end_case

summary
