package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.chat.conversation.TurnResult;
import io.qwen4j.chat.conversation.TurnStats;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.ToolCall;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How an answer is laid out, with and without a terminal. */
class TurnPrinterTest {

    /** A console writing to strings; styled as asked. */
    static final class StringConsole implements ChatConsole {
        final StringWriter out = new StringWriter();
        final StringWriter status = new StringWriter();
        final boolean styled;

        StringConsole(boolean styled) {
            this.styled = styled;
        }

        @Override
        public String readLine(String prompt) {
            return null;
        }

        @Override
        public PrintWriter out() {
            return new PrintWriter(out, true);
        }

        @Override
        public PrintWriter status() {
            return new PrintWriter(status, true);
        }

        @Override
        public boolean styled() {
            return styled;
        }

        @Override
        public void onInterrupt(Runnable action) {
        }

        @Override
        public void close() {
        }
    }

    private static final TurnResult TURN = new TurnResult(
            new ParsedMessage("Let me see.", "Calling.", List.of(new ToolCall("call_0", "get_weather", "{\"city\": \"Paris\", \"days\": 2}")),
                    "tool_calls"),
            new TurnStats(40, 10, 21, 1_000_000_000L, 2_000_000_000L, "tool_calls"), "prompt", List.of());

    private static void stream(TurnPrinter printer) {
        printer.accept(new Delta.Reasoning("Let me"));
        printer.accept(new Delta.Reasoning(" see."));
        printer.accept(new Delta.Content("Calling."));
        printer.accept(new Delta.ToolCallPiece(0, "call_0", "get_weather", "{\"city\": \"Paris\", "));
        printer.accept(new Delta.ToolCallPiece(0, null, null, "\"days\": 2}"));
        printer.finish(TURN);
    }

    @Test
    void plainOutputMarksTheThoughtAndPrintsCallsAsJson() {
        var console = new StringConsole(false);
        stream(new TurnPrinter(console));
        assertEquals("[thinking]\nLet me see.\n[/thinking]\n\nCalling.\n"
                + "[tool call] {\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\",\"days\":2}}\n",
                console.out.toString());
        // 30 new prompt tokens in 1 s; 20 tokens after the first in 2 s
        assertEquals("[40 prompt tokens (10 reused), 30.0 tok/s prefill; 21 tokens, 10.0 tok/s; tool_calls]\n",
                console.status.toString());
    }

    @Test
    void aTerminalShowsTheThoughtFaintAndApart() {
        var console = new StringConsole(true);
        stream(new TurnPrinter(console));
        String faintOn = "\u001b[2m";
        String faintOff = "\u001b[22m";
        assertEquals(faintOn + "Let me" + faintOff + faintOn + " see." + faintOff + "\n\nCalling.\n"
                + "[tool call] {\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\",\"days\":2}}\n",
                console.out.toString());
        assertEquals(faintOn + "[40 prompt tokens (10 reused), 30.0 tok/s prefill; 21 tokens, 10.0 tok/s; tool_calls]"
                + faintOff + "\n", console.status.toString());
    }

    @Test
    void theStatusLineCountsSpeculativeGuesses() {
        var stats = new TurnStats(40, 10, 21, 1_000_000_000L, 2_000_000_000L, "stop", 12, 9);
        assertEquals("[40 prompt tokens (10 reused), 30.0 tok/s prefill; 21 tokens, 10.0 tok/s (guesses 9 of 12 right); stop]",
                TurnPrinter.statsLine(stats));
    }
}
