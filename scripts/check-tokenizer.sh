#!/usr/bin/env bash
# Cross-checks qwen4j's tokenizer against transformers.js (@huggingface/transformers, a pure-JS tokenizer
# written independently of ours and of HF's Rust one) on a seeded multilingual corpus, for the Qwen3 and
# Qwen2.5 tokenizers: encode ids of every text and the decoded text of a sample must be identical.
# Usage: scripts/check-tokenizer.sh [compare.mjs options, e.g. --count 30000 --seed 7 --minimize]
# Needs node >= 20 and npm (installed into scripts/client-checks/tokenizer on first run). Not part of
# ./run-tests, which must work offline. Exit status 1 on any mismatch. QWEN4J=LAUNCHER runs another qwen4j
# (e.g. a copy of the jar, while sources are being edited and ./qwen4j would rebuild).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check="$root/scripts/client-checks/tokenizer"
# package-lock.json pins the tokenizer actually used (@huggingface/tokenizers, a transformers.js dependency);
# .npmrc skips onnxruntime-node's postinstall (a GPU download from nuget.org the tokenizer does not need).
[ -d "$check/node_modules/@huggingface/transformers" ] || (cd "$check" && npm ci --no-audit --no-fund --silent)
status=0
for tokenizer in qwen3 qwen2.5; do
  # Both runs go on after a mismatch, so one report shows every difference.
  (cd "$check" && node compare.mjs "$root/../shared/qwen/$tokenizer" "$@") || status=1
done
exit $status
