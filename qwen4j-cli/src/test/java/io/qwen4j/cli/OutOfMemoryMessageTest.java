package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A heap too small for the model's vocabulary: {@code generate} in a JVM of its own with {@code -Xmx24m} ends with
 * one line naming the remedies and exit status 1, not an {@code OutOfMemoryError} stack trace.
 */
class OutOfMemoryMessageTest {

    @TempDir
    Path dir;

    @Test
    void tooLittleHeapIsOneLineWithTheRemedies() throws Exception {
        Path model = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 32, 64, 0, 0, 0, 151_936, 64, true,
                TensorType.Q8_0, TensorType.Q8_0, false, null, CliRun.shared().resolve("qwen/qwen3"), 5), model);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx24m", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "generate", "-m", model.toString(), "--prompt", "Hello", "-n", "1"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not end");
        assertEquals(1, p.exitValue(), err);
        List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.getFirst().startsWith("qwen4j: out of memory ("), err);
        assertTrue(lines.getFirst().contains("QWEN4J_JAVA_OPTS=-Xmx"), err);
        assertFalse(err.contains("\tat "), err);
    }
}
