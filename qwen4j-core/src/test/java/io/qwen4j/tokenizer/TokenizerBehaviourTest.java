package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Special tokens, bad input, very long input, streaming, and the GGUF-shaped vocabulary. */
class TokenizerBehaviourTest {
    private static Tokenizer tokenizer;
    private static ReferenceTokenizer reference;

    @BeforeAll
    static void load() {
        tokenizer = SharedData.qwen3();
        reference = SharedData.qwen3Reference();
    }

    private static int[] ref(String text, boolean parseSpecial) {
        return reference.encode(text, parseSpecial).stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void chatMarkupRoundTripsWithOneIdPerSpecialToken() {
        String text = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>";
        int[] ids = tokenizer.encode(text);
        assertArrayEquals(ref(text, true), ids);
        assertEquals(151644, ids[0]);
        assertEquals(4, Arrays.stream(ids).filter(id -> id == 151644 || id == 151645).count());
        assertTrue(Arrays.stream(ids).anyMatch(id -> id == 151667));
        assertEquals(text, tokenizer.decode(ids));
    }

    @Test
    void lookAlikesOfAddedTokensArePlainText() {
        for (String text : List.of("<|im_start", "<think", "im_end|>", "<|im_end|", "< think>", "<THINK>")) {
            int[] ids = tokenizer.encode(text);
            assertTrue(Arrays.stream(ids).allMatch(id -> id < 151643), text);
            assertArrayEquals(ref(text, true), ids, text);
            assertEquals(text, tokenizer.decode(ids));
        }
    }

    @Test
    void withoutSpecialParsingControlTokensArePlainButUserDefinedOnesStillMatch() {
        int[] plain = tokenizer.encode("<|im_start|>user", false);
        assertTrue(Arrays.stream(plain).allMatch(id -> id < 151643));
        assertArrayEquals(ref("<|im_start|>user", false), plain);
        assertEquals("<|im_start|>user", tokenizer.decode(plain));
        assertArrayEquals(new int[] {151667, 151668}, tokenizer.encode("<think></think>", false));
        assertArrayEquals(new int[] {151657}, tokenizer.encode("<tool_call>", false));
    }

    @Test
    void tokenQueriesAndSpecialIds() {
        assertEquals(151_669, tokenizer.size());
        assertEquals(OptionalInt.of(151645), tokenizer.id("<|im_end|>"));
        assertEquals(OptionalInt.of(9707), tokenizer.id("Hello"));
        assertEquals(OptionalInt.empty(), tokenizer.id("no such token"));
        assertEquals("\u0120world", tokenizer.token(1879));
        assertTrue(tokenizer.isSpecial(151645));
        assertFalse(tokenizer.isSpecial(151667)); // <think> is user-defined
        assertFalse(tokenizer.isSpecial(9707));
        assertTrue(tokenizer.controlIds().contains(151643));
        assertFalse(tokenizer.controlIds().contains(151659)); // <|fim_prefix|>: special=false in tokenizer.json
        assertEquals(java.util.Optional.of(151645), tokenizer.eosId());
        assertEquals(java.util.Optional.of(151643), tokenizer.bosId());
    }

    @Test
    void emptyTextHasNoTokensAndNoIdsDecodeToEmptyText() {
        assertArrayEquals(new int[0], tokenizer.encode(""));
        assertEquals("", tokenizer.decode(new int[0]));
    }

    @Test
    void loneSurrogatesBecomeReplacementCharacters() {
        assertArrayEquals(tokenizer.encode("a\uFFFDb\uFFFD"), tokenizer.encode("a\uD800b\uDC00"));
        assertArrayEquals(tokenizer.encode("\uFFFD\uFFFD"), tokenizer.encode("\uDC00\uD800"));
        assertArrayEquals(tokenizer.encode("x\uFFFD"), tokenizer.encode("x\uD83D"));
        assertEquals("\uD83D\uDE00", tokenizer.decode(tokenizer.encode("\uD83D\uDE00")));
    }

    @Test
    void unknownIdsAreRejectedWithTheIdInTheMessage() {
        var tooBig = assertThrows(InvalidInputException.class, () -> tokenizer.decode(new int[] {1, 151_669}));
        assertTrue(tooBig.getMessage().contains("151669"), tooBig.getMessage());
        var negative = assertThrows(InvalidInputException.class, () -> tokenizer.decode(new int[] {-3}));
        assertTrue(negative.getMessage().contains("-3"), negative.getMessage());
        assertThrows(InvalidInputException.class, () -> tokenizer.newStreamingDecoder().next(200_000));
    }

    @Test
    void megabyteRunsOfOneCharacterAndTenMegabytesOfTextEncodeAndRoundTrip() {
        for (String unit : List.of("a", " ", "!", "7", "\n", "\u00E9")) {
            String text = unit.repeat(1 << 20);
            int[] ids = tokenizer.encode(text);
            assertTrue(ids.length > 0 && ids.length <= text.length(), unit);
            assertEquals(text, tokenizer.decode(ids), "round trip of a run of " + unit);
        }
        String sentence = "The quick brown fox can't jump 12 feet\u3002\u4F60\u597D\uFF01  \t\n";
        String big = sentence.repeat(10_000_000 / sentence.getBytes(StandardCharsets.UTF_8).length);
        int[] ids = tokenizer.encode(big);
        assertEquals(big, tokenizer.decode(ids));
        int[] once = tokenizer.encode(sentence + sentence);
        assertArrayEquals(Arrays.copyOf(ids, once.length), once);
    }

    @Test
    void streamingDecoderHoldsBackSplitCharactersAndFlushesLeftoversAsReplacement() {
        int[] bytes = new int[256];
        for (int b = 0; b < 256; b++) {
            bytes[b] = tokenizer.id(String.valueOf(ByteLevel.charOf(b))).orElseThrow();
        }
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        assertEquals("", decoder.next(bytes[0xF0]));
        assertEquals("", decoder.next(bytes[0x9F]));
        assertEquals("", decoder.next(bytes[0x98]));
        assertEquals("\uD83D\uDE00", decoder.next(bytes[0x80]));
        assertEquals("", decoder.next(bytes[0xE4]));
        assertEquals("\uFFFDa", decoder.next(bytes['a']));
        assertEquals("", decoder.next(bytes[0xE4]));
        assertEquals("", decoder.next(bytes[0xBD]));
        assertEquals("\uFFFD", decoder.finish());
        assertEquals("<|im_end|>", decoder.next(151645));
        assertEquals("", decoder.finish());
    }

    @Test
    void lineByLineNfcEqualsWholeTextNfc() {
        String[] parts = {"e", "\u0301", "\n", "\u0323", "A", "\u030A", "\uAC00", "\u11A8", "\u1100", "\u1161",
            "x", "\r", "\u0F73", "\u212B", "\u0344"};
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < 5000; i++) {
            StringBuilder text = new StringBuilder();
            for (int k = random.nextInt(12); k > 0; k--) {
                text.append(parts[random.nextInt(parts.length)]);
            }
            assertEquals(java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC),
                    Tokenizer.nfc(text.toString()), ReferenceComparisonTest.escape(text.toString()));
        }
    }

    @Test
    void lossyUtf8FollowsTheMaximalSubpartRuleAsPythonDoes() {
        // Expected strings from Python 3.11: bytes.decode("utf-8", "replace").
        assertEquals("\uFFFD\uFFFD", utf8(0xE0, 0x80));
        assertEquals("\uFFFD", utf8(0xF0, 0x9F, 0x98));
        assertEquals("\uFFFD\uFFFD\uFFFD", utf8(0xED, 0xA0, 0x80));
        assertEquals("\uFFFD\uFFFD", utf8(0xC0, 0xAF));
        assertEquals("a\uFFFD\uFFFD\uFFFD\uFFFDb", utf8(0x61, 0xF4, 0x90, 0x80, 0x80, 0x62));
        assertEquals("\uD83D\uDE00\uFFFD", utf8(0xF0, 0x9F, 0x98, 0x80, 0x80));
        assertEquals("\uFFFDA", utf8(0xF1, 0x80, 0x41));
    }

    private static String utf8(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        StringBuilder out = new StringBuilder();
        Utf8.decode(bytes, 0, bytes.length, out, true);
        return out.toString();
    }

    @Test
    void vocabularyIsPaddedAndTypedAsLlamaCppsConverterWritesIt() {
        Vocabulary v = Vocabulary.fromHuggingFace(SharedData.QWEN3, 151_936);
        assertEquals("gpt2", v.model());
        assertEquals("qwen2", v.pre());
        assertEquals(151_936, v.tokens().size());
        assertEquals(151_387, v.merges().size());
        assertEquals("\u0120 \u0120", v.merges().get(0));
        int[] types = v.tokenTypes();
        assertEquals(Vocabulary.TYPE_NORMAL, types[9707]);
        assertEquals(Vocabulary.TYPE_CONTROL, types[151643]);
        assertEquals(Vocabulary.TYPE_CONTROL, types[151659]);
        assertEquals(Vocabulary.TYPE_USER_DEFINED, types[151657]);
        assertEquals(Vocabulary.TYPE_USER_DEFINED, types[151667]);
        assertEquals("[PAD151669]", v.tokens().get(151_669));
        assertEquals(Vocabulary.TYPE_UNUSED, types[151_935]);
        assertEquals(java.util.Map.of("eos", 151645, "padding", 151643, "bos", 151643), v.specialIds());
        assertFalse(v.addBosToken());
        Tokenizer padded = Tokenizer.fromVocabulary(v);
        assertEquals("", padded.decode(new int[] {151_700}));
        assertThrows(InvalidInputException.class, () -> Vocabulary.fromHuggingFace(SharedData.QWEN3, 151_000));
    }

    @Test
    void brokenTokenizerFilesGiveTypedErrorsNamingTheFile(@TempDir Path dir) throws Exception {
        var missing = assertThrows(InvalidInputException.class, () -> Tokenizer.fromHuggingFace(dir));
        assertTrue(missing.getMessage().contains("tokenizer.json"), missing.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,");
        var truncated = assertThrows(InvalidInputException.class, () -> Tokenizer.fromHuggingFace(dir));
        assertTrue(truncated.getMessage().contains("tokenizer.json"), truncated.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\"}}");
        var unigram = assertThrows(InvalidInputException.class, () -> Tokenizer.fromHuggingFace(dir));
        assertTrue(unigram.getMessage().contains("Unigram"), unigram.getMessage());
    }
}
