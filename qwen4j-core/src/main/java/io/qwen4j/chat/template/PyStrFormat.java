package io.qwen4j.chat.template;

import java.util.List;
import java.util.Map;

/**
 * Python's {@code str.format}: {@code {}} fields numbered automatically or by index, keyword fields,
 * {@code .attr} and {@code [key]} lookups, {@code !r}/{@code !s}/{@code !a}, doubled braces, and the
 * format-spec mini-language {@code [[fill]align][sign][#][0][width][,|_][.precision][type]} (the conversions
 * themselves are {@link PyPercentFormat}'s). Jinjava had no str.format: {@code '{} {}'.format(1, 'a')} gave
 * {@code 1}.
 */
final class PyStrFormat {
    private PyStrFormat() {
    }

    /** {@code template.format(...)} with Jinjava's arguments: keyword ones come as named parameters. */
    static String call(String template, Object[] given) {
        PyArgs.Call call = PyArgs.split(given);
        return format(template, call.positional(), call.keywords());
    }

    static String format(String template, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder(template.length() + 16);
        int auto = 0;
        boolean manual = false;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '}') {
                if (i + 1 < template.length() && template.charAt(i + 1) == '}') {
                    out.append('}');
                    i++;
                    continue;
                }
                throw new TemplateException("Single '}' encountered in format string");
            }
            if (c != '{') {
                out.append(c);
                continue;
            }
            if (i + 1 < template.length() && template.charAt(i + 1) == '{') {
                out.append('{');
                i++;
                continue;
            }
            int end = template.indexOf('}', i);
            if (end < 0) {
                throw new TemplateException("Single '{' encountered in format string");
            }
            String field = template.substring(i + 1, end);
            i = end;
            String spec = "";
            int colon = field.indexOf(':');
            if (colon >= 0) {
                spec = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            char conversion = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) {
                if (bang + 2 != field.length()) {
                    throw new TemplateException("expected ':' after conversion specifier");
                }
                conversion = field.charAt(bang + 1);
                field = field.substring(0, bang);
            }
            int split = firstLookup(field);
            String head = field.substring(0, split);
            Object value;
            if (head.isEmpty()) {
                if (manual) {
                    throw new TemplateException("cannot switch from manual field specification to automatic field numbering");
                }
                value = positional(args, auto++);
            } else if (head.chars().allMatch(Character::isDigit)) {
                if (auto > 0) {
                    // string.Formatter, which Jinja2's sandbox formats with, says this either way round
                    throw new TemplateException("cannot switch from manual field specification to automatic field numbering");
                }
                manual = true;
                value = positional(args, Integer.parseInt(head));
            } else {
                if (!kwargs.containsKey(head)) {
                    throw new TemplateException("KeyError: '" + head + "'");
                }
                value = kwargs.get(head);
            }
            value = lookups(value, field.substring(split));
            value = switch (conversion) {
                case 0 -> value;
                case 's' -> value == null ? "" : PyValues.str(value);
                case 'r', 'a' -> value == null ? "Undefined" : PyValues.repr(value);
                default -> throw new TemplateException("Unknown conversion specifier " + conversion);
            };
            out.append(formatSpec(value, spec));
        }
        return out.toString();
    }

    private static int firstLookup(String field) {
        for (int i = 0; i < field.length(); i++) {
            if (field.charAt(i) == '.' || field.charAt(i) == '[') {
                return i;
            }
        }
        return field.length();
    }

    private static Object positional(List<Object> args, int index) {
        if (index >= args.size()) {
            throw new TemplateException("Replacement index " + index + " out of range for positional args tuple");
        }
        return args.get(index);
    }

    /** {@code .name} and {@code [key]} after a field's name: a mapping's item either way, a list's index. */
    private static Object lookups(Object value, String rest) {
        int i = 0;
        while (i < rest.length()) {
            String key;
            if (rest.charAt(i) == '.') {
                int next = firstLookup(rest.substring(i + 1)) + i + 1;
                key = rest.substring(i + 1, next);
                i = next;
            } else {
                int close = rest.indexOf(']', i);
                if (close < 0) {
                    throw new TemplateException("Missing ']' in format string");
                }
                key = rest.substring(i + 1, close);
                i = close + 1;
            }
            Object v = PyValues.unwrapList(value);
            if (v instanceof Map<?, ?> map && map.containsKey(key)) {
                value = map.get(key);
            } else if (v instanceof List<?> list && !key.isEmpty() && key.chars().allMatch(Character::isDigit)
                    && Integer.parseInt(key) < list.size()) {
                value = list.get(Integer.parseInt(key));
            } else {
                throw new TemplateException("format field lookup '" + key + "' failed on " + PyValues.repr(value));
            }
        }
        return value;
    }

    /** One value through the format-spec mini-language. */
    static String formatSpec(Object value, String spec) {
        if (value == null) { // Jinja2's Undefined: prints as nothing and takes no spec
            if (spec.isEmpty()) {
                return "";
            }
            throw new TemplateException("unsupported format string passed to Undefined.__format__");
        }
        if (spec.isEmpty()) {
            return PyValues.str(value);
        }
        int i = 0;
        char fill = ' ';
        char align = 0;
        if (spec.length() >= 2 && "<>=^".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            i = 2;
        } else if ("<>=^".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            i = 1;
        }
        String flags = "";
        if (i < spec.length() && "+- ".indexOf(spec.charAt(i)) >= 0) {
            flags += spec.charAt(i) == '-' ? "" : String.valueOf(spec.charAt(i));
            i++;
        }
        if (i < spec.length() && spec.charAt(i) == '#') {
            flags += "#";
            i++;
        }
        if (i < spec.length() && spec.charAt(i) == '0') {
            if (align == 0) {
                fill = '0';
                align = '=';
            }
            i++;
        }
        int width = 0;
        while (i < spec.length() && Character.isDigit(spec.charAt(i))) {
            width = width * 10 + spec.charAt(i++) - '0';
        }
        char grouping = 0;
        if (i < spec.length() && (spec.charAt(i) == ',' || spec.charAt(i) == '_')) {
            grouping = spec.charAt(i++);
        }
        int precision = -1;
        if (i < spec.length() && spec.charAt(i) == '.') {
            i++;
            precision = 0;
            while (i < spec.length() && Character.isDigit(spec.charAt(i))) {
                precision = precision * 10 + spec.charAt(i++) - '0';
            }
        }
        char type = i < spec.length() ? spec.charAt(i++) : 0;
        if (i != spec.length()) {
            throw new TemplateException("Invalid format specifier '" + spec + "'");
        }
        boolean number = PyNumbers.isNumber(value);
        boolean integer = value instanceof Long || value instanceof Integer || value instanceof java.math.BigInteger;
        String text = switch (type) {
            case 0 -> !number ? PyPercentFormat.truncate(PyValues.str(value), precision)
                    : integer ? PyPercentFormat.convert('d', flags, -1, value)
                    : precision < 0 ? PyPercentFormat.sign(PyValues.str(value), flags)
                    : PyPercentFormat.convert('g', flags, precision, value);
            case 's' -> {
                if (number) {
                    throw new TemplateException("Unknown format code 's' for object of type " + PyOrdering.typeName(value));
                }
                yield PyPercentFormat.truncate(PyValues.str(value), precision);
            }
            case 'b' -> PyPercentFormat.sign((flags.contains("#") ? "0b" : "") + PyPercentFormat.integerOf(value).toString(2), flags);
            case 'n' -> PyPercentFormat.convert(integer ? 'd' : 'g', flags, precision, value);
            case '%' -> PyPercentFormat.convert('f', flags, precision < 0 ? 6 : precision,
                    PyPercentFormat.realOf(value) * 100) + "%";
            default -> {
                if (!number) {
                    throw new TemplateException("Unknown format code '" + type + "' for object of type " + PyOrdering.typeName(value));
                }
                yield PyPercentFormat.convert(type, flags, precision, value);
            }
        };
        if (grouping != 0) {
            text = group(text, grouping);
        }
        int pad = width - PyPercentFormat.length(text);
        if (pad <= 0) {
            return text;
        }
        char a = align != 0 ? align : number ? '>' : '<';
        String fillText = String.valueOf(fill);
        return switch (a) {
            case '<' -> text + fillText.repeat(pad);
            case '^' -> fillText.repeat(pad / 2) + text + fillText.repeat(pad - pad / 2);
            case '=' -> {
                int signLength = !text.isEmpty() && "+- ".indexOf(text.charAt(0)) >= 0 ? 1 : 0;
                yield text.substring(0, signLength) + fillText.repeat(pad) + text.substring(signLength);
            }
            default -> fillText.repeat(pad) + text;
        };
    }

    /** Thousands separators in the integer digits of a formatted number. */
    private static String group(String text, char separator) {
        int start = 0;
        while (start < text.length() && !Character.isDigit(text.charAt(start))) {
            start++;
        }
        int end = start;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        StringBuilder digits = new StringBuilder(text.substring(start, end));
        for (int k = digits.length() - 3; k > 0; k -= 3) {
            digits.insert(k, separator);
        }
        return text.substring(0, start) + digits + text.substring(end);
    }
}
