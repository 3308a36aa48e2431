package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Option errors of {@code serve} that are caught before any model is loaded. */
class ServeCommandTest {

    @Test
    void bothKeyOptionsAreRefused() {
        CliRun r = CliRun.run("", "serve", "--api-key", "a", "--api-key-file", "/nonexistent");
        assertEquals(Main.EXIT_BAD_INPUT, r.status(), r.err());
        assertTrue(r.err().contains("--api-key or --api-key-file"), r.err());
    }

    @Test
    void unknownReasoningFieldAndKvTypeAreRefused() {
        CliRun r = CliRun.run("", "serve", "--reasoning-field", "thoughts");
        assertEquals(Main.EXIT_BAD_INPUT, r.status(), r.err());
        assertTrue(r.err().contains("thoughts"), r.err());
        r = CliRun.run("", "serve", "--kv-cache-type", "q4");
        assertEquals(Main.EXIT_BAD_INPUT, r.status(), r.err());
        assertTrue(r.err().contains("q4"), r.err());
    }

    @Test
    void conflictingOrUnknownSpeculativeOptionsAreRefused() {
        CliRun r = CliRun.run("", "serve", "--model-draft", "/nonexistent.gguf", "--speculative", "ngram");
        assertEquals(Main.EXIT_BAD_INPUT, r.status(), r.err());
        assertTrue(r.err().contains("exclude each other"), r.err());
        r = CliRun.run("", "serve", "--draft-p-min", "1.5");
        assertEquals(Main.EXIT_BAD_INPUT, r.status(), r.err());
        assertTrue(r.err().contains("--draft-p-min"), r.err());
        r = CliRun.run("", "serve", "--speculative", "medusa");
        assertEquals(Main.EXIT_BAD_INPUT, r.status(), r.err());
        assertTrue(r.err().contains("medusa"), r.err());
    }
}
