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
            case "lower" -> PyCase.lower(s);
            case "title" -> PyCase.title(s);
            case "capitalize" -> PyCase.capitalize(s);
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
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(PyCase::isAlnum);
            case "swapcase" -> PyCase.swapcase(s);
            case "casefold" -> PyCase.casefold(s);
            case "zfill" -> zfill(s, (int) longArg(arg(args, 0)));
            case "ljust", "rjust", "center" -> pad(s, method, (int) longArg(arg(args, 0)),
                    args.length > 1 ? string(args, 1) : " ");
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(PyCase::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PyStrings::isSpace);
            case "isupper" -> PyCase.isUpper(s);
            case "islower" -> PyCase.isLower(s);
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
