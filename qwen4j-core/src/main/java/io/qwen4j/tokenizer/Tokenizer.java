package io.qwen4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Qwen2/Qwen3 byte-level BPE tokenizer with HF {@code tokenizers} semantics.
 *
 * <p>Encoding: (1) lone UTF-16 surrogates become U+FFFD; (2) added tokens are split out of the raw text,
 * longest first ({@link AddedTokenMatcher}); (3) each stretch between them is NFC-normalized and (4) split by
 * Qwen's regex ({@link QwenPreTokenizer}); (5) each piece's UTF-8 bytes are merged by BPE
 * ({@link BytePairEncoder}). Decoding maps tokens back to bytes and decodes UTF-8 lossily ({@link Utf8}).
 *
 * <p>Immutable and thread-safe; build one per model and share it.
 */
public final class Tokenizer {
    /** Byte-level BPE's base alphabet: one token per byte value. */
    private static final int BYTE_TOKENS = 256;

    private final Vocabulary vocabulary;
    private final byte[][] tokenBytes;
    private final TokenIndex idsByToken;
    private final AddedTokenMatcher addedTokens = new AddedTokenMatcher();
    private final Set<Integer> controlIds;
    private final BytePairEncoder bpe;

    private Tokenizer(Vocabulary vocabulary) {
        if (!vocabulary.model().equals("gpt2")) {
            throw new TokenizerException("tokenizer model " + vocabulary.model() + " is not supported (only gpt2)");
        }
        if (!vocabulary.pre().equals("qwen2")) {
            throw new TokenizerException("pre-tokenizer " + vocabulary.pre() + " is not supported (only qwen2)");
        }
        this.vocabulary = vocabulary;
        int size = vocabulary.tokens().size();
        tokenBytes = new byte[size][];
        idsByToken = new TokenIndex(vocabulary.tokens());
        Set<Integer> control = new LinkedHashSet<>();
        for (int id = 0; id < size; id++) {
            String token = vocabulary.tokens().get(id);
            int type = vocabulary.tokenType(id);
            switch (type) {
                case Vocabulary.TYPE_CONTROL, Vocabulary.TYPE_USER_DEFINED -> {
                    addedTokens.add(token, id, type == Vocabulary.TYPE_CONTROL);
                    tokenBytes[id] = token.getBytes(StandardCharsets.UTF_8);
                    if (type == Vocabulary.TYPE_CONTROL) {
                        control.add(id);
                    }
                }
                // Padding rows of the embedding have no text, as in llama.cpp.
                case Vocabulary.TYPE_UNUSED -> tokenBytes[id] = new byte[0];
                default -> tokenBytes[id] = ByteLevel.bytesOf(token);
            }
        }
        controlIds = Collections.unmodifiableSet(control);
        bpe = new BytePairEncoder(mergeTable(vocabulary), byteTokenIds());
    }

    /** Loads {@code tokenizer.json} and {@code tokenizer_config.json} from an HF model folder. */
    public static Tokenizer fromHuggingFace(Path dir) {
        // HF semantics: only tokens flagged special are control tokens (see AddedTokenTypes).
        return new Tokenizer(HuggingFaceTokenizerFiles.read(dir, -1, HuggingFaceTokenizerFiles.AddedTokenTypes.HF_SPECIAL_FLAG));
    }

    public static Tokenizer fromVocabulary(Vocabulary vocabulary) {
        return new Tokenizer(vocabulary);
    }

    /** Token ids of {@code text}, with special tokens such as {@code <|im_start|>} parsed. */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Token ids of {@code text}. With {@code parseSpecial} false, control tokens ({@code <|im_start|>}, ...)
     * are encoded as plain text, while user-defined added tokens ({@code <think>}, {@code <tool_call>})
     * still become single tokens, as with HF's {@code split_special_tokens} and llama.cpp's
     * {@code parse_special=false}.
     */
    public int[] encode(String text, boolean parseSpecial) {
        String clean = replaceLoneSurrogates(text);
        IntList ids = new IntList();
        int plainStart = 0;
        for (int i = 0; i < clean.length(); ) {
            long match = addedTokens.longestAt(clean, i, parseSpecial);
            if (match < 0) {
                i++;
                continue;
            }
            encodePlain(clean.substring(plainStart, i), ids);
            ids.add((int) (match >>> 32));
            i += (int) match;
            plainStart = i;
        }
        encodePlain(clean.substring(plainStart), ids);
        return ids.toArray();
    }

    private void encodePlain(String text, IntList ids) {
        if (text.isEmpty()) {
            return;
        }
        String normalized = nfc(text);
        QwenPreTokenizer.split(normalized, (start, end) -> bpe.encode(normalized, start, end, ids));
    }

    /**
     * NFC of the text, normalizing only the lines that need it: nothing composes with a line feed and it
     * has combining class 0, so NFC(a + "\n" + b) = NFC(a) + "\n" + NFC(b), and one odd line in a big
     * document does not cost a normalization of the whole document.
     */
    static String nfc(String text) {
        if (Normalizer.isNormalized(text, Normalizer.Form.NFC)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int start = 0; start < text.length(); ) {
            int newline = text.indexOf('\n', start);
            int end = newline < 0 ? text.length() : newline + 1;
            String line = text.substring(start, end);
            out.append(Normalizer.isNormalized(line, Normalizer.Form.NFC)
                    ? line : Normalizer.normalize(line, Normalizer.Form.NFC));
            start = end;
        }
        return out.toString();
    }

    /** The text of {@code ids}, special tokens included; invalid UTF-8 becomes U+FFFD. */
    public String decode(int[] ids) {
        var bytes = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            bytes.writeBytes(bytes(id));
        }
        byte[] all = bytes.toByteArray();
        StringBuilder out = new StringBuilder(all.length);
        Utf8.decode(all, 0, all.length, out, true);
        return out.toString();
    }

    /** A decoder for generated tokens that never emits half a character. */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** The bytes token {@code id} stands for (its text for added tokens, nothing for padding). */
    public byte[] bytes(int id) {
        checkId(id);
        return tokenBytes[id].clone();
    }

    byte[] bytesShared(int id) {
        checkId(id);
        return tokenBytes[id];
    }

    public int size() {
        return tokenBytes.length;
    }

    /** The token's string as stored in the vocabulary (byte-level alphabet for BPE tokens, e.g. "Ġthe"). */
    public String token(int id) {
        checkId(id);
        return vocabulary.tokens().get(id);
    }

    public OptionalInt id(String token) {
        int id = idsByToken.find(token);
        return id == TokenIndex.NONE ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** True for control tokens such as {@code <|im_end|>}. */
    public boolean isSpecial(int id) {
        checkId(id);
        return vocabulary.tokenType(id) == Vocabulary.TYPE_CONTROL;
    }

    /** Ids of all control tokens, ascending. */
    public Set<Integer> controlIds() {
        return controlIds;
    }

    public Optional<Integer> eosId() {
        return Optional.ofNullable(vocabulary.specialIds().get("eos"));
    }

    public Optional<Integer> bosId() {
        return Optional.ofNullable(vocabulary.specialIds().get("bos"));
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokenBytes.length) {
            throw new TokenizerException("unknown token id " + id + " (vocabulary has " + tokenBytes.length
                    + " tokens)");
        }
    }

    private MergeTable mergeTable(Vocabulary v) {
        int n = v.merges().size();
        int[] lefts = new int[n];
        int[] rights = new int[n];
        int[] merged = new int[n];
        for (int rank = 0; rank < n; rank++) {
            String merge = v.merges().get(rank);
            int space = merge.indexOf(' ');
            if (space <= 0 || space == merge.length() - 1 || merge.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerException("merge " + rank + " \"" + merge + "\" is not two tokens separated by a space");
            }
            // Looked up in place: no substring is built unless a token is missing (see TokenIndex).
            int end = merge.length();
            lefts[rank] = idsByToken.find(merge, 0, space);
            rights[rank] = idsByToken.find(merge, space + 1, end);
            // HF's BPE trainer (Qwen's vocabularies) puts merge r's result at id 256 + r, after the byte tokens:
            // looked up there first. The merge table was ~150 of the tokenizer's ~200 ms in a cold generate; with
            // the hint the tokenizer took 160-166 ms instead of 173-226 (4 interleaved runs, 0.6B Q8_0).
            merged[rank] = idsByToken.find(merge, 0, space, merge, space + 1, end, BYTE_TOKENS + rank);
            if (lefts[rank] == TokenIndex.NONE || rights[rank] == TokenIndex.NONE || merged[rank] == TokenIndex.NONE) {
                String left = merge.substring(0, space);
                String right = merge.substring(space + 1);
                String missing = lefts[rank] == TokenIndex.NONE ? left
                        : rights[rank] == TokenIndex.NONE ? right : left + right;
                throw new TokenizerException("merge " + rank + " \"" + merge + "\" uses " + missing
                        + ", which is not in the vocabulary");
            }
        }
        return new MergeTable(lefts, rights, merged);
    }

    private int[] byteTokenIds() {
        int[] ids = new int[BYTE_TOKENS];
        for (int b = 0; b < BYTE_TOKENS; b++) {
            int id = idsByToken.find(String.valueOf(ByteLevel.charOf(b)));
            if (id == TokenIndex.NONE) {
                throw new TokenizerException("the vocabulary lacks the byte token for byte 0x"
                        + Integer.toHexString(b) + " (" + ByteLevel.charOf(b) + ")");
            }
            ids[b] = id;
        }
        return ids;
    }

    static String replaceLoneSurrogates(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                if (chars == null) {
                    chars = text.toCharArray();
                }
                chars[i] = Utf8.REPLACEMENT;
            }
        }
        return chars == null ? text : new String(chars);
    }
}
