package io.qwen4j.loader;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.engine.SamplingDefaults;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one model file provides, ready to run: the network, its tokenizer and chat template, the
 * token ids that end a turn, and recommended sampling. Closing it unmaps the weights and stops the compute
 * pool, so nothing may use {@link #model()} afterwards.
 *
 * @param name        the model's id: the file's stem (the server's model name)
 * @param weightBytes bytes of tensor data the file maps (what decode streams per token, at most)
 */
public record LoadedModel(String name, Path path, ModelConfig config, Model model, Tokenizer tokenizer,
                          Optional<ChatTemplate> chatTemplate, Set<Integer> endOfTurnIds,
                          SamplingDefaults samplingDefaults, long weightBytes, ComputePool pool,
                          AutoCloseable storage) implements AutoCloseable {

    /** The chat template, or an error naming the model when the file has none. */
    public ChatTemplate requireChatTemplate() {
        return chatTemplate.orElseThrow(() -> new io.qwen4j.InvalidInputException(
                "model '" + name + "' has no chat template (tokenizer.chat_template); use a raw prompt"));
    }

    @Override
    public void close() {
        pool.close();
        try {
            storage.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + path + ": " + e.getMessage(), e);
        }
    }
}
