package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.server.generation.OutputText.TokenLogprob;
import io.qwen4j.server.openai.OpenAiJson;
import java.util.ArrayList;
import java.util.List;

/**
 * One response's {@code output} built from the chat parser's deltas, as the Responses API has it: a
 * {@code reasoning} item (its text as {@code reasoning_text} content), a {@code message} item (one
 * {@code output_text} part) and a {@code function_call} item per call, in the order the model wrote them. Each
 * delta also yields the stream events that announce, extend and close those items
 * ({@code response.output_item.added}, {@code response.reasoning_text.delta}, {@code response.output_text.delta},
 * {@code response.function_call_arguments.delta}, {@code ….done}); their {@code sequence_number}s are
 * {@link ResponseEvents}'.
 *
 * <p>With log-probabilities asked for, a message's text carries those of its tokens: a text delta takes, of the tokens
 * since the last delta of any item, the fewest last ones whose text is as long as the delta's (so the {@code </think>}
 * and blank line before an answer, which the parser drops, are not the answer's); tokens that end up in reasoning or
 * a call are not the message's.
 */
final class ResponseItems {

    private enum Kind { REASONING, MESSAGE, CALL }

    /** The item being written: its JSON (complete but for its text) and the text so far. */
    private static final class Open {
        final Kind kind;
        final ObjectNode item;
        final int outputIndex;
        final int callIndex;
        final StringBuilder text = new StringBuilder();
        final List<TokenLogprob> logprobs = new ArrayList<>();

        Open(Kind kind, ObjectNode item, int outputIndex, int callIndex) {
            this.kind = kind;
            this.item = item;
            this.outputIndex = outputIndex;
            this.callIndex = callIndex;
        }

        String id() {
            return item.get("id").asText();
        }
    }

    private final ResponseEvents events;
    private final ArrayNode output = OpenAiJson.array();
    private Open open;
    /** Log-probabilities of the tokens whose text no delta has shown yet. */
    private final List<TokenLogprob> unshown = new ArrayList<>();

    ResponseItems(ResponseEvents events) {
        this.events = events;
    }

    /** The finished items, in order (all of them once {@link #close} has run). */
    ArrayNode output() {
        return output;
    }

    /** Takes deltas, and the log-probabilities of the tokens that made them, into the items; returns the events they make. */
    List<ObjectNode> take(List<Delta> deltas, List<TokenLogprob> logprobs) {
        unshown.addAll(logprobs);
        List<ObjectNode> out = new ArrayList<>();
        for (Delta d : deltas) {
            switch (d) {
                case Delta.Reasoning r -> append(Kind.REASONING, -1, r.text(), out);
                case Delta.Content c -> append(Kind.MESSAGE, -1, c.text(), out);
                case Delta.ToolCallPiece p -> {
                    if (p.isFirst() || open == null || open.callIndex != p.index()) {
                        close("completed", out);
                        start(call(p), Kind.CALL, p.index(), out);
                    }
                    append(Kind.CALL, p.index(), p.arguments(), out);
                }
            }
        }
        return out;
    }

    /** Closes the open item with {@code status} ({@code completed}, or {@code incomplete} at the token limit). */
    List<ObjectNode> close(String status) {
        List<ObjectNode> out = new ArrayList<>();
        close(status, out);
        return out;
    }

    private void append(Kind kind, int callIndex, String text, List<ObjectNode> out) {
        if (text.isEmpty()) {
            return;
        }
        // a call's item is opened by take(), with its id and name; reasoning and the message open here
        if (kind != Kind.CALL && (open == null || open.kind != kind)) {
            close("completed", out);
            start(kind == Kind.REASONING ? reasoning() : message(), kind, callIndex, out);
        }
        open.text.append(text);
        ObjectNode delta = switch (kind) {
            case REASONING -> part("response.reasoning_text.delta");
            case MESSAGE -> part("response.output_text.delta");
            case CALL -> at("response.function_call_arguments.delta");
        };
        delta.put("delta", text);
        if (kind == Kind.MESSAGE) {
            List<TokenLogprob> shown = tokensOf(text);
            open.logprobs.addAll(shown);
            delta.set("logprobs", OpenAiJson.logprobEntries(shown));
        }
        unshown.clear();
        out.add(delta);
    }

    /** The fewest last {@link #unshown} tokens whose text together is at least as long as {@code text}. */
    private List<TokenLogprob> tokensOf(String text) {
        int from = unshown.size();
        for (int length = 0; from > 0 && length < text.length(); ) {
            length += unshown.get(--from).token().length();
        }
        return List.copyOf(unshown.subList(from, unshown.size()));
    }

    private void start(ObjectNode item, Kind kind, int callIndex, List<ObjectNode> out) {
        open = new Open(kind, item, output.size(), callIndex);
        out.add(withItem("response.output_item.added", item.deepCopy()));
        if (kind != Kind.CALL) {
            out.add(part("response.content_part.added").set("part", contentPart(kind, "")));
        }
    }

    private void close(String status, List<ObjectNode> out) {
        if (open == null) {
            return;
        }
        String text = open.text.toString();
        ObjectNode item = open.item.put("status", status);
        switch (open.kind) {
            case REASONING, MESSAGE -> {
                ObjectNode done = part(open.kind == Kind.REASONING ? "response.reasoning_text.done" : "response.output_text.done");
                done.put("text", text);
                ObjectNode part = contentPart(open.kind, text);
                if (open.kind == Kind.MESSAGE) {
                    done.set("logprobs", OpenAiJson.logprobEntries(open.logprobs));
                    part.set("logprobs", OpenAiJson.logprobEntries(open.logprobs));
                }
                out.add(done);
                out.add(part("response.content_part.done").set("part", part.deepCopy()));
                ((ArrayNode) item.get("content")).add(part);
            }
            case CALL -> {
                item.put("arguments", text);
                out.add(at("response.function_call_arguments.done").put("name", item.get("name").asText()).put("arguments", text));
            }
        }
        out.add(withItem("response.output_item.done", item.deepCopy()));
        output.add(item);
        open = null;
    }

    private static ObjectNode reasoning() {
        ObjectNode item = OpenAiJson.object().put("id", OpenAiJson.id("rs_")).put("type", "reasoning");
        item.putArray("summary");
        item.putArray("content");
        return item.put("status", "in_progress");
    }

    private static ObjectNode message() {
        ObjectNode item = OpenAiJson.object().put("id", OpenAiJson.id("msg_")).put("type", "message")
                .put("status", "in_progress").put("role", "assistant");
        item.putArray("content");
        return item;
    }

    private static ObjectNode call(Delta.ToolCallPiece first) {
        return OpenAiJson.object().put("id", OpenAiJson.id("fc_")).put("type", "function_call").put("status", "in_progress")
                .put("call_id", first.id()).put("name", first.name()).put("arguments", "");
    }

    private static ObjectNode contentPart(Kind kind, String text) {
        if (kind == Kind.REASONING) {
            return OpenAiJson.object().put("type", "reasoning_text").put("text", text);
        }
        ObjectNode part = OpenAiJson.object().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    /** An event about the open item: its type, {@code item_id} and {@code output_index}. */
    private ObjectNode at(String type) {
        return events.event(type).put("item_id", open.id()).put("output_index", open.outputIndex);
    }

    /** {@link #at} plus {@code content_index} 0: reasoning and messages have one content part here. */
    private ObjectNode part(String type) {
        return at(type).put("content_index", 0);
    }

    private ObjectNode withItem(String type, ObjectNode item) {
        ObjectNode event = events.event(type).put("output_index", open.outputIndex);
        event.set("item", item);
        return event;
    }
}
