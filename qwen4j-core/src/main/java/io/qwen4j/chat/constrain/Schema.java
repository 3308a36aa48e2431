package io.qwen4j.chat.constrain;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of JSON Schema that tool parameters use, compiled from the JSON text by
 * {@link SchemaCompiler}. Keywords outside it (pattern, minimum, format, ...) are not enforced.
 */
sealed interface Schema {

    /** Any JSON value (an empty or unknown schema). */
    record AnyValue() implements Schema {}

    /** One of these values, as canonical JSON texts ({@code enum}, {@code const}). */
    record OneOfValues(List<String> jsonTexts) implements Schema {}

    record StringType() implements Schema {}

    record NumberType(boolean integer) implements Schema {}

    record BooleanType() implements Schema {}

    record NullType() implements Schema {}

    record ArrayType(Schema items, int minItems, int maxItems) implements Schema {}

    /**
     * An object: declared properties in schema order, the required ones, and the schema of any other key
     * (null: no other key).
     */
    record ObjectType(Map<String, Schema> properties, Set<String> required, Schema additional) implements Schema {
        static final ObjectType ANY = new ObjectType(Map.of(), Set.of(), new AnyValue());
    }

    /** Any of these ({@code anyOf}, {@code oneOf}, a list of types). */
    record Union(List<Schema> options) implements Schema {}

    /** A {@code $ref}, resolved when a value of it starts (schemas may be recursive). */
    record Reference(SchemaCompiler compiler, String pointer) implements Schema {}
}
