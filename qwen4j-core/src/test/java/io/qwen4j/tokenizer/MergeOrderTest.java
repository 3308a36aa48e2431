package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The merge table does not depend on where merge results sit in the vocabulary: Qwen's put merge {@code r}'s
 * result at id {@code 256 + r} (checked first, as a shortcut), other orders go through the token index. The same
 * vocabulary with ids moved must encode to the same tokens, renamed.
 */
class MergeOrderTest {

    private static Vocabulary qwen3;
    private static Tokenizer original;
    private static final List<String> TEXTS = List.of(
            "Hello, world! The quick brown fox jumps over the lazy dog.",
            "def merge_sort(xs):\n    return sorted(xs)  # 123456789",
            "Привет, как дела? 日本語のテキストと한국어 텍스트. Ελληνικά και العربية.",
            "<|im_start|>user\nTokenization of   spaces\t\tand tabs<|im_end|>");

    @BeforeAll
    static void load() {
        qwen3 = Vocabulary.fromHuggingFace(SharedData.QWEN3);
        original = Tokenizer.fromVocabulary(qwen3);
    }

    /** {@code qwen3} with token {@code id} moved to {@code newId.get(id)} (a permutation). */
    private static Vocabulary permuted(Map<Integer, Integer> newId, int size) {
        List<String> tokens = new ArrayList<>(java.util.Collections.nCopies(size, (String) null));
        int[] types = new int[size];
        int[] originalTypes = qwen3.tokenTypes(); // a copy per call
        for (int id = 0; id < qwen3.tokens().size(); id++) {
            int to = newId.getOrDefault(id, id);
            tokens.set(to, qwen3.tokens().get(id));
            types[to] = originalTypes[id];
        }
        for (int id = 0; id < size; id++) {
            if (tokens.get(id) == null) {
                tokens.set(id, "[PAD" + id + "]");
                types[id] = Vocabulary.TYPE_UNUSED;
            }
        }
        Map<String, Integer> special = new HashMap<>();
        qwen3.specialIds().forEach((name, id) -> special.put(name, newId.getOrDefault(id, id)));
        return new Vocabulary(qwen3.model(), qwen3.pre(), tokens, types, qwen3.merges(), special, qwen3.addBosToken());
    }

    private static void assertSameTokensRenamed(Tokenizer moved, Map<Integer, Integer> newId) {
        for (String text : TEXTS) {
            int[] expected = original.encode(text).clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] = newId.getOrDefault(expected[i], expected[i]);
            }
            assertArrayEquals(expected, moved.encode(text), text);
        }
    }

    @Test
    void everyIdShiftedByOneGoesThroughTheIndex() {
        int size = qwen3.tokens().size();
        Map<Integer, Integer> newId = new HashMap<>();
        for (int id = 0; id < size; id++) {
            newId.put(id, (id + 1) % size); // the last (padding) token wraps to id 0: no merge result at 256 + r
        }
        assertSameTokensRenamed(Tokenizer.fromVocabulary(permuted(newId, size)), newId);
    }

    @Test
    void swappedMergeResultsAreFoundWhereTheyAre() {
        // the results of the first merges, which the texts above use, swapped in pairs
        Map<Integer, Integer> newId = new HashMap<>();
        for (int id = 256; id < 256 + 2000; id += 2) {
            newId.put(id, id + 1);
            newId.put(id + 1, id);
        }
        int[] ids = original.encode(TEXTS.get(0));
        assertNotEquals(0, java.util.Arrays.stream(ids).filter(id -> id >= 256 && id < 2256).count(),
                "the text must use some of the swapped tokens");
        assertSameTokensRenamed(Tokenizer.fromVocabulary(permuted(newId, qwen3.tokens().size())), newId);
    }
}
