package io.qwen4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A slow, obviously-correct Qwen tokenizer written from the format description, independent of the code
 * under test: java.util.regex with explicit character classes, GPT-2's byte map computed afresh, and the
 * textbook merge loop (find the best-ranked pair, merge all its occurrences, repeat).
 *
 * <p>Unicode 14 letters and numbers are approximated as the JDK's minus the blocks added in Unicode
 * 15.0–16.0 listed in {@link #NEW_IN_15_AND_16}; texts built for comparison draw new characters only from
 * those blocks, where the approximation is exact.
 */
final class ReferenceTokenizer {
    /** Blocks first added in Unicode 15.0, 15.1 and 16.0 (from the Unicode release notes). */
    static final int[][] NEW_IN_15_AND_16 = {
        {0x11F00, 0x11F5F}, // Kawi (15.0)
        {0x1E4D0, 0x1E4FF}, // Nag Mundari (15.0)
        {0x1D2C0, 0x1D2DF}, // Kaktovik Numerals (15.0)
        {0x31350, 0x323AF}, // CJK Unified Ideographs Extension H (15.0)
        {0x2EBF0, 0x2EE5F}, // CJK Unified Ideographs Extension I (15.1)
        {0x10D40, 0x10D8F}, // Garay (16.0)
        {0x105C0, 0x105FF}, // Todhri (16.0)
        {0x11BC0, 0x11BFF}, // Sunuwar (16.0)
        {0x16D40, 0x16D7F}, // Kirat Rai (16.0)
        {0x1E5D0, 0x1E5FF}, // Ol Onal (16.0)
        {0x11380, 0x113FF}, // Tulu-Tigalari (16.0)
        {0x16100, 0x1613F}, // Gurung Khema (16.0)
    };

    private static final String WHITE_SPACE = "\\t\\n\\x0B\\f\\r\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
            + "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

    private final Map<String, Integer> vocab = new HashMap<>();
    private final Map<String, Integer> mergeRanks = new HashMap<>();
    private final Map<String, Integer> addedTokens = new HashMap<>();
    private final Map<String, Boolean> addedIsControl = new HashMap<>();
    private final Pattern split;
    private final char[] byteToChar = new char[256];
    private final Pattern allAdded;
    private final Pattern userDefinedAdded;

    ReferenceTokenizer(Path dir) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(dir.resolve("tokenizer.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        root.path("model").path("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        int rank = 0;
        for (JsonNode merge : root.path("model").path("merges")) {
            String key = merge.isArray() ? merge.get(0).asText() + " " + merge.get(1).asText() : merge.asText();
            mergeRanks.putIfAbsent(key, rank++);
        }
        for (JsonNode added : root.path("added_tokens")) {
            String content = added.get("content").asText();
            addedTokens.put(content, added.get("id").asInt());
            // HF's split_special_tokens: only tokens flagged special become plain text.
            boolean control = added.get("special").asBoolean();
            addedIsControl.put(content, control);
        }
        String newRanges = java.util.Arrays.stream(NEW_IN_15_AND_16)
                .map(r -> String.format("\\x{%X}-\\x{%X}", r[0], r[1])).collect(Collectors.joining());
        String l14 = "[\\p{L}&&[^" + newRanges + "]]";
        String n14 = "[\\p{N}&&[^" + newRanges + "]]";
        String notLetterOrNumber14 = "[[^\\p{L}\\p{N}]" + newRanges + "]";
        String s = "[" + WHITE_SPACE + "]";
        String notS = "[^" + WHITE_SPACE + "]";
        String regex = "'[sS\\x{17F}]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]"
                + "|[[^\\r\\n]&&" + notLetterOrNumber14 + "]?" + l14 + "+"
                + "|" + n14
                + "| ?[" + notS + "&&" + notLetterOrNumber14 + "]+[\\r\\n]*"
                + "|" + s + "*[\\r\\n]+"
                + "|" + s + "+(?!" + notS + ")"
                + "|" + s + "+";
        split = Pattern.compile(regex);
        allAdded = alternation(addedTokens.keySet().stream().toList());
        userDefinedAdded = alternation(addedTokens.keySet().stream().filter(t -> !addedIsControl.get(t)).toList());
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            byteToChar[b] = (char) (keep ? b : next++);
        }
    }

    /** Longest tokens first, so that the leftmost match is also the longest. */
    private static Pattern alternation(List<String> tokens) {
        return Pattern.compile(tokens.stream().sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote).collect(Collectors.joining("|")));
    }

    /** Pieces of the pre-tokenizer regex. */
    List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = split.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() != last) {
                out.add(text.substring(last, m.start())); // never happens: every character matches something
            }
            out.add(m.group());
            last = m.end();
        }
        if (last != text.length()) {
            out.add(text.substring(last));
        }
        return out;
    }

    List<Integer> encode(String text, boolean parseSpecial) {
        StringBuilder clean = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                clean.append(c).append(text.charAt(++i));
            } else {
                clean.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        Pattern added = parseSpecial ? allAdded : userDefinedAdded;
        List<Integer> ids = new ArrayList<>();
        Matcher m = added.matcher(clean);
        int last = 0;
        while (m.find()) {
            encodePlain(clean.substring(last, m.start()), ids);
            ids.add(addedTokens.get(m.group()));
            last = m.end();
        }
        encodePlain(clean.substring(last), ids);
        return ids;
    }

    private void encodePlain(String text, List<Integer> ids) {
        for (String piece : pieces(Normalizer.normalize(text, Normalizer.Form.NFC))) {
            List<String> symbols = new ArrayList<>();
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                symbols.add(String.valueOf(byteToChar[b & 0xFF]));
            }
            while (symbols.size() > 1) {
                int bestRank = Integer.MAX_VALUE;
                String bestPair = null;
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    Integer r = mergeRanks.get(symbols.get(i) + " " + symbols.get(i + 1));
                    if (r != null && r < bestRank) {
                        bestRank = r;
                        bestPair = symbols.get(i) + " " + symbols.get(i + 1);
                    }
                }
                if (bestPair == null) {
                    break;
                }
                List<String> merged = new ArrayList<>();
                for (int i = 0; i < symbols.size(); i++) {
                    if (i + 1 < symbols.size() && (symbols.get(i) + " " + symbols.get(i + 1)).equals(bestPair)) {
                        merged.add(symbols.get(i) + symbols.get(i + 1));
                        i++;
                    } else {
                        merged.add(symbols.get(i));
                    }
                }
                symbols = merged;
            }
            for (String symbol : symbols) {
                ids.add(vocab.get(symbol));
            }
        }
    }
}
