package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qwen4j chat} driven through piped stdin on a tiny synthetic Qwen3 (random weights, greedy). */
class ChatCommandTest {

    @TempDir
    static Path dir;
    static String model;

    @BeforeAll
    static void writeModel() throws Exception {
        Path file = dir.resolve("tiny-chat.gguf");
        SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 32, 128, 0, 0, 0, 151_936, 4096, true,
                TensorType.Q8_0, TensorType.Q8_0, false, null, CliRun.shared().resolve("qwen/qwen3"), 11), file);
        model = file.toString();
    }

    private static CliRun chat(String stdin, String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = "chat";
        args[1] = "-m";
        args[2] = model;
        args[3] = "--temp=0";
        System.arraycopy(extra, 0, args, 4, extra.length);
        return CliRun.run(stdin, args);
    }

    private static int count(String text, String needle) {
        return text.split(Pattern.quote(needle), -1).length - 1;
    }

    @Test
    void aPipedSessionAnswersSwitchesThinkingAndExits() {
        CliRun run = chat("hello\n/no_think\nhi\n/exit\nnot read\n", "-n", "8");
        assertEquals(0, run.status(), run.err());
        String out = run.out();
        int switched = out.indexOf("thinking off\n");
        assertTrue(switched > 0, out);
        // Turn 1 thinks (8 tokens, no </think>: an unfinished thought), turn 2 does not.
        assertTrue(out.startsWith("[thinking]\n"), out);
        assertEquals(1, count(out, "[thinking]"), out);
        assertTrue(out.indexOf("[/thinking]") < switched, out);
        assertTrue(out.substring(switched + "thinking off\n".length()).strip().length() > 0, "turn 2 answered: " + out);
        assertEquals(2, count(run.err(), " tok/s; "), run.err());
        assertTrue(run.err().contains("8 tokens"), run.err());
        assertFalse(out.contains("\u001b["), "no ANSI styles without a terminal");
        assertFalse(out.contains("not read"));
    }

    @Test
    void endOfInputEndsCleanly() {
        CliRun run = chat("/help\n");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("/no_think"), run.out());
        assertTrue(run.out().contains("/reset"), run.out());
        assertEquals(0, count(run.err(), " tok/s; "), "nothing was asked: " + run.err());
    }

    @Test
    void resetForgetsTheConversationAndItsCache() {
        CliRun run = chat("hello\nmore\n/reset\nhello\n", "-n", "3", "--no-think");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("conversation cleared"), run.out());
        var stats = run.err().lines().filter(l -> l.contains("tok/s")).toList();
        assertEquals(3, stats.size(), run.err());
        assertTrue(stats.get(0).contains("(0 reused)"), stats.get(0));
        assertFalse(stats.get(1).contains("(0 reused)"), "turn 2 reuses turn 1: " + stats.get(1));
        assertTrue(stats.get(2).contains("(0 reused)"), "after /reset nothing is reused: " + stats.get(2));
        // The first and the reset turn see the same prompt and answer the same (greedy).
        assertEquals(stats.get(0).replaceAll("[0-9.]+ tok/s", ""), stats.get(2).replaceAll("[0-9.]+ tok/s", ""));
        assertFalse(run.out().contains("[thinking]"), "--no-think: " + run.out());
    }

    @Test
    void aThinkingBudgetEndsTheThoughtWithQwensEarlyStopText() {
        CliRun run = chat("hello\n", "-n", "40", "--thinking-budget", "3");
        assertEquals(0, run.status(), run.err());
        String out = run.out();
        int close = out.indexOf("[/thinking]");
        assertTrue(close > 0, out);
        String thought = out.substring(0, close);
        assertTrue(thought.strip().endsWith("I have to give the solution based on the thinking directly now."), out);
    }

    @Test
    void badOptionsAreOneLineErrorsWithStatus2() {
        for (String[] bad : new String[][] {{"--thinking-budget", "-1"}, {"--top-p", "2"}, {"--temp", "-1"},
                {"--kv-cache-type", "q4"}, {"--ctx", "0"}, {"--bogus"}}) {
            CliRun run = chat("hello\n", bad);
            assertEquals(2, run.status(), String.join(" ", bad) + ": " + run.err());
            var lines = run.err().lines().filter(l -> l.startsWith("qwen4j:")).toList();
            assertEquals(1, lines.size(), run.err());
            assertEquals("", run.out());
        }
    }

    @Test
    void aMessageTooLongForTheContextIsReportedAndTheChatGoesOn() {
        String longLine = "word ".repeat(100);
        CliRun run = chat(longLine + "\nhi\n", "-n", "2", "--ctx", "64", "--no-think");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("does not fit the context"), run.err());
        assertEquals(1, count(run.err(), " tok/s; "), "the next message is answered: " + run.err());
    }
}
