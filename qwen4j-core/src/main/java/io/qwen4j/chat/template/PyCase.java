package io.qwen4j.chat.template;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Python's {@code str} case mappings and character classes, where Java's differ: full title-case mappings,
 * the final-sigma rule with Python's idea of case-ignorable characters, case folding, and the
 * {@code islower}/{@code isupper}/{@code isdigit}/{@code isalnum} classes. Chat templates call them
 * ({@code title}, {@code capitalize}, {@code lower} as methods and filters), and HF renders them with CPython,
 * so a prompt depends on these details. Checked against CPython 3.11 on random strings and every code point
 * (README, "Jinjava").
 */
final class PyCase {

    private PyCase() {
    }

    /** Python str.title: the first cased character after an uncased one goes upper, the rest lower. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = isCased(cp);
            if (!cased) {
                out.appendCodePoint(cp);
            } else if (previousCased) {
                appendLower(out, s, i - Character.charCount(cp), cp);
            } else {
                appendTitleCase(out, cp);
            }
            previousCased = cased;
        }
        return out.toString();
    }

    /**
     * Python str.capitalize: the first character in full title case ('ß' -> "Ss", 'ǆ' -> 'ǅ'), the rest lowered
     * in the context of the whole string (a final 'Σ' right after the first letter becomes 'ς').
     */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        var out = new StringBuilder(s.length());
        int first = s.codePointAt(0);
        appendTitleCase(out, first);
        for (int i = Character.charCount(first); i < s.length(); ) {
            int cp = s.codePointAt(i);
            appendLower(out, s, i, cp);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** Python str.lower: full mappings ('İ' -> "i̇") and the final-sigma rule as Python applies it. */
    static String lower(String s) {
        var out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            appendLower(out, s, i, cp);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /**
     * The lower case of {@code cp}, found at {@code at} in {@code s}: a capital sigma after a cased letter and not
     * before one (case-ignorable characters such as apostrophes and accents skipped) is 'ς'. Java's own rule does
     * not skip apostrophes, so Python's is written out here.
     */
    private static void appendLower(StringBuilder out, String s, int at, int cp) {
        if (cp == 'Σ') {
            out.append(casedBefore(s, at) && !casedAfter(s, at + 1) ? 'ς' : 'σ');
        } else {
            out.append(Character.toString(cp).toLowerCase(Locale.ROOT));
        }
    }

    /** Unicode's Cased property, as Python reads it: upper, lower (with Other_Lowercase) or title case. */
    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Whether a cased character precedes {@code before} after case-ignorable ones (Final_Sigma's other half). */
    private static boolean casedBefore(String s, int before) {
        for (int i = before; i > 0; ) {
            int cp = s.codePointBefore(i);
            i -= Character.charCount(cp);
            if (!caseIgnorable(cp)) {
                return isCased(cp);
            }
        }
        return false;
    }

    /**
     * Python's isdigit per character (Numeric_Type Decimal or Digit): the decimal digits, plus the 128 other numbers
     * Unicode 14 types as digits (superscripts, subscripts, circled digits; Python 3.11's list, as ranges). Java's
     * isDigit has only the first.
     */
    static boolean isDigit(int cp) {
        if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
            return true;
        }
        for (int i = 0; i < OTHER_DIGITS.length; i += 2) {
            if (cp >= OTHER_DIGITS[i] && cp <= OTHER_DIGITS[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** Inclusive ranges, see {@link #isDigit}. */
    private static final int[] OTHER_DIGITS = {
        0xB2, 0xB3, 0xB9, 0xB9, 0x1369, 0x1371, 0x19DA, 0x19DA, 0x2070, 0x2070, 0x2074, 0x2079, 0x2080, 0x2089,
        0x2460, 0x2468, 0x2474, 0x247C, 0x2488, 0x2490, 0x24EA, 0x24EA, 0x24F5, 0x24FD, 0x24FF, 0x24FF,
        0x2776, 0x277E, 0x2780, 0x2788, 0x278A, 0x2792, 0x10A40, 0x10A43, 0x10E60, 0x10E68, 0x11052, 0x1105A,
        0x1F100, 0x1F10A,
    };

    /** Python's isalnum per character: a letter or a number of any kind (decimal, letter-like as 'Ⅱ', other as '½'). */
    static boolean isAlnum(int cp) {
        int type = Character.getType(cp);
        return Character.isLetter(cp) || type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** Whether a cased character follows {@code from} after case-ignorable ones (Unicode's Final_Sigma context). */
    private static boolean casedAfter(String s, int from) {
        for (int i = from; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (!caseIgnorable(cp)) {
                return isCased(cp);
            }
        }
        return false;
    }

    /** Unicode's Case_Ignorable: marks, format characters, modifiers and the word-internal punctuation. */
    private static boolean caseIgnorable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                 Character.MODIFIER_SYMBOL -> true;
            default -> "'.:·\u0387\u05F4\u2018\u2019\u2024\u2027\uFE13\uFE52\uFE55\uFF07\uFF0E\uFF1A".indexOf(cp) >= 0;
        };
    }

    /**
     * Python's full titlecase mapping of one character: the simple one (which Java has) except for the 48
     * characters whose title case is several characters in Unicode's SpecialCasing ('ß' -> "Ss", 'ﬁ' -> "Fi",
     * Greek with iota subscript). Listed, not derived: the Greek ones keep the combining ypogegrammeni where
     * the upper case has a capital iota. Generated with Python 3.11 (Unicode 14):
     * {@code [(c, chr(c).title()) for c in range(0x110000) if len(chr(c).title()) > 1]}.
     */
    private static final Map<Integer, String> MULTI_CHAR_TITLE = multiCharTitles(
            "00DF:0053.0073 0149:02BC.004E 01F0:004A.030C 0390:0399.0308.0301 03B0:03A5.0308.0301 "
            + "0587:0535.0582 1E96:0048.0331 1E97:0054.0308 1E98:0057.030A 1E99:0059.030A 1E9A:0041.02BE "
            + "1F50:03A5.0313 1F52:03A5.0313.0300 1F54:03A5.0313.0301 1F56:03A5.0313.0342 1FB2:1FBA.0345 "
            + "1FB4:0386.0345 1FB6:0391.0342 1FB7:0391.0342.0345 1FC2:1FCA.0345 1FC4:0389.0345 1FC6:0397.0342 "
            + "1FC7:0397.0342.0345 1FD2:0399.0308.0300 1FD3:0399.0308.0301 1FD6:0399.0342 1FD7:0399.0308.0342 "
            + "1FE2:03A5.0308.0300 1FE3:03A5.0308.0301 1FE4:03A1.0313 1FE6:03A5.0342 1FE7:03A5.0308.0342 "
            + "1FF2:1FFA.0345 1FF4:038F.0345 1FF6:03A9.0342 1FF7:03A9.0342.0345 FB00:0046.0066 FB01:0046.0069 "
            + "FB02:0046.006C FB03:0046.0066.0069 FB04:0046.0066.006C FB05:0053.0074 FB06:0053.0074 "
            + "FB13:0544.0576 FB14:0544.0565 FB15:0544.056B FB16:054E.0576 FB17:0544.056D ");

    private static Map<Integer, String> multiCharTitles(String table) {
        var map = new HashMap<Integer, String>();
        for (String entry : table.trim().split(" ")) {
            int colon = entry.indexOf(':');
            var title = new StringBuilder();
            for (String unit : entry.substring(colon + 1).split("\\.")) {
                title.appendCodePoint(Integer.parseInt(unit, 16));
            }
            map.put(Integer.parseInt(entry.substring(0, colon), 16), title.toString());
        }
        return Map.copyOf(map);
    }

    private static void appendTitleCase(StringBuilder out, int cp) {
        String special = MULTI_CHAR_TITLE.get(cp);
        if (special != null) {
            out.append(special);
        } else {
            out.appendCodePoint(Character.toTitleCase(cp));
        }
    }

    /** Python str.swapcase: full mappings ('ß' -> "SS"), a capital sigma lowered by the final-sigma rule. */
    static String swapcase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int at = i;
            i += Character.charCount(cp);
            if (Character.isUpperCase(cp)) {
                appendLower(out, s, at, cp);
            } else if (Character.isLowerCase(cp)) {
                out.append(Character.toString(cp).toUpperCase(Locale.ROOT));
            } else {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    /**
     * Python str.casefold (Unicode full case folding) for the characters it knows: upper then lower case
     * ('ß' and 'ẞ' -> "ss", 'ς' and 'ϱ' -> their plain forms), except that Cherokee folds to its capitals and
     * dotless 'ı' stays itself (checked against Python 3.11 on every code point below U+30000).
     */
    static String casefold(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp == 'ı') {
                out.appendCodePoint(cp);
            } else if (cp == 'ẞ') {
                out.append("ss");
            } else if (cp >= 0x13A0 && cp <= 0x13FD || cp >= 0xAB70 && cp <= 0xABBF) {
                out.appendCodePoint(Character.toUpperCase(cp));
            } else {
                out.append(Character.toString(cp).toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT));
            }
        });
        return out.toString();
    }

    /** Python's str.islower: some lower-case character, and no upper- or title-case one. */
    static boolean isLower(String s) {
        return allCased(s, true);
    }

    /** Python's str.isupper: some upper-case character, and no lower- or title-case one. */
    static boolean isUpper(String s) {
        return allCased(s, false);
    }

    private static boolean allCased(String s, boolean lower) {
        boolean seen = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isTitleCase(cp) || (lower ? Character.isUpperCase(cp) : Character.isLowerCase(cp))) {
                return false;
            }
            seen |= lower ? Character.isLowerCase(cp) : Character.isUpperCase(cp);
        }
        return seen;
    }
}
