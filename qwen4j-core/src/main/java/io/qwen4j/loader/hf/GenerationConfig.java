package io.qwen4j.loader.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import io.qwen4j.JsonErrors;
import io.qwen4j.engine.SamplingDefaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * HF {@code generation_config.json}: the model's recommended sampling ({@code temperature}, {@code top_p},
 * {@code top_k}) and its end-of-sequence ids ({@code eos_token_id}, an int or a list). Absent file or keys
 * leave the defaults to the caller.
 */
public record GenerationConfig(OptionalDouble temperature, OptionalDouble topP, OptionalInt topK, Set<Integer> eosTokenIds) {

    public static final String FILE = "generation_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    static final GenerationConfig EMPTY = new GenerationConfig(OptionalDouble.empty(), OptionalDouble.empty(),
            OptionalInt.empty(), Set.of());

    public static GenerationConfig read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return EMPTY;
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new InvalidInputException(file + " is not valid JSON: " + JsonErrors.describe(e));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidInputException(file + " is not a JSON object");
        }
        var eos = new LinkedHashSet<Integer>();
        JsonNode ids = root.get("eos_token_id");
        if (ids != null && ids.isIntegralNumber()) {
            eos.add(ids.asInt());
        } else if (ids != null && ids.isArray()) {
            ids.forEach(id -> {
                if (!id.isIntegralNumber()) {
                    throw new InvalidInputException(file + ": eos_token_id entries must be integers, got " + id);
                }
                eos.add(id.asInt());
            });
        } else if (ids != null && !ids.isNull()) {
            throw new InvalidInputException(file + ": eos_token_id must be an integer or a list, got " + ids);
        }
        return new GenerationConfig(number(root, "temperature", file), number(root, "top_p", file),
                root.hasNonNull("top_k") ? OptionalInt.of(integer(root.get("top_k"), file)) : OptionalInt.empty(),
                Set.copyOf(eos));
    }

    /** The model's sampling when the file sets any of temperature / top_p / top_k, else empty. */
    public Optional<SamplingDefaults> samplingDefaults() {
        if (temperature.isEmpty() && topP.isEmpty() && topK.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(SamplingDefaults.fromModel(temperature.orElse(0.7), topK.orElse(20), topP.orElse(0.8), 0,
                "generation_config.json"));
    }

    private static OptionalDouble number(JsonNode root, String key, Path file) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber()) {
            throw new InvalidInputException(file + ": '" + key + "' must be a number, got " + v);
        }
        return OptionalDouble.of(v.asDouble());
    }

    private static int integer(JsonNode v, Path file) {
        if (!v.isIntegralNumber()) {
            throw new InvalidInputException(file + ": 'top_k' must be an integer, got " + v);
        }
        return v.asInt();
    }
}
