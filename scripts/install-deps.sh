#!/usr/bin/env bash
# Installs what CCS needs to build, test, fuzz and benchmark on Debian 12.
# Idempotent: installs only what is missing. Peers (npm) go to ./peers.
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --peers    also the npm peers (@phala/dcap-qvl, @tinfoilsh/verifier)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libssl-dev libjansson-dev libcjson-dev libcmocka-dev libcurl4-openssl-dev libsqlite3-dev libevent-dev
      openssl python3
      libtss2-dev swtpm swtpm-tools tpm2-tools libjose-dev libjemalloc-dev nettle-dev libgmp-dev libcbor-dev
      skopeo docker-registry umoci bc libgpgme-dev libzstd-dev zlib1g-dev libisal-dev gnupg zstd curl xxd)
# Node.js may come from elsewhere than Debian: only ask apt when it is absent.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--peers" ]; then
  if [ ! -f peers/node_modules/@phala/dcap-qvl/package.json ] ||
     [ ! -f peers/node_modules/@tinfoilsh/verifier/package.json ] ||
     ! cmp -s scripts/peers-package.json peers/package.json; then
    echo "install-deps: installing npm peers into ./peers"
    mkdir -p peers
    cp scripts/peers-package.json peers/package.json
    (cd peers && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
