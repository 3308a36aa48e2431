#!/usr/bin/env bash
# Time to first byte of the first chat completions a fresh `qwen4j serve` answers: starts the server, waits
# for /health, sends four chat requests with distinct prompts (so the prefix cache cannot help) and prints
# how long the start took and each request's time to first byte.
# Usage: scripts/bench/serve-first-request.sh [MODEL.gguf] [extra serve flags, e.g. --no-warmup]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model_args=()
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then model_args=(-m "$1"); shift; fi
port=${PORT:-18099}
log=$(mktemp)
start=$(date +%s%N)
"$root/qwen4j" serve "${model_args[@]}" --port "$port" "$@" >"$log" 2>&1 &
pid=$!
# the server exits 143 on SIGTERM: not this script's status (set -e)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port/health"; do
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.05
done
ready=$(( ($(date +%s%N) - start) / 1000000 ))
chat() {
  curl -s -o /dev/null -w '%{time_starttransfer}' "http://127.0.0.1:$port/v1/chat/completions" \
    -H 'Content-Type: application/json' \
    -d "{\"messages\":[{\"role\":\"user\",\"content\":\"$1 Write one sentence about the sea, please.\"}],\"max_tokens\":1,\"chat_template_kwargs\":{\"enable_thinking\":false}}"
}
echo "ready after ${ready} ms; first chat requests, seconds to first byte: $(chat Alpha) $(chat Bravo) $(chat Charlie) $(chat Delta)"
grep -o 'warmed up in [0-9]* ms' "$log" || true
