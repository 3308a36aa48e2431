#!/usr/bin/env bash
# Cold-start benchmark: wall time, CPU time and max RSS of one launcher command, N runs per configuration,
# interleaved (so a busy neighbour hurts every configuration alike), medians printed at the end.
# usage: scripts/startup-bench.sh N 'NAME=LAUNCHER_PREFIX' ... -- ARGS...
#   e.g. scripts/startup-bench.sh 5 'new=./qwen4j' 'noaot=env QWEN4J_AOT=0 ./qwen4j' -- generate -m M.gguf --prompt Hello -n 1 --json -t 2
set -euo pipefail
n="$1"; shift
configs=()
while [ "$1" != "--" ]; do configs+=("$1"); shift; done
shift
out="$(mktemp -d)"
for ((i = 0; i < n; i++)); do
  for ((k = 0; k < ${#configs[@]}; k++)); do
    c="${configs[(k + i) % ${#configs[@]}]}"
    name="${c%%=*}"; cmd="${c#*=}"
    /usr/bin/time -f "%e %U %S %M" -o "$out/t" $cmd "$@" >/dev/null 2>"$out/err" || { echo "$name failed:" >&2; cat "$out/err" >&2; exit 1; }
    read -r wall user sys rss <"$out/t"
    echo "$wall $(echo "$user + $sys" | bc) $rss" >>"$out/$name"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf "%-10s %10s %12s %12s   (%d runs each)\n" config "wall s" "cpu s" "max RSS MB" "$n"
for c in "${configs[@]}"; do
  name="${c%%=*}"
  printf "%-10s %10s %12s %12s   walls: %s\n" "$name" "$(cut -d' ' -f1 "$out/$name" | median)" \
    "$(cut -d' ' -f2 "$out/$name" | median)" "$(cut -d' ' -f3 "$out/$name" | median | awk '{printf "%.0f", $1/1024}')" \
    "$(cut -d' ' -f1 "$out/$name" | tr '\n' ' ')"
done
rm -rf "$out"
