package io.qwen4j.loader;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.InvalidInputException;
import io.qwen4j.gguf.GgufMetadata;
import java.util.List;

/** Builds a model's {@link ChatTemplate} from GGUF metadata: the template source and its bos/eos texts. */
public final class GgufChatTemplates {

    static final String TEMPLATE = "tokenizer.chat_template";

    private GgufChatTemplates() {
    }

    public static ChatTemplate read(GgufMetadata metadata) {
        String source = metadata.findString(TEMPLATE).orElseThrow(() ->
                new InvalidInputException("the model has no chat template (" + TEMPLATE + " is missing)"));
        return ChatTemplate.parse(source, tokenText(metadata, "bos"), tokenText(metadata, "eos"));
    }

    /** The text of a special token, as HF puts it in the template's {@code bos_token}/{@code eos_token}. */
    private static String tokenText(GgufMetadata metadata, String name) {
        String key = "tokenizer.ggml." + name + "_token_id";
        if (!metadata.contains(key) || !metadata.contains(GgufVocabulary.TOKENS)) {
            return null;
        }
        List<String> tokens = metadata.getStringArray(GgufVocabulary.TOKENS);
        int id = metadata.getInt(key);
        return id >= 0 && id < tokens.size() ? tokens.get(id) : null;
    }
}
