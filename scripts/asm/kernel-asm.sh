#!/usr/bin/env bash
# The machine code C2 compiled for one kernel method, as it runs in `qwen4j bench matmul`, with its loops marked.
# usage: scripts/asm/kernel-asm.sh CLASS::METHOD TYPE [BATCH]   e.g. scripts/asm/kernel-asm.sh Q8_0Format::rowDot Q8_0 1
# Needs gcc and objdump (binutils). Prints the GFLOP/s of that run, then the last C2 compile of the method, each
# backward jump annotated with its loop's size: a loop's instruction count, its bounds checks and spills are
# what this is for (see the README's "Reading the kernels' machine code").
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/scripts/find-jdk.sh"
method="$1"; type="$2"; batch="${3:-1}"
jar="$root/qwen4j-cli/target/qwen4j.jar"
[ -f "$jar" ] || { echo "kernel-asm: build first (./qwen4j --version)" >&2; exit 1; }
dir="$root/qwen4j-cli/target/hsdis"
mkdir -p "$dir"
if [ ! -f "$dir/hsdis-amd64.so" ] || [ "$root/scripts/asm/hsdis-objdump.c" -nt "$dir/hsdis-amd64.so" ]; then
  gcc -O2 -shared -fPIC -o "$dir/hsdis-amd64.so" "$root/scripts/asm/hsdis-objdump.c"
fi
raw="$(mktemp)"
LD_LIBRARY_PATH="$dir" "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -XX:+UseParallelGC -XX:+UseCountedLoopSafepoints -XX:LoopStripMiningIter=1000 -Xlog:disable \
  -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet -XX:CompileCommand="print,io.qwen4j.quant.$method" \
  -jar "$jar" bench matmul --types "$type" --batch "$batch" --seconds 2 >"$raw" 2>/dev/null
grep -E "^$type " "$raw" || true
python3 - "$raw" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
starts = [m.start() for m in re.finditer(r"Compiled method \(c2\)", text)]
if not starts:
    sys.exit("kernel-asm: no C2 compile of that method in this run (name right? hot enough?)")
rows = []
for line in text[starts[-1]:].splitlines():
    m = re.match(r"\s*(0x[0-9a-f]+):\s+([a-z][\w.]*)\s*(.*)", line)
    if m:
        rows.append((int(m.group(1), 16), m.group(2), m.group(3).split(";")[0].strip()))
index = {address: i for i, (address, _, _) in enumerate(rows)}
loops = {}
for i, (address, mnemonic, operands) in enumerate(rows):
    if mnemonic.startswith("j") and operands.startswith("0x"):
        target = int(operands.split()[0], 16)
        if target < address and target in index:
            loops[i] = index[target]
for i, (address, mnemonic, operands) in enumerate(rows):
    note = f"   <- loop back to line {loops[i] + 1} ({i - loops[i] + 1} instructions)" if i in loops else ""
    print(f"{i + 1:5d}  {mnemonic:12s} {operands}{note}")
PY
rm -f "$raw"
