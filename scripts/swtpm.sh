#!/usr/bin/env bash
# Starts or stops a software TPM 2.0 (swtpm) for tests: TCP socket mode on
# loopback only, control channel on PORT+1, state under DIR.
#   scripts/swtpm.sh start DIR PORT    prints the TCTI string when it answers
#   scripts/swtpm.sh stop DIR          kills the swtpm started for DIR
set -euo pipefail
cmd=${1:-}
dir=${2:-}
if [[ -z $cmd || -z $dir ]]; then
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
fi
case $cmd in
start)
    port=${3:?port}
    mkdir -p "$dir/state"
    rm -f "$dir/swtpm.pid"
    swtpm socket --tpm2 --tpmstate dir="$dir/state" \
        --server type=tcp,port="$port",bindaddr=127.0.0.1 \
        --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
        --flags not-need-init,startup-clear --pid file="$dir/swtpm.pid" \
        --log file="$dir/swtpm.log" --daemon
    tcti="swtpm:host=127.0.0.1,port=$port"
    # Ready when the pid file is there and the port accepts a command.
    for _ in $(seq 100); do
        if [[ -s $dir/swtpm.pid ]] && TPM2TOOLS_TCTI=$tcti tpm2_getrandom 4 --hex >/dev/null 2>&1; then
            echo "$tcti"
            exit 0
        fi
        sleep 0.05
    done
    echo "$0: swtpm did not come up on port $port (see $dir/swtpm.log)" >&2
    [[ -s $dir/swtpm.pid ]] && kill "$(cat "$dir/swtpm.pid")" 2>/dev/null || true
    exit 1
    ;;
stop)
    if [[ -s $dir/swtpm.pid ]]; then
        pid=$(cat "$dir/swtpm.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/swtpm.pid"
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
