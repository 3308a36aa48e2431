package io.qwen4j.chat.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code str} methods with Python's semantics, for templates that call
 * {@code message.content.split('</think>')} or {@code .strip('\n')} on a Java String.
 *
 * <p>To add a method: one case in {@link #call} and, if needed, a helper below.
 */
final class PyStrings {
    /** Returned by {@link #call} for a method this class does not implement. */
    static final Object UNKNOWN = new Object();

    private PyStrings() {
    }

    static Object call(String s, String method, Object[] given) {
        Object[] args = positional(method, given);
        return switch (method) {
            case "startswith" -> startsOrEndsWith(s, args, true);
            case "endswith" -> startsOrEndsWith(s, args, false);
            case "split" -> split(s, arg(args, 0), maxSplit(args, 1));
            case "rsplit" -> rsplit(s, arg(args, 0), maxSplit(args, 1));
            case "strip" -> strip(s, arg(args, 0), true, true);
            case "lstrip" -> strip(s, arg(args, 0), true, false);
            case "rstrip" -> strip(s, arg(args, 0), false, true);
            case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
            case "lower" -> lower(s);
            case "title" -> title(s);
            case "capitalize" -> capitalize(s);
            case "replace" -> replace(s, string(args, 0), string(args, 1), args.length > 2 ? (int) longArg(args[2]) : -1);
            case "find" -> codePointIndex(s, s.indexOf(string(args, 0)));
            case "rfind" -> codePointIndex(s, s.lastIndexOf(string(args, 0)));
            case "count" -> count(s, string(args, 0));
            case "join" -> join(s, args.length > 0 ? args[0] : null);
            case "splitlines" -> splitLines(s);
            case "index" -> index(s, string(args, 0), s.indexOf(string(args, 0)));
            case "rindex" -> index(s, string(args, 0), s.lastIndexOf(string(args, 0)));
            case "removeprefix" -> s.startsWith(string(args, 0)) ? s.substring(string(args, 0).length()) : s;
            case "removesuffix" -> s.endsWith(string(args, 0)) && !string(args, 0).isEmpty()
                    ? s.substring(0, s.length() - string(args, 0).length()) : s;
            case "partition" -> partition(s, string(args, 0), s.indexOf(string(args, 0)), false);
            case "rpartition" -> partition(s, string(args, 0), s.lastIndexOf(string(args, 0)), true);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(PyStrings::isAlnum);
            case "swapcase" -> swapcase(s);
            case "casefold" -> casefold(s);
            case "zfill" -> zfill(s, (int) longArg(arg(args, 0)));
            case "ljust", "rjust", "center" -> pad(s, method, (int) longArg(arg(args, 0)),
                    args.length > 1 ? string(args, 1) : " ");
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(PyStrings::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PyStrings::isSpace);
            case "isupper" -> allCased(s, false);
            case "islower" -> allCased(s, true);
            default -> UNKNOWN;
        };
    }

    /**
     * The arguments with keyword ones moved to their positions: of the methods here, Python's
     * {@code split}/{@code rsplit} take keywords ({@code sep}, {@code maxsplit}); the others take none.
     */
    private static Object[] positional(String method, Object[] args) {
        PyArgs.Call call = PyArgs.split(args);
        if (call.keywords().isEmpty()) {
            return args;
        }
        List<String> names = method.equals("split") || method.equals("rsplit") ? List.of("sep", "maxsplit") : List.of();
        Object[] out = call.positional().toArray(new Object[Math.max(names.size(), call.positional().size())]);
        call.keywords().forEach((name, value) -> {
            int at = names.indexOf(name);
            if (at < 0) {
                throw new TemplateException(names.isEmpty() ? method + "() takes no keyword arguments"
                        : method + "() got an unexpected keyword argument '" + name + "'");
            }
            if (at < call.positional().size()) {
                throw new TemplateException(method + "() got multiple values for argument '" + name + "'");
            }
            out[at] = PyNone.toNull(value);
        });
        return out;
    }

    /** Python's str.isspace for one code point. */
    static boolean isSpace(int cp) {
        return switch (cp) {
            case ' ', '\t', '\n', '\r', 0x0b, 0x0c, 0x1c, 0x1d, 0x1e, 0x1f, 0x85 -> true;
            default -> {
                int type = Character.getType(cp);
                yield type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR;
            }
        };
    }

    private static Object arg(Object[] args, int i) {
        return args.length > i ? args[i] : null;
    }

    private static String string(Object[] args, int i) {
        Object a = arg(args, i);
        if (a instanceof CharSequence cs) {
            return cs.toString();
        }
        throw new TemplateException("str method argument " + (i + 1) + " must be a string, not " + PyValues.repr(a));
    }

    private static long longArg(Object a) {
        if (a instanceof Number n) {
            return n.longValue();
        }
        throw new TemplateException("expected an integer argument, not " + PyValues.repr(a));
    }

    private static int maxSplit(Object[] args, int i) {
        return args.length > i && args[i] != null ? (int) longArg(args[i]) : -1;
    }

    private static boolean startsOrEndsWith(String s, Object[] args, boolean start) {
        if (arg(args, 1) != null || arg(args, 2) != null) {
            // s.startswith(p, start, end) tests s[start:end]; a start past the end fails even for ''
            int length = s.codePointCount(0, s.length());
            int from = sliceIndex(arg(args, 1), 0, length);
            int to = sliceIndex(arg(args, 2), length, length);
            if (arg(args, 1) != null && longArg(arg(args, 1)) > length) {
                return false;
            }
            s = from >= to ? "" : s.substring(s.offsetByCodePoints(0, from), s.offsetByCodePoints(0, to));
        }
        Object prefix = arg(args, 0);
        List<?> options = prefix instanceof List<?> l ? l : List.of(prefix == null ? "" : prefix);
        for (Object o : options) {
            if (!(o instanceof CharSequence cs)) {
                throw new TemplateException((start ? "startswith" : "endswith") + " needs a string, not " + PyValues.repr(o));
            }
            if (start ? s.startsWith(cs.toString()) : s.endsWith(cs.toString())) {
                return true;
            }
        }
        return false;
    }

    /** A Python slice bound: null is {@code absent}, negative counts from the end, clamped to 0..length. */
    private static int sliceIndex(Object bound, int absent, int length) {
        if (bound == null) {
            return absent;
        }
        long i = longArg(bound);
        return (int) Math.max(0, Math.min(length, i < 0 ? i + length : i));
    }

    /** Python str.split: literal separator keeping empty parts, or whitespace runs when sep is None. */
    static List<String> split(String s, Object sep, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    // Python keeps the remainder's trailing whitespace: 'a b  '.split(None, 1) == ['a', 'b  ']
                    parts.add(s.substring(i));
                    return parts;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                parts.add(s.substring(i, j));
                i = j;
            }
        }
        String separator = sep.toString();
        if (separator.isEmpty()) {
            throw new TemplateException("split: empty separator");
        }
        int from = 0;
        while (maxSplit < 0 || parts.size() < maxSplit) {
            int at = s.indexOf(separator, from);
            if (at < 0) {
                break;
            }
            parts.add(s.substring(from, at));
            from = at + separator.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    static List<String> rsplit(String s, Object sep, int maxSplit) {
        if (maxSplit < 0 || sep == null) {
            if (sep == null && maxSplit >= 0) {
                throw new TemplateException("rsplit with maxsplit and no separator is not supported");
            }
            return split(s, sep, -1);
        }
        String separator = sep.toString();
        if (separator.isEmpty()) {
            throw new TemplateException("rsplit: empty separator");
        }
        List<String> parts = new ArrayList<>();
        int to = s.length();
        while (parts.size() < maxSplit) {
            int at = s.lastIndexOf(separator, to - separator.length());
            if (at < 0) {
                break;
            }
            parts.addFirst(s.substring(at + separator.length(), to));
            to = at;
        }
        parts.addFirst(s.substring(0, to));
        return parts;
    }

    static String strip(String s, Object chars, boolean left, boolean right) {
        String set = chars == null ? null : chars.toString();
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.codePointAt(start), set)) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (right && end > start && stripped(s.codePointBefore(end), set)) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static boolean stripped(int cp, String set) {
        return set == null ? isSpace(cp) : set.indexOf(Character.toString(cp)) >= 0;
    }

    /** Python str.title: the first cased character after an uncased one goes upper, the rest lower. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
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
            out.append(Character.toString(cp).toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Whether a cased character precedes {@code before} after case-ignorable ones (Final_Sigma's other half). */
    private static boolean casedBefore(String s, int before) {
        for (int i = before; i > 0; ) {
            int cp = s.codePointBefore(i);
            i -= Character.charCount(cp);
            if (!caseIgnorable(cp)) {
                return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            }
        }
        return false;
    }

    /**
     * Python's isdigit per character (Numeric_Type Decimal or Digit): the decimal digits, plus the 128 other numbers
     * Unicode 14 types as digits (superscripts, subscripts, circled digits; Python 3.11's list, as ranges). Java's
     * isDigit has only the first.
     */
    private static boolean isDigit(int cp) {
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
    private static boolean isAlnum(int cp) {
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
                return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
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
    private static final java.util.Map<Integer, String> MULTI_CHAR_TITLE = multiCharTitles(
            "00DF:0053.0073 0149:02BC.004E 01F0:004A.030C 0390:0399.0308.0301 03B0:03A5.0308.0301 "
            + "0587:0535.0582 1E96:0048.0331 1E97:0054.0308 1E98:0057.030A 1E99:0059.030A 1E9A:0041.02BE "
            + "1F50:03A5.0313 1F52:03A5.0313.0300 1F54:03A5.0313.0301 1F56:03A5.0313.0342 1FB2:1FBA.0345 "
            + "1FB4:0386.0345 1FB6:0391.0342 1FB7:0391.0342.0345 1FC2:1FCA.0345 1FC4:0389.0345 1FC6:0397.0342 "
            + "1FC7:0397.0342.0345 1FD2:0399.0308.0300 1FD3:0399.0308.0301 1FD6:0399.0342 1FD7:0399.0308.0342 "
            + "1FE2:03A5.0308.0300 1FE3:03A5.0308.0301 1FE4:03A1.0313 1FE6:03A5.0342 1FE7:03A5.0308.0342 "
            + "1FF2:1FFA.0345 1FF4:038F.0345 1FF6:03A9.0342 1FF7:03A9.0342.0345 FB00:0046.0066 FB01:0046.0069 "
            + "FB02:0046.006C FB03:0046.0066.0069 FB04:0046.0066.006C FB05:0053.0074 FB06:0053.0074 "
            + "FB13:0544.0576 FB14:0544.0565 FB15:0544.056B FB16:054E.0576 FB17:0544.056D ");

    private static java.util.Map<Integer, String> multiCharTitles(String table) {
        var map = new java.util.HashMap<Integer, String>();
        for (String entry : table.trim().split(" ")) {
            int colon = entry.indexOf(':');
            var title = new StringBuilder();
            for (String unit : entry.substring(colon + 1).split("\\.")) {
                title.appendCodePoint(Integer.parseInt(unit, 16));
            }
            map.put(Integer.parseInt(entry.substring(0, colon), 16), title.toString());
        }
        return java.util.Map.copyOf(map);
    }

    private static void appendTitleCase(StringBuilder out, int cp) {
        String special = MULTI_CHAR_TITLE.get(cp);
        if (special != null) {
            out.append(special);
        } else {
            out.appendCodePoint(Character.toTitleCase(cp));
        }
    }

    static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int n = 0; n < count; n++) {
            int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0 || (old.isEmpty() && at > s.length())) {
                break;
            }
            out.append(s, from, at).append(replacement);
            if (old.isEmpty()) {
                if (at < s.length()) {
                    out.append(s.charAt(at));
                }
                from = at + 1;
            } else {
                from = at + old.length();
            }
        }
        if (from <= s.length()) {
            out.append(s.substring(Math.min(from, s.length())));
        }
        return out.toString();
    }

    /** Python str.splitlines(): breaks at \n, \r, \r\n and the other Unicode line boundaries. */
    static List<String> splitLines(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lineBreak = switch (c) {
                case '\n', '\r', 0x0b, 0x0c, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029 -> true;
                default -> false;
            };
            if (lineBreak) {
                lines.add(s.substring(start, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    /** Python str.index/rindex: find, but a missing substring is an error. */
    /** A UTF-16 index as Python's index (in code points); -1 stays -1. */
    private static long codePointIndex(String s, int at) {
        return at < 0 ? -1 : s.codePointCount(0, at);
    }

    private static long index(String s, String sub, int at) {
        if (at < 0) {
            throw new TemplateException("substring not found: " + PyValues.repr(sub));
        }
        return s.codePointCount(0, at);
    }

    /** Python str.partition/rpartition: a 3-tuple. */
    private static List<Object> partition(String s, String sep, int at, boolean fromRight) {
        if (sep.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        if (at < 0) {
            return fromRight ? PyTuple.of("", "", s) : PyTuple.of(s, "", "");
        }
        return PyTuple.of(s.substring(0, at), sep, s.substring(at + sep.length()));
    }

    /** Python str.swapcase: full mappings ('ß' -> "SS"), a capital sigma lowered by the final-sigma rule. */
    private static String swapcase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int at = i;
            i += Character.charCount(cp);
            if (Character.isUpperCase(cp)) {
                appendLower(out, s, at, cp);
            } else if (Character.isLowerCase(cp)) {
                out.append(Character.toString(cp).toUpperCase(java.util.Locale.ROOT));
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
    private static String casefold(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp == 'ı') {
                out.appendCodePoint(cp);
            } else if (cp == 'ẞ') {
                out.append("ss");
            } else if (cp >= 0x13A0 && cp <= 0x13FD || cp >= 0xAB70 && cp <= 0xABBF) {
                out.appendCodePoint(Character.toUpperCase(cp));
            } else {
                out.append(Character.toString(cp).toUpperCase(java.util.Locale.ROOT).toLowerCase(java.util.Locale.ROOT));
            }
        });
        return out.toString();
    }

    /** Python's str.islower/isupper: some cased character, and none of the other case or title case. */
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

    private static String zfill(String s, int width) {
        int length = s.codePointCount(0, s.length());
        if (length >= width) {
            return s;
        }
        int sign = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
        return s.substring(0, sign) + "0".repeat(width - length) + s.substring(sign);
    }

    /** Python str.ljust/rjust/center; center splits an odd padding the way CPython does. */
    static String pad(String s, String how, int width, String fill) {
        int length = s.codePointCount(0, s.length());
        if (fill.codePointCount(0, fill.length()) != 1) {
            throw new TemplateException("the fill character must be exactly one character long");
        }
        int total = width - length;
        if (total <= 0) {
            return s;
        }
        int left = switch (how) {
            case "ljust" -> 0;
            case "rjust" -> total;
            // CPython: left = pad // 2 + (pad & width & 1)
            default -> total / 2 + (total & width & 1);
        };
        return fill.repeat(left) + s + fill.repeat(total - left);
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String s, Object items) {
        List<String> parts = new ArrayList<>();
        Object iterable = PyFunctions.iter(items);
        for (Object o : (Iterable<?>) iterable) {
            if (!(o instanceof CharSequence cs)) {
                throw new TemplateException("join: sequence item is not a string: " + PyValues.repr(o));
            }
            parts.add(cs.toString());
        }
        return String.join(s, parts);
    }
}
