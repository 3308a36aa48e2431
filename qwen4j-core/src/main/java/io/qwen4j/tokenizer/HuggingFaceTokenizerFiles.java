package io.qwen4j.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.JsonErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an HF tokenizer folder into a {@link Vocabulary}, following llama.cpp's convert_hf_to_gguf.py
 * ({@code get_vocab_base} and {@code SpecialVocab}) so that the result equals what a GGUF file of the same
 * model carries. Only Qwen's tokenizer kind is accepted: byte-level BPE with Qwen's split regex and NFC.
 */
final class HuggingFaceTokenizerFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceTokenizerFiles() {
    }

    /**
     * How added tokens are typed. HF's tokenizer trusts each token's {@code special} flag; llama.cpp's
     * converter also makes tokens that merely look special ({@code <|fim_prefix|>}, flagged non-special by
     * Qwen) CONTROL. The difference shows only when special tokens are not parsed: HF still matches those.
     */
    enum AddedTokenTypes { HF_SPECIAL_FLAG, LLAMA_CPP_CONVERTER }

    /** @param vocabSize the padded size, or -1 for the tokenizer's own size */
    static Vocabulary read(Path dir, int vocabSize, AddedTokenTypes typing) {
        Path tokenizerJson = dir.resolve("tokenizer.json");
        TokenizerJson parsed = parseTokenizerJson(tokenizerJson);
        require(parsed.modelType.equals("BPE"), tokenizerJson,
                "model.type is " + parsed.modelType + ", only BPE is supported");
        checkQwenPipeline(parsed.normalizer, parsed.preTokenizer, tokenizerJson);

        Map<Integer, String> byId = parsed.vocab;
        Map<Integer, JsonNode> added = new LinkedHashMap<>();
        for (JsonNode token : parsed.addedTokens) {
            int id = token.path("id").asInt(-1);
            String content = token.path("content").asText(null);
            require(id >= 0 && content != null, tokenizerJson, "added token " + token + " lacks id or content");
            added.put(id, token);
            byId.put(id, content);
        }
        int ownSize = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        int size = vocabSize < 0 ? ownSize : vocabSize;
        if (size < ownSize) {
            throw new TokenizerException("vocabulary size " + vocabSize + " is smaller than the tokenizer in "
                    + dir + ", which has ids up to " + (ownSize - 1));
        }

        List<String> tokens = new ArrayList<>(size);
        int[] types = new int[size];
        for (int id = 0; id < size; id++) {
            String token = byId.get(id);
            if (token == null) {
                tokens.add("[PAD" + id + "]");
                types[id] = Vocabulary.TYPE_UNUSED;
            } else if (added.containsKey(id)) {
                boolean special = added.get(id).path("special").asBoolean(false);
                tokens.add(token);
                boolean control = special || (typing == AddedTokenTypes.LLAMA_CPP_CONVERTER && looksSpecial(token));
                types[id] = control ? Vocabulary.TYPE_CONTROL : Vocabulary.TYPE_USER_DEFINED;
            } else {
                tokens.add(token);
                types[id] = Vocabulary.TYPE_NORMAL;
            }
        }

        List<String> merges = parsed.merges;

        Map<String, Integer> specialIds = new LinkedHashMap<>();
        boolean addBos = false;
        Path configFile = dir.resolve("tokenizer_config.json");
        if (Files.exists(configFile)) {
            JsonNode config = readJson(configFile);
            putSpecial(specialIds, "eos", config.get("eos_token"), tokens, configFile);
            putSpecial(specialIds, "padding", config.get("pad_token"), tokens, configFile);
            putSpecial(specialIds, "bos", config.get("bos_token"), tokens, configFile);
            putSpecial(specialIds, "unknown", config.get("unk_token"), tokens, configFile);
            addBos = config.path("add_bos_token").asBoolean(false);
        }
        // Qwen's tokenizer_config has bos_token null; the converter then takes bos_token_id from config.json,
        // which Qwen sets to <|endoftext|>.
        if (!specialIds.containsKey("bos")) {
            int endOfText = tokens.indexOf("<|endoftext|>");
            if (endOfText >= 0) {
                specialIds.put("bos", endOfText);
            }
        }
        return new Vocabulary("gpt2", "qwen2", tokens, types, merges, specialIds, addBos);
    }

    /** llama.cpp's {@code does_token_look_special}: added tokens spelt like control tokens become CONTROL. */
    static boolean looksSpecial(String token) {
        return token.equals("<pad>") || token.equals("<mask>") || token.equals("<2mass>") || token.equals("[@BOS@]")
                || (token.startsWith("<|") && token.endsWith("|>"))
                || (token.startsWith("<\uFF5C") && token.endsWith("\uFF5C>"))
                || (token.startsWith("<unused") && token.endsWith(">"));
    }

    private static void checkQwenPipeline(JsonNode normalizer, JsonNode pre, Path file) {
        require(normalizer.isNull() || normalizer.isMissingNode() || normalizer.path("type").asText().equals("NFC"),
                file, "normalizer " + normalizer + " is not supported (only NFC)");
        String regex = null;
        boolean byteLevel = false;
        List<JsonNode> steps = new ArrayList<>();
        if (pre.path("type").asText().equals("Sequence")) {
            pre.path("pretokenizers").forEach(steps::add);
        } else {
            steps.add(pre);
        }
        for (JsonNode step : steps) {
            switch (step.path("type").asText()) {
                case "Split" -> regex = step.path("pattern").path("Regex").asText(null);
                case "ByteLevel" -> byteLevel = true;
                default -> throw new TokenizerException(file + ": pre-tokenizer " + step.path("type")
                        + " is not supported");
            }
        }
        require(byteLevel, file, "no ByteLevel pre-tokenizer: only byte-level BPE is supported");
        require(QwenPreTokenizer.PATTERN.equals(regex), file,
                "split pattern " + regex + " is not Qwen's; other pre-tokenizers are not supported");
    }

    /** The parts of tokenizer.json we use. Parsed as a stream: a tree of the 11 MB file costs seconds. */
    private static final class TokenizerJson {
        String modelType = "";
        final Map<Integer, String> vocab = new HashMap<>();
        final List<String> merges = new ArrayList<>();
        JsonNode addedTokens = JSON.createArrayNode();
        JsonNode normalizer = JSON.nullNode();
        JsonNode preTokenizer = JSON.nullNode();
    }

    private static TokenizerJson parseTokenizerJson(Path file) {
        var result = new TokenizerJson();
        try (JsonParser p = JSON.createParser(file.toFile())) {
            expect(p.nextToken() == JsonToken.START_OBJECT, p, file, "a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "added_tokens" -> result.addedTokens = p.readValueAsTree();
                    case "normalizer" -> result.normalizer = p.readValueAsTree();
                    case "pre_tokenizer" -> result.preTokenizer = p.readValueAsTree();
                    case "model" -> parseModel(p, file, result);
                    default -> p.skipChildren();
                }
            }
        } catch (JacksonException e) {
            throw new TokenizerException(file + " is not valid JSON: " + JsonErrors.describe(e), e);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new TokenizerException("no such file: " + file, new NoSuchFileException(file.toString()));
            }
            throw new UncheckedIOException(e);
        }
        if (result.addedTokens == null || result.addedTokens.isNull()) {
            result.addedTokens = JSON.createArrayNode();
        }
        return result;
    }

    private static void parseModel(JsonParser p, Path file, TokenizerJson result) throws IOException {
        expect(p.currentToken() == JsonToken.START_OBJECT, p, file, "model to be an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "type" -> result.modelType = p.getValueAsString("");
                case "vocab" -> {
                    expect(value == JsonToken.START_OBJECT, p, file, "model.vocab to be an object");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String token = p.currentName();
                        JsonToken idToken = p.nextToken();
                        expect(idToken == JsonToken.VALUE_NUMBER_INT && p.getIntValue() >= 0, p, file,
                                "a non-negative integer id for vocab entry " + token);
                        int id = p.getIntValue();
                        expect(result.vocab.put(id, token) == null, p, file, "id " + id + " to be used once in model.vocab");
                    }
                }
                case "merges" -> {
                    expect(value == JsonToken.START_ARRAY, p, file, "model.merges to be an array");
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (p.currentToken() == JsonToken.VALUE_STRING) {
                            result.merges.add(p.getText());
                        } else {
                            JsonNode pair = p.readValueAsTree();
                            expect(pair.isArray() && pair.size() == 2 && pair.get(0).isTextual() && pair.get(1).isTextual(),
                                    p, file, "merge " + result.merges.size() + " to be \"a b\" or [\"a\", \"b\"], not " + pair);
                            result.merges.add(pair.get(0).asText() + " " + pair.get(1).asText());
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private static void expect(boolean condition, JsonParser p, Path file, String what) {
        if (!condition) {
            throw new TokenizerException(file + ": expected " + what + " near line " + p.currentLocation().getLineNr());
        }
    }

    private static void putSpecial(Map<String, Integer> ids, String key, JsonNode value, List<String> tokens,
                                   Path file) {
        if (value == null || value.isNull()) {
            return;
        }
        String content = value.isObject() ? value.path("content").asText(null) : value.asText(null);
        int id = content == null ? -1 : tokens.indexOf(content);
        if (id < 0) {
            throw new TokenizerException(file + ": " + key + " token " + value + " is not in the vocabulary");
        }
        ids.put(key, id);
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new TokenizerException(file + " is not valid JSON: " + JsonErrors.describe(e), e);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new TokenizerException("no such file: " + file, new NoSuchFileException(file.toString()));
            }
            throw new UncheckedIOException(e);
        }
    }

    private static void require(boolean condition, Path file, String problem) {
        if (!condition) {
            throw new TokenizerException(file + ": " + problem);
        }
    }
}
