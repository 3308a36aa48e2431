package io.qwen4j.loader;

import io.qwen4j.InvalidInputException;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.tokenizer.Vocabulary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves a {@link Vocabulary} in and out of GGUF {@code tokenizer.ggml.*} metadata, with the keys and
 * value types llama.cpp's converter uses, so the tokenizer package never needs to know about GGUF.
 */
public final class GgufVocabulary {

    static final String MODEL = "tokenizer.ggml.model";
    static final String PRE = "tokenizer.ggml.pre";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String MERGES = "tokenizer.ggml.merges";
    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    /** Special ids are stored as {@code tokenizer.ggml.<name>_token_id}. */
    static final List<String> SPECIAL_NAMES = List.of("bos", "eos", "unknown", "separator", "padding", "cls", "mask",
            "eot", "eom", "fim_pre", "fim_suf", "fim_mid", "fim_pad", "fim_rep", "fim_sep");

    private GgufVocabulary() {
    }

    public static void write(GgufWriter writer, Vocabulary vocabulary) {
        writer.putString(MODEL, vocabulary.model());
        writer.putString(PRE, vocabulary.pre());
        writer.putStrings(TOKENS, vocabulary.tokens());
        writer.putInt32s(TOKEN_TYPE, vocabulary.tokenTypes());
        writer.putStrings(MERGES, vocabulary.merges());
        for (String name : SPECIAL_NAMES) {
            Integer id = vocabulary.specialIds().get(name);
            if (id != null) {
                writer.putUInt32("tokenizer.ggml." + name + "_token_id", id);
            }
        }
        writer.putBool(ADD_BOS, vocabulary.addBosToken());
    }

    public static Vocabulary read(GgufMetadata metadata) {
        if (!metadata.contains(TOKENS)) {
            throw new InvalidInputException("the model has no tokenizer (" + TOKENS + " is missing)");
        }
        String model = metadata.getString(MODEL);
        if (!model.equals("gpt2")) {
            throw new InvalidInputException("unsupported tokenizer model '" + model + "' (" + MODEL
                    + "); qwen4j reads byte-level BPE (gpt2) tokenizers");
        }
        List<String> tokens = metadata.getStringArray(TOKENS);
        int[] types = metadata.contains(TOKEN_TYPE) ? metadata.getIntArray(TOKEN_TYPE) : normalTypes(tokens.size());
        List<String> merges = metadata.contains(MERGES) ? metadata.getStringArray(MERGES) : List.of();
        Map<String, Integer> special = new LinkedHashMap<>();
        for (String name : SPECIAL_NAMES) {
            String key = "tokenizer.ggml." + name + "_token_id";
            if (metadata.contains(key)) {
                special.put(name, metadata.getInt(key));
            }
        }
        return new Vocabulary(model, metadata.findString(PRE).orElse("default"), tokens, types, merges, special,
                metadata.getBoolean(ADD_BOS, false));
    }

    private static int[] normalTypes(int count) {
        int[] types = new int[count];
        java.util.Arrays.fill(types, Vocabulary.TYPE_NORMAL);
        return types;
    }
}
