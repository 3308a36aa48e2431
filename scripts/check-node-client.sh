#!/usr/bin/env bash
# Drives `qwen4j serve` with the official OpenAI Node SDK (issue 6's outside-client check), on the demo
# model or on the model given: scripts/check-node-client.sh [-m MODEL]. Needs node >= 20 and npm (the SDK is
# installed into scripts/client-checks/node on first run). Not part of ./run-tests, which must work offline.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
key="node-check-$RANDOM"
log="$(mktemp)"
"$root/qwen4j" serve --port "$port" --api-key "$key" --parallel 4 "$@" >"$log" 2>&1 &
server=$!
# the server answers SIGTERM by shutting down and exits 143: that status must not become this check's (set -e)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 $server 2>/dev/null; then echo "server exited:"; cat "$log"; exit 1; fi
  sleep 0.2
done
cd "$root/scripts/client-checks/node"
[ -d node_modules/openai ] && [ -d node_modules/@anthropic-ai/sdk ] || npm install --no-audit --no-fund --silent
if ! node check.mjs "http://127.0.0.1:$port/v1" "$key"; then
  echo "--- server log (tail)"; tail -n 40 "$log"; exit 1
fi
