package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.OpenAiJson;

/**
 * One Responses API response: its object ({@code id}, {@code created_at}, {@code model}, the request's echoed
 * settings, {@code status}, {@code output}, {@code usage}) and the numbering of its stream events
 * ({@code sequence_number}, from 0, across every event of the stream).
 */
final class ResponseEvents {

    private final ObjectNode base;
    private int sequence;

    /**
     * @param settings what the response repeats of its request ({@code ResponsesRequest.settings})
     * @param sampling the sampling the request runs with: its {@code temperature} and {@code top_p} are echoed
     */
    ResponseEvents(String model, ObjectNode settings, SamplingParams sampling) {
        base = OpenAiJson.object().put("id", OpenAiJson.id("resp_")).put("object", "response")
                .put("created_at", System.currentTimeMillis() / 1000).put("model", model);
        base.setAll(settings);
        base.put("temperature", sampling.temperature()).put("top_p", sampling.topP());
    }

    /** A new stream event: {@code {"type": type, "sequence_number": n}}. */
    ObjectNode event(String type) {
        return OpenAiJson.object().put("type", type).put("sequence_number", sequence++);
    }

    /**
     * The response object. {@code status} is {@code in_progress}, {@code completed}, {@code incomplete} (the token
     * limit: {@code incomplete_details.reason} {@code max_output_tokens}) or {@code failed} (with {@code error}).
     */
    ObjectNode response(String status, ArrayNode output, ObjectNode usage, ApiException error) {
        ObjectNode r = base.deepCopy().put("status", status);
        if (status.equals("incomplete")) {
            r.putObject("incomplete_details").put("reason", "max_output_tokens");
        } else {
            r.putNull("incomplete_details");
        }
        if (error == null) {
            r.putNull("error");
        } else {
            r.putObject("error").put("code", error.code()).put("message", error.getMessage());
        }
        r.set("output", output);
        r.set("usage", usage);
        return r;
    }

    /** A lifecycle event ({@code response.created}, {@code response.completed}, ...) carrying the response. */
    ObjectNode lifecycle(String type, ObjectNode response) {
        ObjectNode event = event(type);
        event.set("response", response);
        return event;
    }

    /**
     * Responses' usage: input and output tokens, the cached prefix and the reasoning share. {@code cache_write_tokens}
     * is 0, as OpenAI reports it for its automatic caching: the prefix cache here is automatic too, and free.
     */
    static ObjectNode usage(int inputTokens, int outputTokens, int cachedTokens, int reasoningTokens) {
        ObjectNode u = OpenAiJson.object().put("input_tokens", inputTokens);
        u.putObject("input_tokens_details").put("cached_tokens", cachedTokens).put("cache_write_tokens", 0);
        u.put("output_tokens", outputTokens);
        u.putObject("output_tokens_details").put("reasoning_tokens", reasoningTokens);
        return u.put("total_tokens", inputTokens + outputTokens);
    }
}
