// Cross-checks qwen4j's tokenizer against transformers.js (an independent, pure-JS implementation of HF
// `tokenizers`) on a seeded multilingual corpus: every text is encoded by both (qwen4j in one
// `tokenize --jsonl` batch), and a sample of id lists is decoded by both (`detokenize`, one JVM each).
// Usage: node compare.mjs TOKENIZER_DIR [--count N] [--seed S] [--decode N] [--minimize]
//   QWEN4J=path/to/launcher overrides the qwen4j command (default: the repository's ./qwen4j).
// Exit status 1 when any text or decode differs.
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {env, AutoTokenizer} from '@huggingface/transformers';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const dir = path.resolve(args[0] ?? path.join(here, '../../../../shared/qwen/qwen3'));
const count = Number(option('--count', 3000));
const seed = Number(option('--seed', 20240611));
const decodeSamples = Number(option('--decode', 50));
const qwen4j = process.env.QWEN4J ?? path.join(here, '../../../qwen4j');

// Offline: the folder is a "model id" under localModelPath; nothing is fetched.
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(dir) + path.sep;
const tok = await AutoTokenizer.from_pretrained(path.basename(dir));
const version = JSON.parse(readFileSync(path.join(here, 'node_modules/@huggingface/transformers/package.json'))).version;
const vocab = tok._tokenizer.model.vocab; // id -> byte-level token string
const addedTokens = tok._tokenizer.added_tokens.map((t) => t.content);

// Code points assigned after Unicode 14.0 (node 20's ICU knows Unicode 17; HF tokenizers' Oniguruma 6.9.8
// knows 14.0, so these are not \p{L}/\p{N} there). Computed as node's \P{Cn} minus Python 3.11's
// unicodedata (14.0.0); among the code points assigned in 14.0, \p{L}/\p{N} agree between the two versions.
const NEW_SINCE_14 = ('88F,897,C5C,CDC,CF3,ECE,1ACF-1ADD,1AE0-1AEB,1B4E-1B4F,1B7F,1C89-1C8A,20C1,2427-2429,'
  + '2B96,2FFC-2FFF,31E4-31E5,31EF,A7CB-A7CF,A7D2,A7D4,A7DA-A7DC,A7F1,FBC3-FBD2,FD90-FD91,FDC8-FDCE,105C0-105F3,'
  + '10940-10959,10D40-10D65,10D69-10D85,10D8E-10D8F,10EC2-10EC7,10ED0-10ED8,10EFA-10EFF,1123F-11241,11380-11389,'
  + '1138B,1138E,11390-113B5,113B7-113C0,113C2,113C5,113C7-113CA,113CC-113D5,113D7-113D8,113E1-113E2,116D0-116E3,'
  + '11B00-11B09,11B60-11B67,11BC0-11BE1,11BF0-11BF9,11DB0-11DDB,11DE0-11DE9,11F00-11F10,11F12-11F3A,11F3E-11F5A,'
  + '1342F,13439-13455,13460-143FA,16100-16139,16D40-16D79,16EA0-16EB8,16EBB-16ED3,16FF2-16FF6,187F8-187FF,18CFF,'
  + '18D09-18D1E,18D80-18DF2,1B132,1B155,1CC00-1CCFC,1CD00-1CEB3,1CEBA-1CED0,1CEE0-1CEF0,1D2C0-1D2D3,1DF25-1DF2A,'
  + '1E030-1E06D,1E08F,1E4D0-1E4F9,1E5D0-1E5FA,1E5FF,1E6C0-1E6DE,1E6E0-1E6F5,1E6FE-1E6FF,1F6D8,1F6DC,1F774-1F77F,'
  + '1F7D9,1F8B2-1F8BB,1F8C0-1F8C1,1F8D0-1F8D8,1FA54-1FA57,1FA75-1FA77,1FA87-1FA8A,1FA8E-1FA8F,1FAAD-1FAAF,'
  + '1FABB-1FABF,1FAC6,1FAC8,1FACD-1FACF,1FADA-1FADC,1FADF,1FAE8-1FAEA,1FAEF,1FAF7-1FAF8,1FBCB-1FBEF,1FBFA,'
  + '2B739-2B73F,2CEA2-2CEAD,2EBF0-2EE5D,31350-33479')
  .split(',').map((r) => r.split('-').map((h) => parseInt(h, 16))).map(([a, b]) => [a, b ?? a]);
const newSince14 = (cp) => NEW_SINCE_14.some(([a, b]) => cp >= a && cp <= b);
const unassigned = /\p{Cn}|\p{Cs}/u;
const inUnicode14 = (cp) => !unassigned.test(String.fromCodePoint(cp)) && !newSince14(cp);

// ---- seeded corpus --------------------------------------------------------------------------------
let state = seed >>> 0;
const rand = () => { // mulberry32
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const repeat = (n, f) => Array.from({length: n}, f).join('');
const range = (a, b) => () => String.fromCodePoint(int(a, b));
const word = (gen, lo = 1, hi = 8) => repeat(int(lo, hi), gen);

const phrases = [
  'The quick brown fox jumps over the lazy dog.', 'Hello, world!', 'naïve café résumé coöperate',
  '我们今天去北京大学看看吧。', '人工智能正在改变世界，机器学习是其中的关键技术。', '繁體中文與簡體中文',
  'こんにちは、世界！今日はいい天気ですね。', 'カタカナとひらがなと漢字を混ぜた文章です。', 'ｶﾀｶﾅ半角',
  '안녕하세요, 세계! 오늘 날씨가 좋네요.', '한국어 형태소 분석기', 'مرحبا بالعالم! كيف حالك؟',
  'السَّلَامُ عَلَيْكُمْ', 'שָׁלוֹם עוֹלָם', 'שלום, מה שלומך?', 'नमस्ते दुनिया! आप कैसे हैं?', 'क्षत्रिय ज्ञान श्री',
  'สวัสดีชาวโลก ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ', 'Привет, мир! Съешь же ещё этих мягких французских булок.',
  'Γειά σου Κόσμε! Ἐν ἀρχῇ ἦν ὁ λόγος.', 'Ελληνικά: αβγδεζηθικλμνξοπρστυφχψω', 'Tiếng Việt có dấu: Trường Sa',
  'Türkçe: İstanbul, ıiİI, şğüöç', 'Deutsch: Straße, Größe, ẞ', 'Polski: Zażółć gęślą jaźń',
  'ქართული ენა', 'Հայերեն լեզու', 'ትግርኛ ቋንቋ', 'ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ', 'ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ', 'བོད་ཡིག', 'සිංහල', 'தமிழ் மொழி',
  'తెలుగు', 'ಕನ್ನಡ', 'മലയാളം', 'বাংলা ভাষা', 'ગુજરાતી', 'ਪੰਜਾਬੀ', 'ଓଡ଼ିଆ', 'ລາວ', 'ខ្មែរ', 'မြန်မာဘာသာ',
];
const emoji = ['😀', '😂', '🤖', '🎉', '❤️', '👍', '👍🏽', '👋🏿', '🧑🏻‍🚀', '👨‍👩‍👧‍👦', '👩🏽‍💻', '🏳️‍🌈',
  '🏴‍☠️', '🇺🇸', '🇯🇵🇰🇷', '1️⃣', '#️⃣', '🫠', '🥲', '🪐', '🫶🏼', '🧔‍♀️', '❤️‍🔥', '🐈‍⬛', '☺', '✔️', '©️', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'];
const codeSnippets = [
  'def f(x):\n    return x ** 2  # square\n', 'for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}\n',
  'const re = /^[a-z]+$/u;\nconsole.log(re.test("abc"));', '{"key": [1, 2.5, -3e10, null, true], "k2": {}}',
  '<div class="x">&nbsp;&lt;tag&gt;</div>', 'SELECT * FROM users WHERE id = 42 AND name LIKE \'%o\';',
  'fn main() { let v: Vec<u8> = vec![0xFF; 16]; println!("{:?}", v); }', '#include <stdio.h>\nint main(void){return 0;}',
  'if [ -z "$HOME" ]; then echo "no home" >&2; exit 1; fi', '    public static void main(String[] args) {}\r\n',
  'x = [i*i for i in range(10) if i % 2 == 0]', 'a->b->c; *p++ = **q; x <<= 3; y >>>= 1;',
  '```python\nprint("hi")\n```', '// TODO: fix this\n/* block\n * comment */', 'lambda: None  ## \t\t',
];
const punct = ['.', ',', '!', '?', ';', ':', '-', '--', '...', '(', ')', '[', ']', '{', '}', '"', "'", '`', '~', '@',
  '#', '$', '%', '^', '&', '*', '_', '+', '=', '|', '\\', '/', '<', '>', '、', '。', '！', '？', '…', '—', '–',
  '«', '»', '„', '“', '”', '‘', '’', '¿', '¡', '·', '•', '※', '「', '」', '『', '』', '【', '】', '→', '∑', '€', '¥'];
const spaces = [' ', '  ', '   ', '\t', '\n', '\r\n', '\r', '\n\n', ' \n', '\t\n', ' \t ', '\u00a0', '\u3000',
  '\u2028', '\u2029', '\u0085', '\u000b', '\u000c', '\u2003', '\u200b', '\ufeff', '\u180e', '\u202f', '\u205f'];
const contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'M", "'LL", "'D",
  "'rE", "'lL", "’s", "'ſ", "''s", "'", "'x", "'reve", "'dd", "'lll"];
const cased = ["don't", "I'm", "WE'RE", "they've", "It's", "you'll", "he'd", "DON'T", "Y'ALL", "rock'n'roll",
  "o'clock", "'tis", "can't've"];
const specials = [...addedTokens, '<think>', '</think>', '<tool_call>', '</tool_call>',
  '<|im_start', 'im_end|>', '<|im_start|', '<think >', '<THINK>', '<|endoftext|>>', '<<|im_end|>', '</think',
  '<|im_start|><|im_end|>', '<|endoftext|><|endoftext|>'];

// A random assigned (Unicode 14) code point; planes weighted towards scripts, emoji and CJK.
const randomCodePoint = () => {
  for (;;) {
    const r = rand();
    const cp = r < 0.45 ? int(0, 0xffff) : r < 0.6 ? int(0x10000, 0x1ffff) : r < 0.75 ? int(0x20000, 0x3134a)
      : r < 0.8 ? int(0xe0000, 0xe01ef) : r < 0.82 ? int(0xf0000, 0xffffd) : int(0x80, 0x2fff);
    if (inUnicode14(cp)) return String.fromCodePoint(cp);
  }
};
const combining = () => String.fromCodePoint(int(0x300, 0x36f));
const digits = (n) => repeat(n, () => String(int(0, 9)));

const fragments = {
  latin: () => pick(['the', 'and', 'Hello', 'WORLD', 'tokenizer', 'antidisestablishmentarianism', 'a', 'I',
    'qwen', 'Qwen3', 'x', 'foo_bar', 'camelCaseWord', 'ÆØÅ', 'ŒUVRE']),
  accented: () => word(range(0xc0, 0x24f)),
  cjk: () => word(range(0x4e00, 0x9fff), 1, 12),
  cjkExt: () => word(() => String.fromCodePoint(int(0x20000, 0x2a6df)), 1, 3),
  kana: () => word(() => (rand() < 0.5 ? range(0x3041, 0x3096) : range(0x30a1, 0x30fa))() + (rand() < 0.1 ? 'ー' : '')),
  hangul: () => word(range(0xac00, 0xd7a3), 1, 6),
  jamo: () => repeat(int(1, 3), () => range(0x1100, 0x1112)() + range(0x1161, 0x1175)() + (rand() < 0.5 ? range(0x11a8, 0x11c2)() : '')),
  arabic: () => word(() => range(0x621, 0x64a)() + (rand() < 0.3 ? range(0x64b, 0x652)() : '')),
  hebrew: () => word(() => range(0x5d0, 0x5ea)() + (rand() < 0.3 ? range(0x5b0, 0x5bc)() : '')),
  devanagari: () => word(() => range(0x915, 0x939)() + pick(['', '', '\u094d', range(0x93e, 0x94c)(), '\u0902', '\u093c'])),
  thai: () => word(() => range(0xe01, 0xe2e)() + pick(['', '', range(0xe31, 0xe3a)(), range(0xe47, 0xe4e)()]), 2, 10),
  cyrillic: () => word(range(0x410, 0x44f)),
  greek: () => word(() => (rand() < 0.8 ? range(0x3b1, 0x3c9) : range(0x1f00, 0x1f15))()),
  phrase: () => pick(phrases),
  emoji: () => repeat(int(1, 3), () => pick(emoji) + (rand() < 0.2 ? String.fromCodePoint(int(0x1f3fb, 0x1f3ff)) : '')),
  randomEmoji: () => String.fromCodePoint(int(0x1f300, 0x1f64f)),
  combining: () => repeat(int(1, 3), () => pick(['a', 'e', 'o', 'u', 'n', 'c', 'A', 'Z', 'ı', 'α', 'и', ' ', '1'])
    + repeat(int(1, 3), combining)),
  normalization: () => pick(['e\u0301', 'A\u030a', '\u212b', '\u2126', '\u1e9b\u0323', 'o\u0308\u0301', '\uf900',
    '\ufa10', '\u0344', '\u0958', 'ﬁ', '①', '\u1100\u1161\u11a8', '\uac00\u11a8', 'q\u0307\u0323', '\u0f73']),
  number: () => digits(int(1, 30)),
  formatted: () => pick([`${digits(int(1, 4))},${digits(3)}.${digits(2)}`, `-${digits(int(1, 6))}`,
    `${digits(1)}.${digits(int(1, 8))}e-${digits(2)}`, `0x${word(() => pick('0123456789abcdef'))}`, `v${int(0, 9)}.${int(0, 20)}.${int(0, 99)}`,
    `${int(1, 12)}/${int(1, 31)}/${int(1900, 2100)}`, `${int(0, 23)}:${digits(2)}`, '３１４', '٣١٤', '४२', '²³¹', 'Ⅻ', '½', '①②']),
  whitespace: () => repeat(int(1, 6), () => pick(spaces)),
  contraction: () => pick(['', 'it', 'I', 'x', ' ', '日本', '1']) + pick(contractions) + pick(['', ' ', 'x', 's', '\n']),
  cased: () => pick(cased),
  code: () => pick(codeSnippets),
  punctuation: () => repeat(int(1, 8), () => pick(punct)) + (rand() < 0.3 ? pick(['\n', '\r\n', '\n\n']) : ''),
  ascii: () => repeat(int(1, 40), () => String.fromCharCode(int(0x20, 0x7e))),
  control: () => String.fromCharCode(pick([0, 1, 7, 8, 0x1b, 0x7f, 0x80, 0x9f, 0xad])),
  randomCodePoints: () => repeat(int(1, 12), randomCodePoint),
  special: () => pick(specials),
};
const names = Object.keys(fragments);
const separator = () => pick(['', '', ' ', ' ', '\n', '\t', '  ', '\r\n', ', ']);

const texts = ['', ' ', '\n', 'a', '<|im_start|>', '<think>\n\n</think>\n\n',
  '<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n'
  + '<think>\nThe user greets me.\n</think>\n\nHello! 👋<|im_end|>\n',
  '<tool_call>\n{"name": "get_weather", "arguments": {"city": "東京"}}\n</tool_call><|im_end|>',
  'a'.repeat(5000), '1'.repeat(3000), ' '.repeat(4000) + 'x', '\n'.repeat(500), '中'.repeat(2000), '😀'.repeat(500),
  'e' + '\u0301'.repeat(200), "'s".repeat(300)];
while (texts.length < count) {
  const r = rand();
  if (r < 0.25) { // one category, several fragments
    const f = fragments[pick(names)];
    texts.push(repeat(int(1, 4), () => f() + separator()));
  } else if (r < 0.95) { // a mix
    texts.push(repeat(int(2, 10), () => fragments[pick(names)]() + separator()));
  } else { // long mixed text
    texts.push(repeat(int(100, 400), () => fragments[pick(names)]() + separator()));
  }
}

// ---- qwen4j ------------------------------------------------------------------------------------------
const run = (argv, input) => new Promise((resolve, reject) => {
  const child = spawn(qwen4j, argv, {stdio: ['pipe', 'pipe', 'pipe']});
  const out = [];
  const err = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  child.on('error', reject);
  child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out))
    : reject(new Error(`${qwen4j} ${argv.slice(0, 3).join(' ')} exited ${code}: ${Buffer.concat(err)}`))));
  child.stdin.end(input ?? '');
});
const qwen4jEncode = async (batch) => {
  const out = await run(['tokenize', '--tokenizer', dir, '--jsonl'], batch.map((text) => JSON.stringify({text})).join('\n') + '\n');
  const lines = out.toString('utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
  if (lines.length !== batch.length) throw new Error(`qwen4j answered ${lines.length} lines for ${batch.length}`);
  return lines.map((l) => l.ids ?? l);
};
const hfEncode = (text) => tok.encode(text, {add_special_tokens: false});
const sameIds = (a, b) => Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);

// ---- reporting ------------------------------------------------------------------------------------------
const show = (id) => (id === undefined ? '(end)' : `${id} ${JSON.stringify(vocab[id])}`);
const excerpt = (text) => (text.length <= 400 ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, 400))} … (${text.length} chars)`);
const describe = (text, ours, theirs) => {
  if (!Array.isArray(ours)) return `qwen4j error: ${JSON.stringify(ours)}`;
  let i = 0;
  while (i < ours.length && i < theirs.length && ours[i] === theirs[i]) i++;
  const from = Math.max(0, i - 3);
  return [`first difference at id #${i}: qwen4j ${show(ours[i])} vs transformers.js ${show(theirs[i])}`,
    `  qwen4j          [${from > 0 ? '…,' : ''}${ours.slice(from, i + 6).join(',')}${ours.length > i + 6 ? ',…' : ''}] (${ours.length} ids)`,
    `  transformers.js [${from > 0 ? '…,' : ''}${theirs.slice(from, i + 6).join(',')}${theirs.length > i + 6 ? ',…' : ''}] (${theirs.length} ids)`].join('\n');
};
// (a) when the text holds a code point that HF's Unicode 14 tables do not know.
const unicodeVersionSuspect = (text) => [...text].some((c) => !inUnicode14(c.codePointAt(0)));

// Shrinks a failing text by deleting code-point chunks while it still fails (one qwen4j batch per round).
const minimize = async (text) => {
  let cps = [...text];
  for (let chunk = Math.max(1, cps.length >> 1); chunk >= 1;) {
    const candidates = [];
    for (let at = 0; at < cps.length; at += chunk) candidates.push([...cps.slice(0, at), ...cps.slice(at + chunk)]);
    const ours = await qwen4jEncode(candidates.map((c) => c.join('')));
    const failing = candidates.findIndex((c, i) => !sameIds(ours[i], hfEncode(c.join(''))));
    if (failing >= 0) {
      cps = candidates[failing];
      chunk = Math.max(1, Math.min(chunk, cps.length >> 1));
    } else {
      chunk = cps.length > 1 ? chunk >> 1 : 0;
    }
  }
  return cps.join('');
};

// ---- encode -------------------------------------------------------------------------------------------
const t0 = Date.now();
const ours = await qwen4jEncode(texts);
const mismatches = [];
texts.forEach((text, i) => {
  const theirs = hfEncode(text);
  if (!sameIds(ours[i], theirs)) mismatches.push({i, text, ours: ours[i], theirs});
});
console.log(`${path.basename(dir)}: transformers.js ${version}, `
  + `seed ${seed}: ${texts.length} texts (${texts.reduce((n, t) => n + t.length, 0)} UTF-16 units) encoded, `
  + `${mismatches.length} mismatch(es) [${Date.now() - t0} ms]`);
for (const m of mismatches.slice(0, 10)) {
  const kind = unicodeVersionSuspect(m.text) ? '(a) holds a code point new since Unicode 14' : 'unexplained';
  console.log(`- text #${m.i} ${kind}: ${excerpt(m.text)}\n${describe(m.text, m.ours, m.theirs)}`);
  if (args.includes('--minimize') && kind === 'unexplained') {
    const small = await minimize(m.text);
    const [smallOurs] = await qwen4jEncode([small]);
    console.log(`  minimal: ${JSON.stringify(small)} qwen4j ${JSON.stringify(smallOurs)} transformers.js ${JSON.stringify(hfEncode(small))}`);
  }
}

// ---- decode (a sample; one JVM per call, a few at a time) -----------------------------------------------
const decodeCases = [];
for (let k = 0; k < decodeSamples; k++) {
  if (k % 5 === 4) { // random ids, incl. partial UTF-8 byte tokens and added tokens
    decodeCases.push(Array.from({length: int(1, 30)}, () => (rand() < 0.1 ? int(151643, 151643 + addedTokens.length - 1)
      : rand() < 0.4 ? int(0, 255) : int(0, 151642))));
  } else {
    const ids = hfEncode(texts[int(0, texts.length - 1)]);
    decodeCases.push(ids.length > 0 ? ids.slice(0, 2000) : [9707]);
  }
}
let decodeMismatches = 0;
const parallel = availableParallelism();
for (let k = 0; k < decodeCases.length; k += parallel) {
  const batch = decodeCases.slice(k, k + parallel);
  const outs = await Promise.all(batch.map((ids) => run(['detokenize', '--tokenizer', dir, ids.join(',')])));
  batch.forEach((ids, j) => {
    const expected = tok.decode(ids, {skip_special_tokens: false, clean_up_tokenization_spaces: false});
    const got = outs[j].toString('utf8');
    if (got !== expected) {
      if (++decodeMismatches <= 10) {
        console.log(`- decode [${ids.join(',')}]:\n  qwen4j          ${excerpt(got)}\n  transformers.js ${excerpt(expected)}`);
      }
    }
  });
}
console.log(`${path.basename(dir)}: ${decodeCases.length} id lists decoded, ${decodeMismatches} mismatch(es)`);
process.exitCode = mismatches.length + decodeMismatches > 0 ? 1 : 0;
