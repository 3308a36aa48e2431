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
# MXFP4: a dense file with every matrix MXFP4, and llama.cpp's MXFP4_MOE mix (experts MXFP4, the rest Q8_0) of the
# MoE file. llama.cpp rounds activations to 8 bits for them; on qwen4j's F32 copy of each file both agree to rounding.
mxfp4_dense="$work/qwen3-mxfp4.gguf"
[ -f "$mxfp4_dense" ] || "$root/qwen4j" synth --preset qwen3-0.6b "${shape[@]/f32/mxfp4}" --out "$mxfp4_dense" >/dev/null
[ -f "$work/qwen3moe-mxfp4_moe.gguf" ] || "$root/qwen4j" quantize "$work/qwen3moe-f32.gguf" "$work/qwen3moe-mxfp4_moe.gguf" mxfp4_moe >/dev/null
for file in "$mxfp4_dense" "$work/qwen3moe-mxfp4_moe.gguf"; do
  copy="${file%.gguf}-as-f32.gguf"
  [ -f "$copy" ] || "$root/qwen4j" quantize "$file" "$copy" f32 >/dev/null
  run="$("$root/qwen4j" generate -m "$file" --prompt "$prompt" -n 16 --temp 0 -t 1 --json 2>/dev/null)"
  (cd "$check" && node compare.mjs "$file" 1 <<< "$run")
  (cd "$check" && node compare.mjs "$copy" 1 <<< "$run")
done
# The i-quant grid formats, which qwen4j reads but cannot write from floats: synth fills them with random blocks.
# llama.cpp rounds activations to 8 bits for them too; the same greedy run against llama.cpp on an F32 copy of the
# file (qwen4j's dequantization, held to llama.cpp's by IQuantGoldenTest) agrees to float rounding.
for type in iq1_s iq1_m iq2_xxs iq2_xs iq2_s iq3_xxs iq3_s; do
  file="$work/qwen3-$type.gguf"
  copy="$work/qwen3-$type-as-f32.gguf"
  [ -f "$file" ] || "$root/qwen4j" synth --preset qwen3-0.6b "${shape[@]/f32/$type}" --out "$file" >/dev/null
  [ -f "$copy" ] || "$root/qwen4j" quantize "$file" "$copy" f32 >/dev/null
  run="$("$root/qwen4j" generate -m "$file" --prompt "$prompt" -n 16 --temp 0 -t 1 --json 2>/dev/null)"
  (cd "$check" && node compare.mjs "$file" 1 <<< "$run")
  (cd "$check" && node compare.mjs "$copy" 1 <<< "$run")
done
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
