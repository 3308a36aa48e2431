package io.qwen4j.loader.hf;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal safetensors writer written from the format description, independent of the reader under test:
 * u64 little-endian header length, JSON header padded with spaces to 8 bytes (as HF's writer does), data.
 */
final class SafetensorsTestWriter {

    record Entry(String name, String dtype, long[] shape, byte[] data) {
    }

    private final List<Entry> entries = new ArrayList<>();

    SafetensorsTestWriter add(String name, String dtype, long[] shape, byte[] data) {
        entries.add(new Entry(name, dtype, shape, data));
        return this;
    }

    List<Entry> entries() {
        return entries;
    }

    static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        var json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append("\"__metadata__\":{");
            metadata.forEach((k, v) -> json.append('"').append(k).append("\":\"").append(v).append("\","));
            json.setLength(json.length() - 1);
            json.append("},");
        }
        long offset = 0;
        for (Entry e : entries) {
            json.append('"').append(e.name()).append("\":{\"dtype\":\"").append(e.dtype()).append("\",\"shape\":[");
            for (int i = 0; i < e.shape().length; i++) {
                json.append(i > 0 ? "," : "").append(e.shape()[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + e.data().length).append("]},");
            offset += e.data().length;
        }
        json.setLength(json.length() - 1);
        json.append('}');
        while (json.length() % 8 != 0) {
            json.append(' ');
        }
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void writeFile(Path file, List<Entry> entries) throws IOException {
        byte[] header = header(entries, Map.of("format", "pt"));
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (Entry e : entries) {
                out.write(e.data());
            }
        }
    }

    /** One {@code model.safetensors}, or {@code shards} files plus {@code model.safetensors.index.json}. */
    void write(Path dir, int shards) throws IOException {
        if (shards <= 1) {
            writeFile(dir.resolve("model.safetensors"), entries);
            return;
        }
        var weightMap = new LinkedHashMap<String, String>();
        for (int s = 0; s < shards; s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            var part = new ArrayList<Entry>();
            for (int i = s; i < entries.size(); i += shards) {
                part.add(entries.get(i));
                weightMap.put(entries.get(i).name(), file);
            }
            writeFile(dir.resolve(file), part);
        }
        var index = new StringBuilder("{\"metadata\":{\"total_size\":0},\"weight_map\":{");
        weightMap.forEach((k, v) -> index.append('"').append(k).append("\":\"").append(v).append("\","));
        index.setLength(index.length() - 1);
        index.append("}}");
        Files.writeString(dir.resolve("model.safetensors.index.json"), index);
    }
}
