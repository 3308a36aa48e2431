package io.qwen4j.chat.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads a Python literal ({@code {'city': 'Paris', 'days': [1, 2], 'metric': True, 'x': None}}) as JSON,
 * for models that write object and array parameters in Python syntax (vLLM falls back to
 * {@code ast.literal_eval} for the same reason). Returns null for anything else; never throws.
 */
final class PythonLiteral {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;

    private PythonLiteral(String text) {
        this.text = text;
    }

    static JsonNode parse(String text) {
        var parser = new PythonLiteral(text);
        try {
            JsonNode value = parser.value(0);
            parser.skipSpace();
            return parser.pos == text.length() ? value : null;
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    private JsonNode value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("too deep");
        }
        skipSpace();
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> dict(depth);
            case '[' -> sequence(depth, ']');
            case '(' -> sequence(depth, ')');
            case '\'', '"' -> NODES.textNode(string());
            default -> word();
        };
    }

    private ObjectNode dict(int depth) {
        ObjectNode object = NODES.objectNode();
        pos++;
        while (true) {
            skipSpace();
            if (text.charAt(pos) == '}') {
                pos++;
                return object;
            }
            JsonNode key = value(depth + 1);
            if (!key.isValueNode() || key.isNull()) {
                throw new IllegalArgumentException("dict key");
            }
            expect(':');
            object.set(key.asText(), value(depth + 1));
            if (!separator('}')) {
                return object;
            }
        }
    }

    private ArrayNode sequence(int depth, char close) {
        ArrayNode array = NODES.arrayNode();
        pos++;
        while (true) {
            skipSpace();
            if (text.charAt(pos) == close) {
                pos++;
                return array;
            }
            array.add(value(depth + 1));
            if (!separator(close)) {
                return array;
            }
        }
    }

    /** After an element: true when another may follow, false when {@code close} ended the container. */
    private boolean separator(char close) {
        skipSpace();
        char c = text.charAt(pos++);
        if (c == ',') {
            return true;
        }
        if (c == close) {
            return false;
        }
        throw new IllegalArgumentException("separator");
    }

    private String string() {
        char quote = text.charAt(pos++);
        var out = new StringBuilder();
        while (true) {
            char c = text.charAt(pos++);
            if (c == quote) {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char escaped = text.charAt(pos++);
            switch (escaped) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '0' -> out.append('\0');
                case 'u' -> {
                    out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> out.append(escaped); // \\ \' \" and unknown escapes keep the character
            }
        }
    }

    private JsonNode word() {
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || "+-._".indexOf(text.charAt(pos)) >= 0)) {
            pos++;
        }
        String word = text.substring(start, pos);
        return switch (word) {
            case "True" -> NODES.booleanNode(true);
            case "False" -> NODES.booleanNode(false);
            case "None" -> NODES.nullNode();
            default -> {
                JsonNode number = Json.tryParse(word.replace("_", ""));
                if (number == null || !number.isNumber()) {
                    throw new IllegalArgumentException("not a literal: " + word);
                }
                yield number;
            }
        };
    }

    private void expect(char c) {
        skipSpace();
        if (text.charAt(pos++) != c) {
            throw new IllegalArgumentException("expected " + c);
        }
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
