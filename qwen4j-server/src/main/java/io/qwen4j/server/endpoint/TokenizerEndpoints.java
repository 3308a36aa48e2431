package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.ChatPrompt;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * llama-server's helper routes {@code POST /tokenize}, {@code /detokenize} and {@code /apply-template}, each
 * a {@link JsonRoute.Answer}.
 */
public final class TokenizerEndpoints {

    private TokenizerEndpoints() {
    }

    /**
     * {@code {"content", "add_special"?, "parse_special"? (default true), "with_pieces"?}} →
     * {@code {"tokens": [ids]}}, or with pieces {@code {"tokens": [{"id", "piece"}]}} where a piece that is not
     * whole UTF-8 is given as its byte values.
     */
    public static JsonNode tokenize(ServerContext ctx, RequestFields f) {
        String content = f.requiredString("content");
        f.bool("add_special"); // Qwen vocabularies add no BOS: nothing to add either way
        boolean parseSpecial = f.bool("parse_special").orElse(true);
        boolean withPieces = f.bool("with_pieces").orElse(false);
        ctx.logUnknown("/tokenize", f);
        Tokenizer tokenizer = ctx.model.tokenizer();
        ObjectNode body = OpenAiJson.object();
        ArrayNode tokens = body.putArray("tokens");
        for (int id : tokenizer.encode(content, parseSpecial)) {
            if (withPieces) {
                tokens.addObject().put("id", id).set("piece", piece(tokenizer.bytes(id)));
            } else {
                tokens.add(id);
            }
        }
        return body;
    }

    /** The piece as text when it is whole UTF-8, else its byte values. */
    private static JsonNode piece(byte[] bytes) {
        try {
            return OpenAiJson.object().textNode(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            ArrayNode raw = OpenAiJson.object().arrayNode();
            for (byte b : bytes) {
                raw.add(b & 0xFF);
            }
            return raw;
        }
    }

    /** {@code {"tokens": [ids]}} → {@code {"content": text}} (special tokens included). */
    public static JsonNode detokenize(ServerContext ctx, RequestFields f) {
        JsonNode tokens = f.required("tokens");
        ctx.logUnknown("/detokenize", f);
        if (!tokens.isArray()) {
            throw ApiException.wrongType("tokens", "an array of token ids", RequestFields.kind(tokens));
        }
        Tokenizer tokenizer = ctx.model.tokenizer();
        int[] ids = RequestFields.tokenIds("tokens", tokens, tokenizer.size());
        return OpenAiJson.object().put("content", tokenizer.decode(ids));
    }

    /** A chat request's body → {@code {"prompt": text}}: the prompt the model would see, without generating. */
    public static JsonNode applyTemplate(ServerContext ctx, RequestFields f) {
        f.string("model");
        return OpenAiJson.object().put("prompt", ChatPrompt.build(ctx.model, f).text());
    }
}
