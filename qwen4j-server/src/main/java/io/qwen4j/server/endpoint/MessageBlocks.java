package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import java.util.ArrayList;
import java.util.List;

/**
 * One Anthropic message's {@code content} built from the chat parser's deltas: a {@code thinking} block, a
 * {@code text} block and a {@code tool_use} block per call, in the order the model wrote them, and the stream events
 * that open, extend and close them ({@code content_block_start}, {@code content_block_delta} with
 * {@code thinking_delta}, {@code text_delta} or {@code input_json_delta}, {@code content_block_stop}).
 */
final class MessageBlocks {

    private enum Kind { THINKING, TEXT, TOOL_USE }

    private final ArrayNode content = OpenAiJson.array();
    private Kind open;
    private int openCall = -1;
    private final StringBuilder text = new StringBuilder();

    /** The finished blocks (all of them once {@link #close} has run). */
    ArrayNode content() {
        return content;
    }

    /** Takes deltas into the blocks; returns the events they make. */
    List<ObjectNode> take(List<Delta> deltas) {
        List<ObjectNode> out = new ArrayList<>();
        for (Delta d : deltas) {
            switch (d) {
                case Delta.Reasoning r -> append(Kind.THINKING, -1, r.text(), null, out);
                case Delta.Content c -> append(Kind.TEXT, -1, c.text(), null, out);
                case Delta.ToolCallPiece p -> append(Kind.TOOL_USE, p.index(), p.arguments(), p.isFirst() ? p : null, out);
            }
        }
        return out;
    }

    /** Closes the open block, if any; returns its stop event. */
    List<ObjectNode> close() {
        List<ObjectNode> out = new ArrayList<>();
        close(out);
        return out;
    }

    private void append(Kind kind, int call, String piece, Delta.ToolCallPiece first, List<ObjectNode> out) {
        boolean newCall = kind == Kind.TOOL_USE && (first != null || call != openCall);
        if (open != kind || newCall) {
            if (piece.isEmpty() && !newCall) {
                return;
            }
            close(out);
            start(kind, call, first, out);
        }
        if (piece.isEmpty()) {
            return;
        }
        text.append(piece);
        ObjectNode delta = switch (kind) {
            case THINKING -> OpenAiJson.object().put("type", "thinking_delta").put("thinking", piece);
            case TEXT -> OpenAiJson.object().put("type", "text_delta").put("text", piece);
            case TOOL_USE -> OpenAiJson.object().put("type", "input_json_delta").put("partial_json", piece);
        };
        ObjectNode event = event("content_block_delta");
        event.set("delta", delta);
        out.add(event);
    }

    private void start(Kind kind, int call, Delta.ToolCallPiece first, List<ObjectNode> out) {
        ObjectNode block = switch (kind) {
            case THINKING -> OpenAiJson.object().put("type", "thinking").put("thinking", "").put("signature", "");
            case TEXT -> OpenAiJson.object().put("type", "text").put("text", "");
            case TOOL_USE -> {
                ObjectNode b = OpenAiJson.object().put("type", "tool_use")
                        .put("id", first == null ? "toolu_" + call : first.id()).put("name", first == null ? "" : first.name());
                b.putObject("input");
                yield b;
            }
        };
        open = kind;
        openCall = call;
        text.setLength(0);
        ObjectNode event = event("content_block_start");
        event.set("content_block", block.deepCopy());
        out.add(event);
        content.add(block);
    }

    private void close(List<ObjectNode> out) {
        if (open == null) {
            return;
        }
        ObjectNode block = (ObjectNode) content.get(content.size() - 1);
        switch (open) {
            case THINKING -> block.put("thinking", text.toString());
            case TEXT -> block.put("text", text.toString());
            case TOOL_USE -> block.set("input", input(text.toString()));
        }
        out.add(event("content_block_stop"));
        open = null;
        openCall = -1;
    }

    /**
     * A call's arguments as the object Anthropic's {@code input} is: the parsers write JSON objects; anything else
     * (a call cut at the token limit) is kept as text under {@code "_unparsed"} rather than lost.
     */
    private static JsonNode input(String arguments) {
        try {
            JsonNode node = RequestFields.JSON.readTree(arguments.isBlank() ? "{}" : arguments);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (JsonProcessingException e) {
            // falls through
        }
        return OpenAiJson.object().put("_unparsed", arguments);
    }

    private ObjectNode event(String type) {
        return OpenAiJson.object().put("type", type).put("index", content.size() - (type.equals("content_block_start") ? 0 : 1));
    }
}
