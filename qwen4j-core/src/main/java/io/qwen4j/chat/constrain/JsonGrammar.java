package io.qwen4j.chat.constrain;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * JSON values valid for a {@link Schema}, as {@link MatchState}s: {@link #value} gives the state that
 * expects the first byte of such a value and hands over to {@code next} once it is complete. Objects and
 * arrays are small state records ({@link ObjectState}, {@link ArrayState}) that keep which keys were
 * written and how many items; at most {@code maxWhitespace} whitespace bytes are allowed around
 * structural characters.
 */
final class JsonGrammar {
    /** How many $refs may lead to $refs before a value is read as anything (a "#" pointing at itself). */
    private static final int MAX_REFERENCE_HOPS = 32;

    private JsonGrammar() {}

    static MatchState value(Schema schema, MatchState next, JsonContext context, int depth) {
        return value(schema, next, context, depth, 0);
    }

    private static MatchState value(Schema schema, MatchState next, JsonContext context, int depth, int hops) {
        return switch (schema) {
            case Schema.AnyValue any -> depth >= context.limits().maxDepth() ? scalars(next, context)
                    : MatchState.Alternatives.of(List.of(
                            value(Schema.ObjectType.ANY, next, context, depth),
                            value(new Schema.ArrayType(any, 0, Integer.MAX_VALUE), next, context, depth),
                            scalars(next, context)));
            case Schema.OneOfValues values -> {
                List<MatchState> literals = new ArrayList<>();
                values.jsonTexts().forEach(text -> literals.add(MatchState.Literal.of(text, next)));
                yield MatchState.Alternatives.of(literals);
            }
            case Schema.StringType s -> MatchState.Literal.of("\"", JsonString.afterOpeningQuote(next, context));
            case Schema.NumberType n -> JsonNumber.start(n.integer(), next, context);
            case Schema.BooleanType b -> MatchState.Alternatives.of(
                    MatchState.Literal.of("true", next), MatchState.Literal.of("false", next));
            case Schema.NullType n -> MatchState.Literal.of("null", next);
            case Schema.ArrayType array -> MatchState.Literal.of("[",
                    context.whitespace(new ArrayState(array, 0, Phase.OPENED, next, context, depth + 1)));
            case Schema.ObjectType object -> MatchState.Literal.of("{",
                    context.whitespace(new ObjectState(object, new BitSet(), Phase.OPENED, next, context, depth + 1)));
            case Schema.Union union -> {
                List<MatchState> options = new ArrayList<>();
                union.options().forEach(option -> options.add(value(option, next, context, depth, hops)));
                yield MatchState.Alternatives.of(options);
            }
            case Schema.Reference ref -> hops >= MAX_REFERENCE_HOPS ? scalars(next, context)
                    : value(ref.compiler().resolve(ref.pointer()), next, context, depth, hops + 1);
        };
    }

    private static MatchState scalars(MatchState next, JsonContext context) {
        return MatchState.Alternatives.of(List.of(
                value(new Schema.StringType(), next, context, 0),
                value(new Schema.NumberType(false), next, context, 0),
                value(new Schema.BooleanType(), next, context, 0),
                value(new Schema.NullType(), next, context, 0)));
    }

    /** Where a container is: just opened, after an item/member, or after a comma. */
    enum Phase { OPENED, AFTER_ITEM, AFTER_COMMA }

    record ArrayState(Schema.ArrayType type, int count, Phase phase, MatchState next, JsonContext context, int depth)
            implements MatchState {
        @Override
        public MatchState step(int b) {
            return switch (phase) {
                case OPENED -> b == ']' && count >= type.minItems() ? next : item(b);
                case AFTER_ITEM -> b == ',' && count < type.maxItems()
                        ? context.whitespace(new ArrayState(type, count, Phase.AFTER_COMMA, next, context, depth))
                        : b == ']' && count >= type.minItems() ? next : null;
                case AFTER_COMMA -> item(b);
            };
        }

        private MatchState item(int b) {
            if (count >= type.maxItems()) {
                return null;
            }
            var after = context.whitespace(new ArrayState(type, count + 1, Phase.AFTER_ITEM, next, context, depth));
            MatchState item = value(type.items(), after, context, depth);
            return item == null ? null : item.step(b);
        }

        @Override
        public boolean canEnd() {
            return false;
        }
    }

    record ObjectState(Schema.ObjectType type, BitSet used, Phase phase, MatchState next, JsonContext context, int depth)
            implements MatchState {
        @Override
        public MatchState step(int b) {
            return switch (phase) {
                case OPENED -> b == '}' && requiredWritten() ? next : key(b);
                case AFTER_ITEM -> b == ',' && anotherKeyPossible()
                        ? context.whitespace(new ObjectState(type, used, Phase.AFTER_COMMA, next, context, depth))
                        : b == '}' && requiredWritten() ? next : null;
                case AFTER_COMMA -> key(b);
            };
        }

        /** After the opening quote of a key: one of the unused declared keys, or any key if others are allowed. */
        private MatchState key(int b) {
            if (b != '"') {
                return null;
            }
            List<MatchState> keys = new ArrayList<>();
            int index = 0;
            for (Map.Entry<String, Schema> property : type.properties().entrySet()) {
                if (!used.get(index)) {
                    BitSet after = (BitSet) used.clone();
                    after.set(index);
                    String quoted = SchemaCompiler.write(com.fasterxml.jackson.databind.node.TextNode.valueOf(property.getKey()));
                    keys.add(MatchState.Literal.of(quoted.substring(1), member(property.getValue(), after)));
                }
                index++;
            }
            if (type.additional() != null) {
                keys.add(JsonString.afterOpeningQuote(member(type.additional(), used), context));
            }
            return MatchState.Alternatives.of(keys);
        }

        /** {@code : value} then back here, after an item. */
        private MatchState member(Schema valueSchema, BitSet usedAfter) {
            var after = context.whitespace(new ObjectState(type, usedAfter, Phase.AFTER_ITEM, next, context, depth));
            MatchState value = value(valueSchema, after, context, depth);
            return value == null ? null : context.whitespace(MatchState.Literal.of(":", context.whitespace(value)));
        }

        private boolean requiredWritten() {
            int index = 0;
            for (String name : type.properties().keySet()) {
                if (!used.get(index) && type.required().contains(name)) {
                    return false;
                }
                index++;
            }
            return true;
        }

        private boolean anotherKeyPossible() {
            return type.additional() != null || used.cardinality() < type.properties().size();
        }

        @Override
        public boolean canEnd() {
            return false;
        }
    }
}
