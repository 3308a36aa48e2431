package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.hub.RepoFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress on stderr: log lines every 10 % off a terminal, one redrawn bar on a terminal. */
class PullProgressTest {

    private static final RepoFile A = new RepoFile("a.gguf", 600, "0".repeat(64));
    private static final RepoFile B = new RepoFile("b.gguf", 400, "1".repeat(64));

    @Test
    void logModePrintsStartEveryTenPercentAndDone() {
        var err = new ByteArrayOutputStream();
        var progress = new PullProgress(new PrintStream(err, true, StandardCharsets.UTF_8), false, "Org/M:Q8_0");
        progress.downloadStarting(List.of(A, B));
        for (int i = 0; i < 100; i++) {
            progress.transferred(i % 2 == 0 ? A : B, 10); // interleaved, as parallel files arrive
        }
        progress.fileDone(A);
        progress.fileDone(B);
        progress.downloadFinished();

        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("pull: Org/M:Q8_0: downloading 2 files (1000 B)", lines.getFirst());
        List<String> percents = lines.stream().filter(l -> l.matches("pull: \\d+% .*")).map(l -> l.split(" ")[1]).toList();
        assertEquals(List.of("10%", "20%", "30%", "40%", "50%", "60%", "70%", "80%", "90%"), percents);
        assertTrue(lines.contains("pull: a.gguf done") && lines.contains("pull: b.gguf done"), lines.toString());
        assertTrue(lines.getLast().startsWith("pull: done, 1000 B in "), lines.getLast());
        assertTrue(lines.stream().noneMatch(l -> l.contains("\r")), "no carriage returns in a log");
    }

    @Test
    void terminalModeRedrawsOneBarWithSpeedAndEta() {
        var err = new ByteArrayOutputStream();
        var progress = new PullProgress(new PrintStream(err, true, StandardCharsets.UTF_8), true, "Org/M:Q8_0");
        progress.downloadStarting(List.of(A, B));
        progress.resumed(A, 200);
        progress.transferred(A, 300);
        progress.downloadFinished();

        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("pull: resuming a.gguf at 200 B"), text);
        assertTrue(text.contains("\r 50% [############------------] 500 B / 1000 B"), text);
        assertTrue(text.contains("/s  ETA "), text);
        assertTrue(text.contains("pull: done, 300 B in "), text);
    }

    @Test
    void sizesAndClockReadWell() {
        assertEquals("512 B", PullProgress.bytes(512));
        assertEquals("1.50 KB", PullProgress.bytes(1536));
        assertEquals("610 MB", PullProgress.bytes(640_000_000L));
        assertEquals("1:05", PullProgress.clock(65));
        assertEquals("1:01:01", PullProgress.clock(3661));
    }
}
