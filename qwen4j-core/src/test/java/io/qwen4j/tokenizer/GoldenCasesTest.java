package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The 254 HF-generated cases in ../shared/qwen/qwen3/tokenizer-cases.jsonl, through both load paths. */
class GoldenCasesTest {

    @Test
    void everyCaseEncodesExactlyFromTokenizerJson() {
        assertAllCases(SharedData.qwen3());
    }

    @Test
    void everyCaseEncodesExactlyFromVocabularyPaddedLikeGguf() {
        Vocabulary padded = Vocabulary.fromHuggingFace(SharedData.QWEN3, 151_936);
        assertAllCases(Tokenizer.fromVocabulary(padded));
    }

    private static void assertAllCases(Tokenizer tokenizer) {
        List<String> failures = new ArrayList<>();
        for (var c : SharedData.cases()) {
            int[] actual = tokenizer.encode(c.text());
            if (!java.util.Arrays.equals(c.ids(), actual)) {
                failures.add(c.text() + "\n  expected " + java.util.Arrays.toString(c.ids())
                        + "\n  actual   " + java.util.Arrays.toString(actual));
            }
        }
        assertEquals(254, SharedData.cases().size());
        assertEquals(List.of(), failures, failures.size() + " cases differ");
    }

    @Test
    void decodeOfEncodeIsNfcOfTheText() {
        Tokenizer tokenizer = SharedData.qwen3();
        int checked = 0;
        for (var c : SharedData.cases()) {
            if (addedTokenTouchesCombiningMark(c.text())) {
                continue; // NFC is applied between added tokens only (CONTRACTS.md)
            }
            assertEquals(Normalizer.normalize(c.text(), Normalizer.Form.NFC), tokenizer.decode(c.ids()), c.text());
            assertEquals(Normalizer.normalize(c.text(), Normalizer.Form.NFC),
                    tokenizer.decode(tokenizer.encode(c.text())), c.text());
            checked++;
        }
        assertEquals(true, checked > 240, "only " + checked + " cases checked");
    }

    @Test
    void streamingDecoderFedOneTokenAtATimeEqualsDecode() {
        Tokenizer tokenizer = SharedData.qwen3();
        for (var c : SharedData.cases()) {
            StreamingDecoder decoder = tokenizer.newStreamingDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : c.ids()) {
                String piece = decoder.next(id);
                assertEquals(false, !piece.isEmpty() && Character.isHighSurrogate(piece.charAt(piece.length() - 1)));
                streamed.append(piece);
            }
            streamed.append(decoder.finish());
            assertEquals(tokenizer.decode(c.ids()), streamed.toString(), c.text());
        }
    }

    @Test
    void bothLoadPathsGiveTheSameVocabularyDataAndEncodings() {
        Tokenizer direct = SharedData.qwen3();
        Tokenizer viaVocabulary = Tokenizer.fromVocabulary(Vocabulary.fromHuggingFace(SharedData.QWEN3));
        Vocabulary hf = direct.vocabulary();
        Vocabulary converter = viaVocabulary.vocabulary();
        assertEquals(hf.tokens(), converter.tokens());
        assertEquals(hf.merges(), converter.merges());
        assertEquals(hf.specialIds(), converter.specialIds());
        // The converter also makes the non-special tokens that look special (<|fim_prefix|>, ...) CONTROL.
        int[] hfTypes = hf.tokenTypes();
        int[] converterTypes = converter.tokenTypes();
        for (int id = 0; id < hfTypes.length; id++) {
            if (hfTypes[id] != converterTypes[id]) {
                String token = hf.tokens().get(id);
                assertTrue(token.startsWith("<|") && token.endsWith("|>"), token);
                assertEquals(Vocabulary.TYPE_USER_DEFINED, hfTypes[id], token);
                assertEquals(Vocabulary.TYPE_CONTROL, converterTypes[id], token);
            }
        }
        for (var c : SharedData.cases()) {
            assertArrayEquals(direct.encode(c.text()), viaVocabulary.encode(c.text()), c.text());
        }
    }

    @Test
    void withoutSpecialParsingHfStillMatchesAddedTokensNotFlaggedSpecial() {
        Tokenizer tokenizer = SharedData.qwen3();
        // tokenizer.json: <|fim_prefix|> (151659) and <think> (151667) have "special": false; <|im_start|> true.
        assertArrayEquals(new int[] {151659}, tokenizer.encode("<|fim_prefix|>", false));
        assertArrayEquals(new int[] {151667}, tokenizer.encode("<think>", false));
        assertTrue(tokenizer.encode("<|im_start|>", false).length > 1);
    }

    private static boolean addedTokenTouchesCombiningMark(String text) {
        for (String token : List.of(">", "<")) {
            int i = text.indexOf(token);
            while (i >= 0) {
                int after = i + 1;
                if (after < text.length() && Character.getType(text.codePointAt(after)) == Character.NON_SPACING_MARK) {
                    return true;
                }
                i = text.indexOf(token, i + 1);
            }
        }
        return false;
    }
}
