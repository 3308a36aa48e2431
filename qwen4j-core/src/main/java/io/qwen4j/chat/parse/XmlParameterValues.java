package io.qwen4j.chat.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;

/**
 * Turns the raw text of a Qwen3-Coder {@code <parameter=NAME>} into a JSON value, by the type the tool's
 * JSON schema gives the parameter. Follows vLLM's qwen3_coder parser: strings stay raw text, numbers,
 * booleans, objects and arrays are parsed tolerantly ({@code 72.0000}, {@code True}), and anything that
 * does not parse as its type stays a string rather than being invented or lost.
 */
final class XmlParameterValues {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private XmlParameterValues() {}

    /**
     * The raw value between {@code <parameter=NAME>} and {@code </parameter>}: the template writes one
     * newline after the opening tag and one before the closing tag, so exactly one of each is removed.
     */
    static String unwrap(String raw) {
        int start = raw.startsWith("\n") ? 1 : 0;
        int end = raw.length() > start && raw.endsWith("\n") ? raw.length() - 1 : raw.length();
        return raw.substring(start, end);
    }

    /** {@code schema} is the parameter's JSON schema, or null when the tool does not declare it. */
    static JsonNode convert(String value, JsonNode schema) {
        String trimmed = value.strip();
        if (trimmed.equalsIgnoreCase("null")) {
            return NODES.nullNode();
        }
        String type = schema == null ? "string" : declaredType(schema);
        if (type.equals("string") || type.equals("str") || type.equals("text") || type.equals("varchar")
                || type.equals("char") || type.equals("enum")) {
            return NODES.textNode(value);
        }
        JsonNode converted;
        if (type.startsWith("int") || type.startsWith("uint") || type.startsWith("long")
                || type.startsWith("short") || type.startsWith("unsigned")) {
            converted = integer(trimmed);
        } else if (type.startsWith("num") || type.startsWith("float") || type.startsWith("double")) {
            converted = number(trimmed);
        } else if (type.equals("boolean") || type.equals("bool") || type.equals("binary")) {
            converted = bool(trimmed);
        } else {
            // object, array and anything else: JSON first, then Python literal syntax ({'a': True}).
            converted = Json.tryParse(trimmed);
            if (converted == null) {
                converted = PythonLiteral.parse(trimmed);
            }
        }
        return converted != null ? converted : NODES.textNode(value);
    }

    /** The schema's "type"; for a list such as ["integer", "null"] the first non-null entry; "string" if none. */
    private static String declaredType(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            for (JsonNode entry : type) {
                if (entry.isTextual() && !entry.asText().equalsIgnoreCase("null")) {
                    return entry.asText().strip().toLowerCase(Locale.ROOT);
                }
            }
            return "string";
        }
        return type != null && type.isTextual() ? type.asText().strip().toLowerCase(Locale.ROOT) : "string";
    }

    /** An integer, also when written with a zero fraction ("72.0" → 72); else null. */
    private static JsonNode integer(String text) {
        BigDecimal decimal = decimal(text);
        // The digit bound keeps "1e999999999" from becoming a gigantic BigInteger.
        if (decimal == null || decimal.precision() - decimal.scale() > 400
                || decimal.signum() != 0 && decimal.stripTrailingZeros().scale() > 0) {
            return null;
        }
        return integerNode(decimal.toBigInteger());
    }

    /** Plain integers stay integers ("72"); a written fraction or exponent gives a double ("72.0000" → 72.0). */
    private static JsonNode number(String text) {
        BigDecimal decimal = decimal(text);
        if (decimal == null) {
            return null;
        }
        boolean plainInteger = text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        if (plainInteger) {
            return integerNode(decimal.toBigInteger());
        }
        double value = decimal.doubleValue();
        return Double.isInfinite(value) ? null : NODES.numberNode(value);
    }

    private static BigDecimal decimal(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static JsonNode integerNode(BigInteger integer) {
        return integer.bitLength() < 64 ? NODES.numberNode(integer.longValue()) : NODES.numberNode(integer);
    }

    private static JsonNode bool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> NODES.booleanNode(true);
            case "false" -> NODES.booleanNode(false);
            default -> null;
        };
    }
}
