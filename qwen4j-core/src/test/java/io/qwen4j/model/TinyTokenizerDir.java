package io.qwen4j.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An HF tokenizer folder with Qwen's pipeline (NFC, Qwen's split regex, byte-level BPE) but only the 256
 * byte tokens and three added tokens, so synthetic models can have a vocabulary of a few hundred rows and
 * the double-precision reference stays cheap. Ids: bytes 0-255 (GPT-2 byte-to-unicode order),
 * 256 {@code <|endoftext|>}, 257 {@code <|im_start|>}, 258 {@code <|im_end|>}.
 */
final class TinyTokenizerDir {

    static final int END_OF_TEXT = 256;
    static final int IM_START = 257;
    static final int IM_END = 258;

    private TinyTokenizerDir() {
    }

    static Path write(Path dir) throws IOException {
        return write(dir, new String[0]);
    }

    /** The folder with {@code words} added as plain (not special) tokens after the three special ones, ids 259... */
    static Path write(Path dir, String... words) throws IOException {
        var json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.set("normalizer", json.createObjectNode().put("type", "NFC"));
        root.set("pre_tokenizer", qwenPreTokenizer(json));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        String[] byteChars = byteToUnicode();
        for (int b = 0; b < 256; b++) {
            vocab.put(byteChars[b], b);
        }
        model.putArray("merges");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", 256 + i).put("content", specials[i]).put("special", true);
        }
        for (int i = 0; i < words.length; i++) {
            added.addObject().put("id", 256 + specials.length + i).put("content", words[i]).put("special", false);
        }
        Files.createDirectories(dir);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        ObjectNode config = json.createObjectNode();
        config.put("eos_token", "<|im_end|>");
        config.put("pad_token", "<|endoftext|>");
        config.put("chat_template",
                "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                        + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        return dir;
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256, 257, ... in order. */
    static String[] byteToUnicode() {
        String[] chars = new String[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars[b] = Character.toString(printable ? b : next++);
        }
        return chars;
    }

    /** The real Qwen3 tokenizer's pre-tokenizer node, read by streaming past the 11 MB of vocabulary. */
    private static JsonNode qwenPreTokenizer(ObjectMapper json) throws IOException {
        Path real = findShared().resolve("qwen/qwen3/tokenizer.json");
        try (JsonParser p = json.createParser(real.toFile())) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("pre_tokenizer")) {
                    return p.readValueAsTree();
                }
                p.skipChildren();
            }
        }
        throw new IllegalStateException("no pre_tokenizer in " + real);
    }

    /** ../shared, found from the working directory upwards (Maven runs tests in the module folder). */
    static Path findShared() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("../shared/README.md"))) {
                return d.resolve("../shared").normalize();
            }
        }
        throw new IllegalStateException("../shared not found above " + Path.of("").toAbsolutePath());
    }
}
