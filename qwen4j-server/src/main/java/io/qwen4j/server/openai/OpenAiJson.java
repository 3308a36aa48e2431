package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.server.generation.OutputText;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Pieces of OpenAI's response shapes shared by chat and completions: ids, usage, log-probabilities. */
public final class OpenAiJson {

    private OpenAiJson() {
    }

    public static String id(String prefix) {
        byte[] bytes = new byte[12];
        ThreadLocalRandom.current().nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }

    public static ObjectNode object() {
        return RequestFields.JSON.createObjectNode();
    }

    public static ArrayNode array() {
        return RequestFields.JSON.createArrayNode();
    }

    public static ObjectNode usage(int promptTokens, int completionTokens, int cachedTokens, Integer reasoningTokens) {
        ObjectNode u = object();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", promptTokens + completionTokens);
        u.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        if (reasoningTokens != null) {
            u.putObject("completion_tokens_details").put("reasoning_tokens", reasoningTokens);
        }
        return u;
    }

    /** Chat's {@code logprobs}: {@code {"content": [{token, logprob, bytes, top_logprobs}], "refusal": null}}. */
    public static ObjectNode chatLogprobs(List<OutputText.TokenLogprob> entries) {
        ObjectNode root = object();
        root.set("content", logprobEntries(entries));
        root.putNull("refusal");
        return root;
    }

    /** {@code [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}: chat's content and the Responses API's output text. */
    public static ArrayNode logprobEntries(List<OutputText.TokenLogprob> entries) {
        ArrayNode content = array();
        for (OutputText.TokenLogprob e : entries) {
            ObjectNode item = entry(e);
            ArrayNode top = item.putArray("top_logprobs");
            e.top().forEach(t -> top.add(entry(t)));
            content.add(item);
        }
        return content;
    }

    private static ObjectNode entry(OutputText.TokenLogprob e) {
        ObjectNode item = object();
        item.put("token", e.token());
        item.put("logprob", e.logprob());
        ArrayNode bytes = item.putArray("bytes");
        for (byte b : e.bytes()) {
            bytes.add(b & 0xFF);
        }
        return item;
    }

    /**
     * Legacy completions' {@code logprobs}: parallel arrays {@code tokens}, {@code token_logprobs},
     * {@code top_logprobs} (token → logprob maps) and {@code text_offset} (from {@code offset}).
     */
    public static ObjectNode completionLogprobs(List<OutputText.TokenLogprob> entries, int offset) {
        ObjectNode root = object();
        ArrayNode tokens = root.putArray("tokens");
        ArrayNode logprobs = root.putArray("token_logprobs");
        ArrayNode tops = root.putArray("top_logprobs");
        ArrayNode offsets = root.putArray("text_offset");
        int at = offset;
        for (OutputText.TokenLogprob e : entries) {
            tokens.add(e.token());
            logprobs.add(e.logprob());
            ObjectNode top = tops.addObject();
            e.top().forEach(t -> top.put(t.token(), t.logprob()));
            offsets.add(at);
            at += e.token().length();
        }
        return root;
    }
}
