package io.qwen4j.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.JsonErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The weights of an HF model folder: either one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} ({@code weight_map}: tensor name to shard file). Every shard is
 * opened (mapped) up front and every tensor the index names is checked to be in its shard, so a missing or
 * mismatched shard fails at open, naming the shard and a tensor.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsTensor> tensors;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsTensor> tensors) {
        this.files = files;
        this.tensors = tensors;
    }

    /** Opens the checkpoint in {@code dir} (sharded when the index exists, else the single file). */
    public static SafetensorsCheckpoint open(Path dir) throws IOException {
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (!Files.isRegularFile(single)) {
            throw new SafetensorsFormatException(dir + " has neither " + SINGLE_FILE + " nor " + INDEX_FILE);
        }
        SafetensorsFile file = SafetensorsFile.open(single);
        return new SafetensorsCheckpoint(List.of(file), file.tensors());
    }

    private static SafetensorsCheckpoint openSharded(Path dir, Path index) throws IOException {
        Map<String, String> weightMap = readWeightMap(index);
        var byShard = new LinkedHashMap<String, List<String>>();
        weightMap.forEach((tensor, shard) -> byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(tensor));
        var files = new ArrayList<SafetensorsFile>();
        var tensors = new LinkedHashMap<String, SafetensorsTensor>();
        try {
            for (var entry : byShard.entrySet()) {
                String shard = entry.getKey();
                Path shardPath = dir.resolve(shard).normalize();
                if (!shardPath.startsWith(dir.normalize()) || shard.contains("/") || shard.contains("\\")) {
                    throw new SafetensorsFormatException(index + ": shard name '" + shard + "' is not a file in " + dir);
                }
                if (!Files.isRegularFile(shardPath)) {
                    throw new SafetensorsFormatException(index + ": missing shard " + shard + " (holds tensor '"
                            + entry.getValue().getFirst() + "')");
                }
                SafetensorsFile file = SafetensorsFile.open(shardPath);
                files.add(file);
                for (String name : entry.getValue()) {
                    SafetensorsTensor t = file.find(name).orElseThrow(() -> new SafetensorsFormatException(
                            index + ": tensor '" + name + "' is mapped to " + shard + ", which does not contain it"));
                    tensors.put(name, t);
                }
            }
        } catch (IOException | RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsCheckpoint(List.copyOf(files), Collections.unmodifiableMap(tensors));
    }

    private static Map<String, String> readWeightMap(Path index) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(index));
        } catch (JacksonException e) {
            throw new SafetensorsFormatException(index + " is not valid JSON: " + JsonErrors.describe(e));
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new SafetensorsFormatException(index + " has no 'weight_map' object");
        }
        var weightMap = new LinkedHashMap<String, String>();
        for (var e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(index + ": weight_map entry '" + e.getKey() + "' is not a file name");
            }
            weightMap.put(e.getKey(), e.getValue().asText());
        }
        return weightMap;
    }

    /** All tensors by name (index order for sharded checkpoints, header order otherwise). */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    public Optional<SafetensorsTensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /**
     * The same checkpoint with every tensor named {@code rename.apply(name)}; it owns the same open files (close
     * this one instead of the original).
     */
    public SafetensorsCheckpoint renamed(UnaryOperator<String> rename) {
        var renamed = new LinkedHashMap<String, SafetensorsTensor>();
        tensors.forEach((name, tensor) -> renamed.put(rename.apply(name), tensor));
        return new SafetensorsCheckpoint(files, Collections.unmodifiableMap(renamed));
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
