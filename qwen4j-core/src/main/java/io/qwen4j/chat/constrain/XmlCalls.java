package io.qwen4j.chat.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.chat.parse.ToolSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * Qwen3-Coder XML calls as its template writes them:
 * {@code <tool_call>\n<function=NAME>\n<parameter=P>\nVALUE\n</parameter>\n...</function>\n</tool_call>}.
 * Each declared parameter at most once, in any order, every required one before {@code </function>};
 * VALUE is written as the parser will read it for the parameter's type ({@link XmlValueKind}): raw text
 * for strings (one of the enum's texts if it has one), a number, true/false, or JSON for the rest.
 * A tool whose schema declares no properties takes any parameter names, with text values.
 */
final class XmlCalls implements CallGrammar {
    private static final byte[] PREFIX = "<tool_call>\n<function=".getBytes(StandardCharsets.UTF_8);
    private static final String CLOSE_PARAMETER = "\n</parameter>\n";
    private static final String CLOSE_CALL = "</function>\n</tool_call>";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Parameter(String name, Schema schema, XmlValueKind kind, boolean nullAllowed, List<String> texts) {}

    private record Tool(String name, List<Parameter> parameters, Schema.ObjectType schema) {}

    private final List<Tool> tools = new ArrayList<>();
    private final JsonContext context;

    XmlCalls(List<ToolSpec> specs, JsonLimits limits) {
        for (ToolSpec spec : specs) {
            Schema.ObjectType schema = CallGrammar.parameters(spec.parameters());
            JsonNode declared = spec.parameters().get("properties");
            List<Parameter> parameters = new ArrayList<>();
            for (Map.Entry<String, Schema> property : schema.properties().entrySet()) {
                JsonNode raw = declared == null ? null : declared.get(property.getKey());
                Schema compiled = property.getValue();
                parameters.add(new Parameter(property.getKey(), compiled, XmlValueKind.of(raw), admitsNull(compiled, 0),
                        textsOf(compiled)));
            }
            tools.add(new Tool(spec.name(), parameters, schema));
        }
        this.context = new JsonContext(limits, new TextGuard(List.of("</parameter>", "<parameter=", "</function>")));
    }

    @Override
    public MatchState call(MatchState after) {
        return new MatchState.Literal(PREFIX, 0, functions(after));
    }

    @Override
    public MatchState afterOpenTag(MatchState after) {
        return new MatchState.Literal(PREFIX, OPEN_TAG_LENGTH, functions(after));
    }

    private MatchState functions(MatchState after) {
        List<MatchState> options = new ArrayList<>();
        for (Tool tool : tools) {
            options.add(MatchState.Literal.of(tool.name() + ">\n", new Body(this, tool, new BitSet(), after)));
        }
        return MatchState.Alternatives.of(options);
    }

    /** Inside {@code <function=NAME>}: the next parameter, or the end of the call. */
    private record Body(XmlCalls grammar, Tool tool, BitSet used, MatchState after) implements MatchState {
        @Override
        public MatchState step(int b) {
            if (b != '<') {
                return null;
            }
            List<MatchState> options = new ArrayList<>();
            boolean requiredWritten = true;
            for (int i = 0; i < tool.parameters().size(); i++) {
                Parameter parameter = tool.parameters().get(i);
                if (used.get(i)) {
                    continue;
                }
                requiredWritten &= !tool.schema().required().contains(parameter.name());
                BitSet next = (BitSet) used.clone();
                next.set(i);
                MatchState closer = MatchState.Literal.of(CLOSE_PARAMETER, new Body(grammar, tool, next, after));
                options.add(MatchState.Literal.of("<parameter=" + parameter.name() + ">\n", grammar.value(parameter, closer)));
            }
            if (tool.parameters().isEmpty() && tool.schema().additional() != null) {
                MatchState closer = MatchState.Literal.of(CLOSE_PARAMETER, this);
                options.add(MatchState.Literal.of("<parameter=", new FreeName(0,
                        MatchState.Literal.of(">\n", XmlText.start(true, closer, grammar.context)))));
            }
            if (requiredWritten) {
                options.add(MatchState.Literal.of(CLOSE_CALL, after));
            }
            MatchState start = MatchState.Alternatives.of(options);
            return start == null ? null : start.step(b);
        }

        @Override
        public boolean canEnd() {
            return false;
        }
    }

    /** A parameter's value as the parser will read it for its kind, then {@code closer}. */
    private MatchState value(Parameter parameter, MatchState closer) {
        List<MatchState> options = new ArrayList<>();
        if (parameter.nullAllowed() && parameter.kind() != XmlValueKind.STRING) {
            options.add(MatchState.Literal.of("null", closer));
        }
        switch (parameter.kind()) {
            case STRING -> {
                if (!admitsString(parameter.schema(), 0)) {
                    // e.g. a $ref or anyOf of objects without "type": the template writes such values as
                    // JSON (tojson); the parser reads untyped values as text, see the notes.
                    options.add(JsonGrammar.value(parameter.schema(), closer, context, 0));
                } else if (parameter.texts() != null) {
                    parameter.texts().forEach(text -> options.add(MatchState.Literal.of(text, closer)));
                } else {
                    options.add(XmlText.start(parameter.nullAllowed(), closer, context));
                }
            }
            case INTEGER, NUMBER -> options.add(parameter.schema() instanceof Schema.OneOfValues
                    ? JsonGrammar.value(parameter.schema(), closer, context, 0)
                    : JsonNumber.start(parameter.kind() == XmlValueKind.INTEGER, closer, context));
            case BOOLEAN -> {
                for (String spelling : List.of("true", "false", "True", "False")) {
                    options.add(MatchState.Literal.of(spelling, closer));
                }
            }
            case JSON -> options.add(JsonGrammar.value(parameter.schema(), closer, context, 0));
        }
        return MatchState.Alternatives.of(options);
    }

    /** A free parameter name (letters, digits, {@code _.-}; 1 to 64 bytes), then {@code next} from its {@code >}. */
    private record FreeName(int length, MatchState next) implements MatchState {
        @Override
        public MatchState step(int b) {
            boolean nameByte = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                    || b == '_' || b == '.' || b == '-';
            if (nameByte) {
                return length < 64 ? new FreeName(length + 1, next) : null;
            }
            return length > 0 ? next.step(b) : null;
        }

        @Override
        public boolean canEnd() {
            return false;
        }
    }

    /** Whether a value of {@code schema} may be null (the parser reads the text "null" as null). */
    private static boolean admitsNull(Schema schema, int hops) {
        return switch (schema) {
            case Schema.NullType n -> true;
            case Schema.AnyValue a -> true;
            case Schema.OneOfValues values -> values.jsonTexts().contains("null");
            case Schema.Union union -> union.options().stream().anyMatch(option -> admitsNull(option, hops));
            case Schema.Reference ref -> hops < 32 && admitsNull(ref.compiler().resolve(ref.pointer()), hops + 1);
            default -> false;
        };
    }

    /** Whether a value of {@code schema} may be a string. */
    private static boolean admitsString(Schema schema, int hops) {
        return switch (schema) {
            case Schema.StringType s -> true;
            case Schema.AnyValue a -> true;
            case Schema.OneOfValues values -> values.jsonTexts().stream().anyMatch(t -> t.startsWith("\""));
            case Schema.Union union -> union.options().stream().anyMatch(option -> admitsString(option, hops));
            case Schema.Reference ref -> hops < 32 && admitsString(ref.compiler().resolve(ref.pointer()), hops + 1);
            default -> false;
        };
    }

    /** For an enum or const: the raw texts of its string values (what a string parameter is written as); else null. */
    private static List<String> textsOf(Schema schema) {
        if (!(schema instanceof Schema.OneOfValues values)) {
            return null;
        }
        List<String> texts = new ArrayList<>();
        for (String json : values.jsonTexts()) {
            try {
                JsonNode value = JSON.readTree(json);
                if (value.isTextual() && !value.asText().strip().equalsIgnoreCase("null")) {
                    texts.add(value.asText());
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("enum texts are written by Jackson", e);
            }
        }
        return texts.isEmpty() ? null : texts;
    }
}
