package io.qwen4j.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.qwen4j.gguf.GgufArray;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.gguf.GgufValue;
import io.qwen4j.gguf.GgufValueType;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code qwen4j gguf info FILE [--json]}: the header of a GGUF file, as a table or as the JSON shape of
 * ../shared/CONTRACTS.md ("GGUF"), where arrays longer than 16 elements are summarised.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print a GGUF file's metadata and tensor table.")
public final class GgufInfoCommand implements Callable<Integer> {

    /** Arrays longer than this print as {type, length, head} (the contract's summary form). */
    static final int ARRAY_HEAD = 16;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "GGUF file (or use -m).")
    List<String> positionals = new ArrayList<>();

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "GGUF file.")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path file = GgufCommand.modelFrom(model, positionals, 0, "FILE (or -m FILE)");
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile gguf = GgufFile.open(file)) {
            if (json) {
                printJson(gguf, out);
            } else {
                printTable(gguf, out);
            }
        }
        out.flush();
        return 0;
    }

    private static void printJson(GgufFile gguf, PrintWriter out) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeNumberField("version", gguf.version());
            g.writeNumberField("alignment", gguf.alignment());
            g.writeNumberField("data_offset", gguf.dataOffset());
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, GgufValue> entry : gguf.metadata().asMap().entrySet()) {
                g.writeFieldName(entry.getKey());
                writeValue(g, entry.getValue().type(), entry.getValue().value());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("tensors");
            for (GgufTensorInfo info : gguf.tensorInfos()) {
                g.writeStartObject();
                g.writeStringField("name", info.name());
                g.writeStringField("type", info.type().name());
                g.writeArrayFieldStart("shape");
                for (long d : info.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeNumberField("offset", info.offset());
                g.writeNumberField("bytes", info.bytes());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.println();
    }

    private static void writeValue(JsonGenerator g, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT64 -> {
                long v = (Long) value;
                if (v < 0) {
                    g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
                } else {
                    g.writeNumber(v);
                }
            }
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, INT64 -> g.writeNumber((Long) value);
            case FLOAT32 -> g.writeNumber((Float) value);
            case FLOAT64 -> g.writeNumber((Double) value);
            case BOOL -> g.writeBoolean((Boolean) value);
            case STRING -> g.writeString((String) value);
            case ARRAY -> writeArray(g, (GgufArray) value);
        }
    }

    private static void writeArray(JsonGenerator g, GgufArray array) throws IOException {
        List<?> values = array.values();
        boolean summarise = values.size() > ARRAY_HEAD;
        if (summarise) {
            g.writeStartObject();
            g.writeStringField("type", array.elementType().specName());
            g.writeNumberField("length", values.size());
            g.writeFieldName("head");
        }
        g.writeStartArray();
        for (Object element : summarise ? values.subList(0, ARRAY_HEAD) : values) {
            writeValue(g, array.elementType(), element);
        }
        g.writeEndArray();
        if (summarise) {
            g.writeEndObject();
        }
    }

    private static void printTable(GgufFile gguf, PrintWriter out) {
        out.printf("%s: GGUF v%d, alignment %d, data offset %d, %d metadata keys, %d tensors%n",
                gguf.path(), gguf.version(), gguf.alignment(), gguf.dataOffset(), gguf.metadata().size(),
                gguf.tensorInfos().size());
        out.println();
        int keyWidth = gguf.metadata().keys().stream().mapToInt(String::length).max().orElse(3);
        for (Map.Entry<String, GgufValue> entry : gguf.metadata().asMap().entrySet()) {
            GgufValue value = entry.getValue();
            String type = value.value() instanceof GgufArray a
                    ? "[" + a.elementType().specName() + " x " + a.size() + "]"
                    : value.type().specName();
            out.printf("  %-" + keyWidth + "s  %-18s %s%n", entry.getKey(), type, shortText(value.type(), value.value()));
        }
        out.println();
        int nameWidth = Math.max(4, gguf.tensorInfos().stream().mapToInt(t -> t.name().length()).max().orElse(4));
        out.printf("  %-" + nameWidth + "s  %-7s %-26s %14s %14s%n", "name", "type", "shape", "offset", "bytes");
        long total = 0;
        for (GgufTensorInfo info : gguf.tensorInfos()) {
            out.printf("  %-" + nameWidth + "s  %-7s %-26s %14d %14d%n", info.name(), info.type(),
                    Arrays.toString(info.shape()), info.offset(), info.bytes());
            total += info.bytes();
        }
        out.printf("%n  %d tensors, %d bytes of tensor data%n", gguf.tensorInfos().size(), total);
    }

    /** One line of text per value: long strings and arrays are cut, control characters escaped. */
    private static String shortText(GgufValueType type, Object value) {
        String text = switch (type) {
            case STRING -> '"' + escape((String) value) + '"';
            case UINT64 -> Long.toUnsignedString((Long) value);
            case ARRAY -> {
                GgufArray array = (GgufArray) value;
                String head = array.values().stream().limit(8)
                        .map(v -> shortText(array.elementType(), v)).collect(Collectors.joining(", "));
                yield "[" + head + (array.size() > 8 ? ", ...]" : "]");
            }
            default -> String.valueOf(value);
        };
        return text.length() > 120 ? text.substring(0, 117) + "..." : text;
    }

    private static String escape(String s) {
        var b = new StringBuilder();
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '"' -> b.append("\\\"");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.toString();
    }
}
