package io.qwen4j.loader.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import io.qwen4j.JsonErrors;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.embed.Pooling;
import io.qwen4j.embed.Reranker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * What an HF folder says about its use as an embedder or a reranker, read as llama.cpp's converter reads it, so a
 * folder and the GGUF converted from it behave alike:
 * <ul>
 *   <li>a sentence-transformers pooling module ({@code modules.json} names it, its {@code config.json} sets one of
 *       {@code pooling_mode_mean_tokens}, {@code pooling_mode_cls_token}, {@code pooling_mode_lasttoken}, or
 *       {@code pooling_mode}): mean, cls or last pooling (Qwen3-Embedding has last);</li>
 *   <li>a Qwen3-Reranker (a qwen3 folder whose README has a {@code # Qwen3-Reranker} heading, or whose name,
 *       {@code _name_or_path} or architecture says {@code qwen3-reranker}, or a {@code Qwen3ForSequenceClassification},
 *       the reranker converted to a one-logit {@code score.weight} head as vLLM and TEI serve it): rank pooling and
 *       the model card's prompt as the rerank template.</li>
 * </ul>
 */
public final class HfEmbeddingSettings {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RERANKER_HINT = "qwen3-reranker";

    private HfEmbeddingSettings() {
    }

    public static EmbeddingSettings read(Path dir, HfConfig config) throws IOException {
        if (config.model().architecture().equals("qwen3") && isQwen3Reranker(dir, config)) {
            return new EmbeddingSettings(Optional.of(Pooling.RANK), Optional.of(Reranker.modelCardTemplate()));
        }
        return new EmbeddingSettings(sentenceTransformersPooling(dir), Optional.empty());
    }

    private static boolean isQwen3Reranker(Path dir, HfConfig config) throws IOException {
        Path readme = dir.resolve("README.md");
        if (Files.isRegularFile(readme)
                && Files.readString(readme).toLowerCase(Locale.ROOT).contains("# " + RERANKER_HINT)) {
            return true;
        }
        JsonNode root = json(config.file());
        String architecture = root.path("architectures").path(0).asText("").toLowerCase(Locale.ROOT);
        String hints = String.join(" ", HfModelFolder.modelName(dir), root.path("_name_or_path").asText(""), architecture);
        return hints.toLowerCase(Locale.ROOT).contains(RERANKER_HINT) || architecture.contains("sequenceclassification");
    }

    private static Optional<Pooling> sentenceTransformersPooling(Path dir) throws IOException {
        Path modulesFile = dir.resolve("modules.json");
        if (!Files.isRegularFile(modulesFile)) {
            return Optional.empty();
        }
        for (JsonNode module : json(modulesFile)) {
            if (!module.path("type").asText("").endsWith("Pooling")) {
                continue;
            }
            Path poolingDir = dir.resolve(module.path("path").asText("")).normalize();
            if (!poolingDir.startsWith(dir.normalize())) {
                throw new InvalidInputException(modulesFile + ": the pooling module's path leaves the folder");
            }
            Path file = poolingDir.resolve("config.json");
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException(modulesFile + " names a pooling module, but " + file + " does not exist");
            }
            return Optional.of(pooling(json(file), file));
        }
        return Optional.empty();
    }

    private static Pooling pooling(JsonNode config, Path file) {
        if (config.path("pooling_mode_mean_tokens").asBoolean(false)) {
            return Pooling.MEAN;
        }
        if (config.path("pooling_mode_cls_token").asBoolean(false)) {
            return Pooling.CLS;
        }
        if (config.path("pooling_mode_lasttoken").asBoolean(false)) {
            return Pooling.LAST;
        }
        return switch (config.path("pooling_mode").asText("")) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            case "lasttoken" -> Pooling.LAST;
            default -> throw new InvalidInputException(file + ": unsupported pooling (qwen4j, as llama.cpp, pools by"
                    + " mean, cls token or last token)");
        };
    }

    private static JsonNode json(Path file) throws IOException {
        try {
            JsonNode root = JSON.readTree(Files.readString(file));
            if (root == null) {
                throw new InvalidInputException(file + " is empty");
            }
            return root;
        } catch (JacksonException e) {
            throw new InvalidInputException(file + " is not valid JSON: " + JsonErrors.describe(e));
        }
    }
}
