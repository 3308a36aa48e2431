package io.qwen4j.chat.parse;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One streamed piece of an assistant message, in the shape of OpenAI's {@code choices[0].delta}.
 * Reasoning and content deltas concatenate to the final fields; a tool call's deltas concatenate
 * their {@code arguments} to the call's final arguments JSON string.
 */
public sealed interface Delta {
    ObjectNode toJson();

    /** {@code {"reasoning_content": text}}. */
    record Reasoning(String text) implements Delta {
        @Override
        public ObjectNode toJson() {
            return Json.MAPPER.createObjectNode().put("reasoning_content", text);
        }
    }

    /** {@code {"content": text}}. */
    record Content(String text) implements Delta {
        @Override
        public ObjectNode toJson() {
            return Json.MAPPER.createObjectNode().put("content", text);
        }
    }

    /**
     * A piece of tool call number {@code index}. The first piece of a call carries {@code id} and
     * {@code name} (non-null); later pieces have both null and only append {@code arguments}.
     */
    record ToolCallPiece(int index, String id, String name, String arguments) implements Delta {
        public boolean isFirst() {
            return id != null;
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode root = Json.MAPPER.createObjectNode();
            ObjectNode call = root.putArray("tool_calls").addObject();
            call.put("index", index);
            if (isFirst()) {
                call.put("id", id).put("type", "function");
            }
            ObjectNode function = call.putObject("function");
            if (isFirst()) {
                function.put("name", name);
            }
            function.put("arguments", arguments);
            return root;
        }
    }
}
