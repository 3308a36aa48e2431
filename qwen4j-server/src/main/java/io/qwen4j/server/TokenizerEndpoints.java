package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** llama-server's helper routes: {@code POST /tokenize}, {@code /detokenize} and {@code /apply-template}. */
final class TokenizerEndpoints {

    private TokenizerEndpoints() {
    }

    /**
     * {@code {"content", "add_special"?, "parse_special"? (default true), "with_pieces"?}} →
     * {@code {"tokens": [ids]}}, or with pieces {@code {"tokens": [{"id", "piece"}]}} where a piece that is not
     * whole UTF-8 is given as its byte values.
     */
    static final class Tokenize extends Endpoint {
        Tokenize(ServerContext ctx) {
            super(ctx, Set.of("POST"), false);
        }

        @Override
        protected int serve(HttpExchange ex) throws IOException {
            RequestFields f = readFields(ex);
            String content = f.string("content").orElseThrow(() -> ApiException.badRequest("content", "'content' is required"));
            f.bool("add_special"); // Qwen vocabularies add no BOS: nothing to add either way
            boolean parseSpecial = f.bool("parse_special").orElse(true);
            boolean withPieces = f.bool("with_pieces").orElse(false);
            logUnknown("/tokenize", f);
            Tokenizer tokenizer = ctx.model.tokenizer();
            int[] ids = tokenizer.encode(content, parseSpecial);
            ObjectNode body = OpenAiJson.object();
            ArrayNode tokens = body.putArray("tokens");
            for (int id : ids) {
                if (!withPieces) {
                    tokens.add(id);
                    continue;
                }
                ObjectNode item = tokens.addObject().put("id", id);
                byte[] bytes = tokenizer.bytes(id);
                try {
                    item.put("piece", StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .decode(java.nio.ByteBuffer.wrap(bytes)).toString());
                } catch (CharacterCodingException e) {
                    ArrayNode raw = item.putArray("piece");
                    for (byte b : bytes) {
                        raw.add(b & 0xFF);
                    }
                }
            }
            return Responses.json(ex, 200, body);
        }
    }

    /** {@code {"tokens": [ids]}} → {@code {"content": text}} (special tokens included). */
    static final class Detokenize extends Endpoint {
        Detokenize(ServerContext ctx) {
            super(ctx, Set.of("POST"), false);
        }

        @Override
        protected int serve(HttpExchange ex) throws IOException {
            RequestFields f = readFields(ex);
            JsonNode tokens = f.raw("tokens").orElseThrow(() -> ApiException.badRequest("tokens", "'tokens' is required"));
            logUnknown("/detokenize", f);
            if (!tokens.isArray()) {
                throw ApiException.wrongType("tokens", "an array of token ids", RequestFields.kind(tokens));
            }
            Tokenizer tokenizer = ctx.model.tokenizer();
            int[] ids = new int[tokens.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode id = tokens.get(i);
                if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() >= tokenizer.size()) {
                    throw ApiException.badRequest("tokens", "tokens[" + i + "] is not a token id in [0, " + tokenizer.size() + "): " + id);
                }
                ids[i] = id.asInt();
            }
            return Responses.json(ex, 200, OpenAiJson.object().put("content", tokenizer.decode(ids)));
        }
    }

    /** A chat request's body → {@code {"prompt": text}}: the prompt the model would see, without generating. */
    static final class ApplyTemplate extends Endpoint {
        ApplyTemplate(ServerContext ctx) {
            super(ctx, Set.of("POST"), false);
        }

        @Override
        protected int serve(HttpExchange ex) throws IOException {
            RequestFields f = readFields(ex);
            f.string("model");
            ChatPrompt prompt = ChatPrompt.build(ctx.model, f);
            return Responses.json(ex, 200, OpenAiJson.object().put("prompt", prompt.text()));
        }
    }
}
