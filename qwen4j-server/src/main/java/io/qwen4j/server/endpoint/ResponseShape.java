package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.server.openai.OpenAiJson;
import java.util.List;

/**
 * What differs between the generation endpoints: how one choice's output is written. Everything else
 * (the event loop, envelope, chunks, usage, errors, metrics) is {@link GenerationResponse}'s. A "body" here
 * is one entry of {@code choices} without its {@code index}.
 */
public interface ResponseShape {

    /** Bodies streamed for a choice before any token (chat's role, completions' echo). */
    List<ObjectNode> opening(int choice);

    /** Takes a step into the choice's answer; returns the bodies to stream for it (often one, maybe none). */
    List<ObjectNode> step(int choice, GenerationStep step);

    /** Ends the choice; returns its last streamed bodies, the last one carrying {@code finish_reason}. */
    List<ObjectNode> finish(int choice, FinishReason reason);

    /** The choice's body in the whole (non-streamed) response. */
    ObjectNode whole(int choice);

    ObjectNode usage(int cachedTokens);

    /** {@code {field: value, "logprobs": logprobs or null, "finish_reason": reason or null}}. */
    static ObjectNode body(String field, JsonNode value, JsonNode logprobs, String finishReason) {
        ObjectNode body = OpenAiJson.object();
        body.set(field, value);
        body.set("logprobs", logprobs == null ? body.nullNode() : logprobs);
        body.put("finish_reason", finishReason);
        return body;
    }
}
