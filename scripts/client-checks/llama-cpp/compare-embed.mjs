// Embeddings and rerank scores compared with llama.cpp on one GGUF file. qwen4j's output (`qwen4j embed --json
// --no-normalize` or `qwen4j rerank --json`) is read on stdin; the same texts go through llama.cpp's embedding or
// ranking context (made as node-llama-cpp makes them), which pools by the file's {arch}.pooling_type (none: the last token's state) and, for rerank,
// takes the softmax of the classifier head (cls.output.weight) at the last token, "yes" first.
// The texts are tokenized by llama.cpp here (the token counts are compared too); for rerank the prompt is
// Qwen3-Reranker's, written out from its model card.
// Usage: qwen4j embed -m F --json --no-normalize TEXT... | node compare-embed.mjs F THREADS embed TEXT...
//        qwen4j rerank -m F --json --query Q DOC...     | node compare-embed.mjs F THREADS rerank Q DOC...
import {getLlama, LlamaLogLevel} from 'node-llama-cpp';

const [modelPath, threads, mode, ...texts] = process.argv.slice(2);
const ours = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (d) => (text += d)).on('end', () => resolve(text));
}));
const llama = await getLlama({gpu: false, logLevel: LlamaLogLevel.error, build: 'never'});
const model = await llama.loadModel({modelPath});
// As compare.mjs: an F32 KV cache and no flash attention, so that on F32 weights both compute the same function.
// node-llama-cpp's embedding and ranking contexts do not pass these on; the context is made here, as they make it.
const context = await model.createContext({contextSize: 512, threads: Number(threads ?? 1), flashAttention: false,
  experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32', _embeddings: true, _ranking: mode === 'rerank'});
const sequence = context.getSequence();
// the final state(s) pooled by the context's pooling type; for rank pooling, the classifier's softmax ("yes" first)
async function evaluate(tokens, size) {
  await sequence.eraseContextTokenRanges([{start: 0, end: sequence.nextTokenIndex}]);
  for await (const token of sequence.evaluate(tokens, {_noSampling: true})) break;
  return Array.from(context._ctx.getEmbedding(tokens.length, size));
}
const report = {model: modelPath.split('/').pop(), mode};

if (mode === 'embed') {
  const pooling = ours.pooling;
  let worst = 0;
  let scale = 0;
  let tokensAgree = 0;
  let minCosine = 1;
  for (let i = 0; i < texts.length; i++) {
    const tokens = model.tokenize(texts[i], true);
    // Qwen3-Embedding's tokenizer ends a text with <|endoftext|> for last-token pooling (qwen4j appends it too)
    if (pooling === 'last') tokens.push(model.tokenize('<|endoftext|>', true)[0]);
    if (tokens.length === ours.data[i].tokens) tokensAgree++;
    const theirs = await evaluate(tokens, 0);
    const mine = ours.data[i].embedding;
    if (theirs.length !== mine.length) throw new Error(`text ${i}: ${theirs.length} values vs ${mine.length}`);
    let dot = 0, aa = 0, bb = 0;
    for (let j = 0; j < mine.length; j++) {
      worst = Math.max(worst, Math.abs(theirs[j] - mine[j]));
      scale = Math.max(scale, Math.abs(theirs[j]));
      dot += theirs[j] * mine[j];
      aa += theirs[j] * theirs[j];
      bb += mine[j] * mine[j];
    }
    minCosine = Math.min(minCosine, dot / Math.sqrt(aa * bb));
  }
  Object.assign(report, {pooling, texts: texts.length, token_counts_agree: tokensAgree,
    max_abs_diff: Number(worst.toExponential(3)), max_abs_value: Number(scale.toPrecision(4)), min_cosine: Number(minCosine.toFixed(8))});
} else if (mode === 'rerank') {
  const [query, ...documents] = texts;
  const prompt = (document) => '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query'
    + ' and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n'
    + '<Instruct>: Given a web search query, retrieve relevant passages that answer the query\n<Query>: ' + query
    + '\n<Document>: ' + document + '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n';
  let worst = 0;
  const scores = [];
  for (let i = 0; i < documents.length; i++) {
    const theirs = (await evaluate(model.tokenize(prompt(documents[i]), true), 1))[0];
    const mine = ours.results.find((r) => r.index === i).relevance_score;
    worst = Math.max(worst, Math.abs(theirs - mine));
    scores.push([Number(mine.toFixed(6)), Number(theirs.toFixed(6))]);
  }
  Object.assign(report, {documents: documents.length, scores_qwen4j_llamacpp: scores,
    max_abs_diff: Number(worst.toExponential(3))});
} else {
  throw new Error(`unknown mode '${mode}' (embed, rerank)`);
}
console.log(JSON.stringify(report));
process.exit(0);
