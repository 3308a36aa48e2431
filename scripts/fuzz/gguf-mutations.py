#!/usr/bin/env python3
"""Bad-input fuzz of the GGUF reader through the CLI: mutates a small synthetic model (header bytes, the tensor
table, 64-bit counts and sizes, truncation, tensor data) and runs a command on each copy. Every run must end in
exit status 0 or 2 with at most one line on stderr and no stack trace, within 60 s.

    python3 scripts/fuzz/gguf-mutations.py SEED COUNT (info|gen)

Writes its model to $TMPDIR (default /tmp) with `./qwen4j synth`; keeps the mutated files that failed. Not part of
./run-tests (one JVM start per case, ~1 s each); GgufFuzzTest covers the reader in-process.
"""
import json, os, random, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TMP = os.environ.get("TMPDIR", "/tmp")
seed, count, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base_path = os.path.join(TMP, "fuzz-base.gguf")
if not os.path.exists(base_path):
    subprocess.run(["./qwen4j", "synth", "--arch", "qwen3", "--layers", "2", "--dim", "64", "--heads", "4", "--kv-heads", "2",
                    "--head-dim", "16", "--ffn", "128", "--type", "q8_0", "--seed", "3", "--out", base_path],
                   cwd=ROOT, check=True, capture_output=True)
base = open(base_path, "rb").read()
info = json.loads(subprocess.run(["./qwen4j", "gguf", "info", base_path, "--json"], cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout)
data_offset = info["data_offset"]
rnd = random.Random(seed)
bad = 0
for i in range(count):
    b = bytearray(base)
    kind = rnd.choice(["header", "tensor-table", "truncate", "u64", "data"])
    if kind == "header":
        for _ in range(rnd.randint(1, 4)):
            b[rnd.randrange(0, 4096)] = rnd.randrange(256)
    elif kind == "tensor-table":
        for _ in range(rnd.randint(1, 4)):
            b[rnd.randrange(data_offset - 3000, data_offset)] = rnd.randrange(256)
    elif kind == "u64":
        at = rnd.randrange(0, data_offset - 8) if rnd.random() < 0.5 else rnd.randrange(data_offset - 3000, data_offset - 8)
        b[at:at + 8] = rnd.choice([b"\xff" * 8, (2**31).to_bytes(8, "little"), (2**62).to_bytes(8, "little"), (7).to_bytes(8, "little")])
    elif kind == "truncate":
        b = b[:rnd.randrange(0, len(b))]
    else:
        b[rnd.randrange(data_offset, len(b))] = rnd.randrange(256)
    path = os.path.join(TMP, f"fuzz-{seed}-{i}.gguf")
    open(path, "wb").write(b)
    args = {"info": ["gguf", "info", path, "--json"],
            "gen": ["generate", "-m", path, "--prompt", "Hi", "-n", "2", "--json", "-t", "1"]}[command]
    try:
        r = subprocess.run(["./qwen4j"] + args, cwd=ROOT, capture_output=True, text=True, timeout=60)
        err = [l for l in r.stderr.splitlines() if l.strip() and "incubator" not in l]
        ok = r.returncode in (0, 2) and len(err) <= 1 and not any("\tat " in l or "Exception" in l for l in err)
        if ok:
            os.remove(path)
        else:
            bad += 1
            print("BAD", kind, path, r.returncode, " | ".join(err)[:400])
    except subprocess.TimeoutExpired:
        bad += 1
        print("TIMEOUT", kind, path)
print(f"{count} mutations ({command}): {bad} bad")
sys.exit(1 if bad else 0)
