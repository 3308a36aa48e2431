package io.qwen4j.chat.constrain;

import io.qwen4j.tokenizer.Tokenizer;
import io.qwen4j.tokenizer.Vocabulary;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Each token's bytes, read once per tokenizer and shared by every constraint on it. Control tokens
 * ({@code <|im_end|>}, {@code <|im_start|>}, ...) and tokens without bytes (padding rows) have no entry:
 * they never belong inside constrained text (end of turn is decided separately). User-defined added
 * tokens are marked: they may spell the grammar's tags but not sit inside a value's free text.
 */
final class TokenTable {
    private static final Map<Tokenizer, TokenTable> CACHE = new WeakHashMap<>();

    private final byte[][] bytes;
    private final boolean[] added;

    private TokenTable(Tokenizer tokenizer) {
        bytes = new byte[tokenizer.size()][];
        added = new boolean[bytes.length];
        int[] types = tokenizer.vocabulary().tokenTypes();
        for (int id = 0; id < bytes.length; id++) {
            byte[] text = tokenizer.bytes(id);
            bytes[id] = tokenizer.isSpecial(id) || text.length == 0 ? null : text;
            added[id] = types[id] == Vocabulary.TYPE_USER_DEFINED;
        }
    }

    static TokenTable of(Tokenizer tokenizer) {
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(tokenizer, TokenTable::new);
        }
    }

    /** The token's bytes, or null for ids outside the vocabulary, control tokens and empty tokens. */
    byte[] textOf(int token) {
        return token >= 0 && token < bytes.length ? bytes[token] : null;
    }

    /** Whether the token is a user-defined added token ({@code <think>}, {@code <tool_call>}, ...). */
    boolean isAdded(int token) {
        return added[token];
    }
}
