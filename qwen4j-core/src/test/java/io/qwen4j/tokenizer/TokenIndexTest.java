package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link TokenIndex} against a plain {@code HashMap} filled with {@code putIfAbsent}, on random tokens. */
class TokenIndexTest {

    private static String randomToken(Random random) {
        String alphabet = "abĠċé日😀 ";
        var sb = new StringBuilder();
        int length = 1 + random.nextInt(4);
        while (sb.length() < length) {
            sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return sb.toString();
    }

    @Test
    void findsWhatAMapFindsIncludingDuplicatesAndJoinedRanges() {
        var random = new Random(7);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            tokens.add(randomToken(random)); // many duplicates: the first id must win
        }
        Map<String, Integer> expected = new HashMap<>();
        for (int id = 0; id < tokens.size(); id++) {
            expected.putIfAbsent(tokens.get(id), id);
        }
        var index = new TokenIndex(tokens);
        for (int i = 0; i < 20_000; i++) {
            String a = randomToken(random);
            String b = randomToken(random);
            int wantA = expected.getOrDefault(a, TokenIndex.NONE);
            int wantJoined = expected.getOrDefault(a + b, TokenIndex.NONE);
            assertEquals(wantA, index.find(a), a);
            String text = "x" + a + " " + b + "y";
            int aFrom = 1;
            int aTo = aFrom + a.length();
            int bFrom = aTo + 1;
            int bTo = bFrom + b.length();
            assertEquals(wantA, index.find(text, aFrom, aTo), a);
            assertEquals(expected.getOrDefault(b, TokenIndex.NONE), index.find(text, bFrom, bTo), b);
            assertEquals(wantJoined, index.find(text, aFrom, aTo, text, bFrom, bTo), a + "+" + b);
        }
        for (int id = 0; id < tokens.size(); id++) {
            assertEquals(expected.get(tokens.get(id)) == id, index.isFirst(id), tokens.get(id));
        }
        assertEquals(TokenIndex.NONE, new TokenIndex(List.of()).find("a"));
    }
}
