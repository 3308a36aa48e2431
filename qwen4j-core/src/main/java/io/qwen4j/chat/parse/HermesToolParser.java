package io.qwen4j.chat.parse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Hermes-style JSON tool calls (Qwen2.5, Qwen3, Qwen3-2507):
 * {@code <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>}, possibly several in a row.
 *
 * <pre>
 *   CONTENT --"&lt;tool_call&gt;"--&gt; IN_BLOCK --"&lt;/tool_call&gt;" or end, valid--&gt; BETWEEN_CALLS --"&lt;tool_call&gt;"--&gt; IN_BLOCK
 *                                     \--invalid, no call yet--&gt; VERBATIM (all content)
 *                                     \--invalid after a call--&gt; IGNORING
 * </pre>
 *
 * A block is held whole and emitted as one delta when it closes: only then is it certain to be a call.
 * A block cut off by the end of output still counts when its JSON is complete. A name not among the
 * tools makes the block invalid (content is safest: the client could not run the call); with an empty
 * tool list any name is accepted.
 */
final class HermesToolParser implements ToolCallParser {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";
    private static final List<String> OPEN_TAG = List.of(OPEN);
    private static final List<String> CLOSE_TAG = List.of(CLOSE);

    private enum State { CONTENT, IN_BLOCK, BETWEEN_CALLS, VERBATIM, IGNORING }

    private final List<ToolSpec> tools;
    private final Supplier<String> callIds;
    private final StringBuilder pending = new StringBuilder();
    private State state = State.CONTENT;
    private int callCount;
    /** In IN_BLOCK: where to resume looking for the closing tag, so a long block is scanned once. */
    private int scanFrom;

    HermesToolParser(List<ToolSpec> tools, Supplier<String> callIds) {
        this.tools = List.copyOf(tools);
        this.callIds = callIds;
    }

    @Override
    public List<Delta> feed(String text) {
        pending.append(text);
        return drain(false);
    }

    @Override
    public List<Delta> finish() {
        return drain(true);
    }

    private List<Delta> drain(boolean atEnd) {
        var out = new ArrayList<Delta>();
        // A block left open at the end must still be judged, even when nothing follows "<tool_call>".
        while (!pending.isEmpty() || atEnd && state == State.IN_BLOCK) {
            switch (state) {
                case CONTENT, BETWEEN_CALLS -> {
                    TagScan.Hit open = TagScan.first(pending, 0, OPEN_TAG);
                    int textEnd = open != null ? open.index()
                            : atEnd ? pending.length() : TagScan.safeEnd(pending, 0, OPEN_TAG);
                    if (state == State.CONTENT) {
                        emitContent(out, pending.substring(0, textEnd));
                    }
                    pending.delete(0, open != null ? open.end() : textEnd);
                    if (open == null) {
                        return out;
                    }
                    state = State.IN_BLOCK;
                }
                case IN_BLOCK -> {
                    TagScan.Hit close = TagScan.first(pending, scanFrom, CLOSE_TAG);
                    if (close == null && !atEnd) {
                        scanFrom = TagScan.resumeFrom(pending, CLOSE_TAG);
                        return out;
                    }
                    scanFrom = 0;
                    int innerEnd = close != null ? close.index() : pending.length();
                    String inner = pending.substring(0, innerEnd);
                    String raw = OPEN + pending.substring(0, close != null ? close.end() : innerEnd);
                    pending.delete(0, close != null ? close.end() : innerEnd);
                    closeBlock(out, inner, raw);
                }
                case VERBATIM -> {
                    emitContent(out, pending.toString());
                    pending.setLength(0);
                }
                case IGNORING -> pending.setLength(0);
            }
        }
        return out;
    }

    private void closeBlock(List<Delta> out, String inner, String raw) {
        ToolCall call = parseCall(inner);
        if (call != null) {
            out.add(new Delta.ToolCallPiece(callCount++, callIds.get(), call.name(), call.arguments()));
            state = State.BETWEEN_CALLS;
        } else if (callCount == 0) {
            emitContent(out, raw);
            state = State.VERBATIM;
        } else {
            state = State.IGNORING;
        }
    }

    /** The call in a block's text, or null when it is not {@code {"name": known, "arguments": object}}. */
    private ToolCall parseCall(String inner) {
        JsonNode json = Json.tryParse(inner.strip());
        if (json == null || !json.isObject()) {
            return null;
        }
        JsonNode name = json.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            return null;
        }
        if (!tools.isEmpty() && ToolSpec.find(tools, name.asText()) == null) {
            return null;
        }
        JsonNode arguments = json.has("arguments") ? json.get("arguments") : json.get("parameters");
        if (arguments == null || arguments.isNull()) {
            arguments = Json.MAPPER.createObjectNode();
        } else if (arguments.isTextual()) {
            // Some models write the arguments as a JSON string, as the OpenAI API carries them.
            arguments = Json.tryParse(arguments.asText());
        }
        if (arguments == null || !arguments.isObject()) {
            return null;
        }
        return new ToolCall(null, name.asText(), Json.write(arguments));
    }

    private static void emitContent(List<Delta> out, String text) {
        if (!text.isEmpty()) {
            out.add(new Delta.Content(text));
        }
    }
}
