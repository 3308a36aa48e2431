package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The tokenize/detokenize CLI contract (../shared/CONTRACTS.md "Tokenizer"), run in-process. */
class TokenizerCommandsTest {
    private static final String QWEN3 = locate("qwen/qwen3").toString();

    record Run(int status, String out, String err) {
    }

    private static Path locate(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared").resolve(relative).normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("../shared/" + relative + " not found");
    }

    private static synchronized Run run(String stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int status = Main.run(args);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    @Test
    void tokenizePrintsCompactJsonAndParsesSpecialTokensUnlessAsked() {
        assertEquals(new Run(0, "[9707,11,1879,151645]\n", ""),
                run("", "tokenize", "--tokenizer", QWEN3, "Hello, world<|im_end|>"));
        Run plain = run("", "tokenize", "--tokenizer", QWEN3, "--no-special", "<|im_end|><think>");
        assertEquals(0, plain.status());
        assertTrue(plain.out().endsWith(",151667]\n") && !plain.out().contains("151645"), plain.out());
    }

    @Test
    void stdinIsReadWholeAsUtf8() {
        assertEquals(new Run(0, "[9707,11,1879,151645]\n", ""),
                run("Hello, world<|im_end|>", "tokenize", "--tokenizer", QWEN3, "--stdin"));
    }

    @Test
    void nonAsciiTextOnStdinGivesTheGoldenIds() throws Exception {
        // The first golden case (Amharic), expected ids from HF tokenizers.
        String line = Files.readAllLines(Path.of(QWEN3, "tokenizer-cases.jsonl"), StandardCharsets.UTF_8).get(0);
        var golden = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        Run result = run(golden.get("text").asText(), "tokenize", "--tokenizer", QWEN3, "--stdin");
        assertEquals(new Run(0, golden.get("ids").toString() + "\n", ""), result);
    }

    @Test
    void jsonlWritesOneLinePerInputLineAndAnErrorForBadLines() {
        Run result = run("{\"text\": \"Hello\"}\nnot json\n{\"text\": \"<|im_end|>\"}\n",
                "tokenize", "--tokenizer", QWEN3, "--jsonl");
        assertEquals(0, result.status());
        String[] lines = result.out().split("\n", -1);
        assertEquals(4, lines.length, result.out());
        assertEquals("{\"ids\":[9707]}", lines[0]);
        assertTrue(lines[1].startsWith("{\"error\":"), lines[1]);
        assertEquals("{\"ids\":[151645]}", lines[2]);
        assertEquals("", lines[3]);
    }

    @Test
    void detokenizePrintsTheTextWithSpecialTokensAndNoNewline() {
        assertEquals(new Run(0, "Hello, world<|im_end|>", ""),
                run("", "detokenize", "--tokenizer", QWEN3, "9707,11,1879,151645"));
    }

    @Test
    void badInputExitsWithStatusTwoAndOneLineNamingTheProblem() {
        Run unknownId = run("", "detokenize", "--tokenizer", QWEN3, "1,999999");
        assertEquals(2, unknownId.status());
        assertTrue(unknownId.err().contains("999999") && unknownId.err().strip().lines().count() == 1, unknownId.err());
        Run notNumber = run("", "detokenize", "--tokenizer", QWEN3, "1,x");
        assertEquals(2, notNumber.status());
        assertTrue(notNumber.err().contains("\"x\""), notNumber.err());
        Run gguf = run("", "tokenize", "-m", "model.gguf", "hi");
        assertEquals(2, gguf.status());
        assertTrue(gguf.err().contains("model.gguf"), gguf.err());
        assertEquals(2, run("", "tokenize", "--tokenizer", QWEN3).status());
        assertEquals(2, run("", "tokenize", "--tokenizer", QWEN3, "--bogus", "hi").status());
        Run missing = run("", "tokenize", "--tokenizer", "/nonexistent/dir", "hi");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("/nonexistent/dir"), missing.err());
    }
}
