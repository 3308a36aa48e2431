// llama.cpp's decode and prefill speed on a GGUF file (node-llama-cpp's prebuilt CPU build), for comparing
// with `qwen4j bench -m FILE -p P -n N -t T` in the same session. Greedy; best of R runs.
// Usage: node bench.mjs FILE P N THREADS R
import {getLlama, LlamaLogLevel} from 'node-llama-cpp';

const [modelPath, p, n, threads, runs] = process.argv.slice(2).map((v, i) => (i === 0 ? v : Number(v)));
const llama = await getLlama({gpu: false, logLevel: LlamaLogLevel.error, build: 'never'});
const model = await llama.loadModel({modelPath});
let bestPp = 0;
let bestTg = 0;
for (let run = 0; run < runs; run++) {
  const context = await model.createContext({contextSize: p + n + 16, threads, batchSize: Math.max(p, 32)});
  const sequence = context.getSequence();
  const prompt = Array.from({length: p}, (_, i) => 1000 + ((i * 7919) % 20000));
  const start = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt);
  const prefilled = performance.now();
  let count = 0;
  let first = 0;
  for await (const token of sequence.evaluate([prompt[p - 1] + 1], {temperature: 0})) {
    if (count === 0) first = performance.now();
    if (++count > n) break;
  }
  const done = performance.now();
  bestPp = Math.max(bestPp, p / ((prefilled - start) / 1000));
  bestTg = Math.max(bestTg, n / ((done - first) / 1000));
  await context.dispose();
}
console.log(JSON.stringify({model: modelPath.split('/').pop(), threads, pp_tps: Number(bestPp.toFixed(2)),
  tg_tps: Number(bestTg.toFixed(2)), build: 'llama.cpp via node-llama-cpp 3.22.1 (prebuilt CPU)'}));
process.exit(0);
