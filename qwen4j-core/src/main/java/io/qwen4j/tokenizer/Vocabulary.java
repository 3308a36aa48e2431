package io.qwen4j.tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A BPE tokenizer as plain data, in the form llama.cpp's converter writes as GGUF {@code tokenizer.ggml.*}
 * metadata: {@code model} ("gpt2" = byte-level BPE), {@code pre} ("qwen2" = Qwen's pre-tokenizer regex),
 * one string and one type per id (tokens in the byte-level alphabet, e.g. {@code Ġthe}; added tokens as
 * their text), merges as {@code "left right"} in rank order, and special token ids keyed as in the GGUF key
 * names ({@code "bos"}, {@code "eos"}, {@code "padding"}, ...: {@code tokenizer.ggml.<key>_token_id}).
 *
 * <p>The GGUF loader builds one from metadata and calls {@link Tokenizer#fromVocabulary}; the converter
 * path is {@link #fromHuggingFace(Path, int)}.
 */
public record Vocabulary(
        String model,
        String pre,
        List<String> tokens,
        int[] tokenTypes,
        List<String> merges,
        Map<String, Integer> specialIds,
        boolean addBosToken) {

    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    public Vocabulary {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(pre, "pre");
        tokens = List.copyOf(tokens);
        tokenTypes = tokenTypes.clone();
        merges = List.copyOf(merges);
        specialIds = Map.copyOf(specialIds);
        if (tokenTypes.length != tokens.size()) {
            throw new TokenizerException("vocabulary has " + tokens.size() + " tokens but "
                    + tokenTypes.length + " token types");
        }
        for (var entry : specialIds.entrySet()) {
            int id = entry.getValue();
            if (id < 0 || id >= tokens.size()) {
                throw new TokenizerException("special token " + entry.getKey() + " has id " + id
                        + ", outside the vocabulary of " + tokens.size() + " tokens");
            }
        }
    }

    /**
     * Reads an HF tokenizer folder ({@code tokenizer.json}, {@code tokenizer_config.json}) the way llama.cpp's
     * converter does for Qwen2/Qwen3: ids the tokenizer lacks up to {@code vocabSize} (the model's embedding
     * rows, 151,936 for Qwen3) become {@code [PAD<id>]} of type UNUSED; added tokens that are special or look
     * special ({@code <|...|>}) become CONTROL, other added tokens USER_DEFINED.
     *
     * @throws TokenizerException if the files are malformed, not a Qwen byte-level BPE tokenizer, or
     *                            {@code vocabSize} is smaller than the tokenizer
     */
    public static Vocabulary fromHuggingFace(Path dir, int vocabSize) {
        return HuggingFaceTokenizerFiles.read(dir, vocabSize, HuggingFaceTokenizerFiles.AddedTokenTypes.LLAMA_CPP_CONVERTER);
    }

    /** As {@link #fromHuggingFace(Path, int)} with exactly the tokenizer's own size (no padding). */
    public static Vocabulary fromHuggingFace(Path dir) {
        return HuggingFaceTokenizerFiles.read(dir, -1, HuggingFaceTokenizerFiles.AddedTokenTypes.LLAMA_CPP_CONVERTER);
    }

    @Override
    public int[] tokenTypes() {
        return tokenTypes.clone();
    }

    int tokenType(int id) {
        return tokenTypes[id];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && model.equals(v.model) && pre.equals(v.pre)
                && tokens.equals(v.tokens) && Arrays.equals(tokenTypes, v.tokenTypes)
                && merges.equals(v.merges) && specialIds.equals(v.specialIds) && addBosToken == v.addBosToken;
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, pre, tokens, Arrays.hashCode(tokenTypes), merges, specialIds, addBosToken);
    }

    @Override
    public String toString() {
        return "Vocabulary[model=" + model + ", pre=" + pre + ", tokens=" + tokens.size() + ", merges="
                + merges.size() + ", specialIds=" + specialIds + ", addBosToken=" + addBosToken + "]";
    }
}
