// Teacher-forced comparison with llama.cpp on one GGUF file: qwen4j's greedy run (tokens and log-probs, from
// `qwen4j generate --json`, read on stdin) is replayed through llama.cpp, which gives its full logits at every
// generated position. For each step: llama.cpp's log-prob of qwen4j's token vs the one qwen4j reported, and
// how far qwen4j's token is below llama.cpp's argmax (0 when they agree).
// Usage: qwen4j generate -m F ... --json | [KV=Q8_0] [FA=1] node compare.mjs F THREADS (KV: llama.cpp's cache type for
// keys and values, default F32; FA=1: flash attention, which llama.cpp needs for a quantized V cache)
import {getLlama, LlamaLogLevel} from 'node-llama-cpp';

const [modelPath, threads] = process.argv.slice(2);
const ours = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (d) => (text += d)).on('end', () => resolve(text));
}));
const llama = await getLlama({gpu: false, logLevel: LlamaLogLevel.error, build: 'never'});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize: Math.max(64, ours.prompt.length + ours.tokens.length + 8),
  threads: Number(threads ?? 1), flashAttention: process.env.FA === '1',
  experimentalKvCacheKeyType: process.env.KV ?? 'F32', experimentalKvCacheValueType: process.env.KV ?? 'F32'});
const sequence = context.getSequence();
const all = [...ours.prompt, ...ours.tokens];
// logits wanted after the last prompt token and after each generated token but the last
const input = all.map((token, i) => (i >= ours.prompt.length - 1 && i < all.length - 1
  ? [token, {generateNext: {logits: true}}] : token));
const results = await sequence.controlledEvaluate(input);

let worstLogprob = 0;
let worstMargin = 0;
let agree = 0;
for (let step = 0; step < ours.steps.length; step++) {
  const logits = results[ours.prompt.length - 1 + step].next.logits;
  let max = -Infinity;
  let argmax = -1;
  for (const [token, logit] of logits) {
    if (logit > max) {
      max = logit;
      argmax = token;
    }
  }
  let sum = 0;
  for (const logit of logits.values()) sum += Math.exp(logit - max);
  const logNorm = max + Math.log(sum);
  const ourToken = ours.steps[step].token;
  const theirLogprob = logits.get(ourToken) - logNorm;
  worstLogprob = Math.max(worstLogprob, Math.abs(theirLogprob - ours.steps[step].logprob));
  worstMargin = Math.max(worstMargin, (max - logNorm) - theirLogprob);
  if (argmax === ourToken) agree++;
}
console.log(JSON.stringify({model: modelPath.split('/').pop(), steps: ours.steps.length, argmax_agree: agree,
  max_logprob_diff: Number(worstLogprob.toExponential(3)), max_margin_below_argmax: Number(worstMargin.toExponential(3))}));
process.exit(0);
