package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tokenizer against {@link ReferenceTokenizer} on seeded random texts mixing the hard parts: Unicode
 * 15/16 letters and digits, U+0085, U+FEFF, exotic spaces, long whitespace runs, contractions in odd cases,
 * digits, combining marks, emoji, added tokens and their look-alikes, lone surrogates.
 */
class ReferenceComparisonTest {
    private static ReferenceTokenizer reference;
    private static Tokenizer tokenizer;

    private static final String[] FRAGMENTS = {
        "hello", "World", "it's", "IT'S", "we'Re", "they'VE", "I'm", "you'LL", "he'd", "'ſ", "'S", "'st",
        "\u212Aelvin", "stra\u00DFe", " ", "  ", "     ", "\t", "\n", "\r\n", "\n\n\n", " \n ", "\u0085", "\uFEFF",
        "\u00A0", "\u3000", "\u2028", "\u200B", "\u180E", "12345", "3.14", "\u0663\u0664", "\u2167", "\u00BD",
        "!!!", "?!", "...", "--", " (", ") ", "{\"a\": [1, 2]}", "def f(x):\n    return x\n", "</div>",
        "\u4F60\u597D\u4E16\u754C", "\u3053\u3093\u306B\u3061\u306F", "\uD55C\uAD6D\uC5B4", "\u041F\u0440\u0438\u0432\u0435\u0442",
        "\u0645\u0631\u062D\u0628\u0627", "\u0928\u092E\u0938\u094D\u0924\u0947", "e\u0301", "A\u030A", "\u1E9B\u0323",
        "\uD83D\uDE00", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", "\uD83C\uDDFA\uD83C\uDDF8",
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>", "<|fim_prefix|>",
        "<|im_start", "<think", "<|im_end|", "im_end|>", "<<|im_start|>>", "\uD800", "\uDC00x",
    };

    @BeforeAll
    static void load() {
        reference = SharedData.qwen3Reference();
        tokenizer = SharedData.qwen3();
    }

    /** Characters new in Unicode 15/16 that the JDK calls letters or numbers but Unicode 14 does not. */
    private static int[] newLettersAndNumbers() {
        return Arrays.stream(ReferenceTokenizer.NEW_IN_15_AND_16)
                .flatMapToInt(r -> IntStream.rangeClosed(r[0], r[1]))
                .filter(cp -> Character.isLetter(cp) || Character.getType(cp) == Character.OTHER_NUMBER
                        || Character.isDigit(cp) || Character.getType(cp) == Character.LETTER_NUMBER)
                .toArray();
    }

    private static String randomText(Random random, int[] newChars) {
        StringBuilder text = new StringBuilder();
        int parts = 1 + random.nextInt(12);
        for (int i = 0; i < parts; i++) {
            switch (random.nextInt(6)) {
                case 0 -> text.appendCodePoint(newChars[random.nextInt(newChars.length)]);
                case 1 -> text.append(" ".repeat(random.nextInt(40)));
                case 2 -> text.appendCodePoint(0x20 + random.nextInt(0x60));
                default -> text.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
            }
        }
        return text.toString();
    }

    @Test
    void newUnicodeCharactersAreNeitherLettersNorNumbersHere() {
        int[] newChars = newLettersAndNumbers();
        assertEquals(true, newChars.length > 5000, "JDK should know Unicode 15/16: " + newChars.length);
        for (int cp : newChars) {
            assertEquals(CharClasses.OTHER, CharClasses.of(cp), Integer.toHexString(cp));
        }
        assertEquals(CharClasses.SPACE, CharClasses.of(0x85));
        assertEquals(CharClasses.OTHER, CharClasses.of(0xFEFF));
        assertEquals(CharClasses.LETTER, CharClasses.of(0x212A));
        assertEquals(CharClasses.NUMBER, CharClasses.of(0x2167));
    }

    @Test
    void preTokenizerPiecesMatchTheRegexReference() {
        Random random = new Random(1234);
        int[] newChars = newLettersAndNumbers();
        for (int i = 0; i < 2000; i++) {
            String text = Tokenizer.replaceLoneSurrogates(randomText(random, newChars));
            List<String> actual = new ArrayList<>();
            QwenPreTokenizer.split(text, (start, end) -> actual.add(text.substring(start, end)));
            assertEquals(reference.pieces(text), actual, () -> "text: " + escape(text));
        }
    }

    @Test
    void encodingsMatchTheReferenceOnRandomTexts() {
        Random random = new Random(99);
        int[] newChars = newLettersAndNumbers();
        for (int i = 0; i < 800; i++) {
            String text = randomText(random, newChars);
            for (boolean parseSpecial : new boolean[] {true, false}) {
                List<Integer> expected = reference.encode(text, parseSpecial);
                List<Integer> actual = Arrays.stream(tokenizer.encode(text, parseSpecial)).boxed().toList();
                assertEquals(expected, actual, () -> "parseSpecial=" + parseSpecial + " text: " + escape(text));
            }
        }
    }

    @Test
    void longRunsMatchTheReference() {
        for (String unit : List.of("a", " ", "!", "1", "\n", " \n", "ab", "\u00E9", "\u4F60", "\uD83D\uDE00", "  x")) {
            String text = unit.repeat(700 / unit.length());
            assertEquals(reference.encode(text, true), Arrays.stream(tokenizer.encode(text)).boxed().toList(), unit);
        }
    }

    @Test
    void qwen25TokenizerWithStringMergesMatchesItsReference() {
        Tokenizer qwen25 = Tokenizer.fromHuggingFace(SharedData.QWEN25);
        ReferenceTokenizer qwen25Reference = new ReferenceTokenizer(SharedData.QWEN25);
        assertEquals(151_665, qwen25.size());
        Random random = new Random(7);
        int[] newChars = newLettersAndNumbers();
        for (int i = 0; i < 150; i++) {
            String text = randomText(random, newChars);
            assertEquals(qwen25Reference.encode(text, true), Arrays.stream(qwen25.encode(text)).boxed().toList(),
                    () -> escape(text));
        }
        assertEquals(List.of(9707, 11, 1879, 0), Arrays.stream(qwen25.encode("Hello, world!")).boxed().toList());
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                out.appendCodePoint(cp);
            } else {
                out.append(String.format("\\u{%X}", cp));
            }
        });
        return out.toString();
    }
}
