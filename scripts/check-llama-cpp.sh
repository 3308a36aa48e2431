#!/usr/bin/env bash
# Compares qwen4j with llama.cpp (node-llama-cpp 3.22.1's prebuilt CPU build, installed by npm on first run)
# on synthetic models of every architecture and on `qwen4j quantize` outputs: qwen4j's greedy run is replayed
# through llama.cpp teacher-forced, and each step's log-prob and argmax are compared. llama.cpp runs with an
# F32 KV cache and without flash attention, so on F32 weights both should agree to float rounding; on other
# types llama.cpp also rounds the activations (F16/BF16, or Q8 for quantized weights), qwen4j keeps them F32.
# Usage: scripts/check-llama-cpp.sh [WORKDIR] (default /tmp/qwen4j-llama-cpp). Not part of ./run-tests (npm).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/qwen4j-llama-cpp}"
mkdir -p "$work"
check="$root/scripts/client-checks/llama-cpp"
[ -d "$check/node_modules/node-llama-cpp" ] || (cd "$check" && npm install --no-audit --no-fund --silent)
prompt="The capital of France is a city where"
shape=(--layers 2 --dim 256 --heads 4 --kv-heads 2 --head-dim 64 --ffn 512 --type f32 --seed 3)
for arch in qwen3 qwen2 qwen3moe; do
  f32="$work/$arch-f32.gguf"
  if [ ! -f "$f32" ]; then
    extra=(--preset qwen3-0.6b)
    [ "$arch" = qwen2 ] && extra=(--preset qwen2.5-0.5b)
    [ "$arch" = qwen3moe ] && extra=(--arch qwen3moe --experts 16 --experts-used 4 --moe-ffn 128)
    "$root/qwen4j" synth "${extra[@]}" "${shape[@]}" --out "$f32" >/dev/null
  fi
  for type in f32 f16 bf16 q8_0 q4_0 q4_k_m q5_k_m q6_k; do
    file="$work/$arch-$type.gguf"
    [ -f "$file" ] || "$root/qwen4j" quantize "$f32" "$file" "$type" >/dev/null
    "$root/qwen4j" generate -m "$file" --prompt "$prompt" -n 16 --temp 0 -t 1 --json 2>/dev/null \
      | (cd "$check" && node compare.mjs "$file" 1)
  done
done
# A file llama.cpp reads with activations rounded to 8 bits, and qwen4j's F32 copy of it (its dequantization, held to
# llama.cpp's by IQuantGoldenTest and MXFP4Test): one greedy run of qwen4j's against both; on the copy they agree to
# float rounding.
compare_with_f32_copy() {
  local file="$1" copy="${1%.gguf}-as-f32.gguf" run
  [ -f "$copy" ] || "$root/qwen4j" quantize "$file" "$copy" f32 >/dev/null
  run="$("$root/qwen4j" generate -m "$file" --prompt "$prompt" -n 16 --temp 0 -t 1 --json 2>/dev/null)"
  (cd "$check" && node compare.mjs "$file" 1 <<< "$run")
  (cd "$check" && node compare.mjs "$copy" 1 <<< "$run")
}
# MXFP4 in every matrix, and the i-quant grid formats, which qwen4j reads but cannot write from floats (synth fills
# them with random blocks); then llama.cpp's MXFP4_MOE mix of the MoE file (experts MXFP4, the rest Q8_0).
for type in mxfp4 iq1_s iq1_m iq2_xxs iq2_xs iq2_s iq3_xxs iq3_s; do
  file="$work/qwen3-$type.gguf"
  [ -f "$file" ] || "$root/qwen4j" synth --preset qwen3-0.6b "${shape[@]/f32/$type}" --out "$file" >/dev/null
  compare_with_f32_copy "$file"
done
file="$work/qwen3moe-mxfp4_moe.gguf"
[ -f "$file" ] || "$root/qwen4j" quantize "$work/qwen3moe-f32.gguf" "$file" mxfp4_moe >/dev/null
compare_with_f32_copy "$file"
# Embeddings and rerank scores (qwen3: what Qwen3-Embedding and Qwen3-Reranker are), pooled as the file says:
# last (no pooling key: llama.cpp then returns the last token's state), mean, cls; a reranker with a yes/no
# classifier head. qwen4j's vectors are compared unnormalised (llama.cpp's embeddings API returns them so).
texts=("The capital of France is Paris." "Gravity attracts two bodies towards each other." "Привет, мир! 你好，世界。")
query="What is the capital of France?"
for variant in last:f32 mean:f32 cls:f32 last:q8_0 rank:f32 rank:q8_0; do
  pooling="${variant%%:*}"
  type="${variant##*:}"
  file="$work/qwen3-embed-$pooling-$type.gguf"
  head=(--pooling "$pooling")
  [ "$pooling" = last ] && head=()
  [ "$pooling" = rank ] && head=(--pooling rank --classifier-labels yes,no)
  [ -f "$file" ] || "$root/qwen4j" synth --preset qwen3-0.6b "${shape[@]/f32/$type}" "${head[@]}" --out "$file" >/dev/null
  if [ "$pooling" = rank ]; then
    "$root/qwen4j" rerank -m "$file" --json -t 1 --query "$query" "${texts[@]}" 2>/dev/null \
      | (cd "$check" && node compare-embed.mjs "$file" 1 rerank "$query" "${texts[@]}")
  else
    "$root/qwen4j" embed -m "$file" --json --no-normalize -t 1 "${texts[@]}" 2>/dev/null \
      | (cd "$check" && node compare-embed.mjs "$file" 1 embed "${texts[@]}")
  fi
done
