package io.qwen4j.chat.constrain;

/** How one template writes one tool call, as a matcher (one implementation per {@code ToolCallFormat}). */
interface CallGrammar {

    /** The length of {@code <tool_call>}, which both formats open with. */
    int OPEN_TAG_LENGTH = "<tool_call>".length();

    /** One whole call, from its opening {@code <tool_call>}, then {@code after}. */
    MatchState call(MatchState after);

    /** The same call once its opening {@code <tool_call>} has been written (e.g. inside the thought). */
    MatchState afterOpenTag(MatchState after);

    /** Compiles a tool's parameters; a schema that does not describe an object admits any object. */
    static Schema.ObjectType parameters(com.fasterxml.jackson.databind.JsonNode schema) {
        Schema compiled = SchemaCompiler.compile(schema);
        while (compiled instanceof Schema.Reference ref) {
            compiled = ref.compiler().resolve(ref.pointer());
        }
        return compiled instanceof Schema.ObjectType object ? object : Schema.ObjectType.ANY;
    }
}
