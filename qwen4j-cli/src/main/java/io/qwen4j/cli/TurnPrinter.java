package io.qwen4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.chat.conversation.TurnResult;
import io.qwen4j.chat.conversation.TurnStats;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.parse.ToolCall;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Writes one answer as it streams: the reasoning faint (or between {@code [thinking]} markers without a
 * terminal) and set apart from the answer by a blank line, the answer as is, tool calls as JSON lines,
 * then one status line with the speed.
 */
final class TurnPrinter implements Consumer<Delta> {

    private enum Section { NONE, REASONING, CONTENT }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChatConsole console;
    private final PrintWriter out;
    private Section section = Section.NONE;

    TurnPrinter(ChatConsole console) {
        this.console = console;
        this.out = console.out();
    }

    @Override
    public void accept(Delta delta) {
        switch (delta) {
            case Delta.Reasoning r -> {
                if (section == Section.NONE) {
                    out.print(console.styled() ? "" : "[thinking]\n");
                    section = Section.REASONING;
                }
                // A thought resuming after content is not expected from Qwen; show it faint in place.
                out.print(console.faint(r.text()));
            }
            case Delta.Content c -> {
                endReasoning();
                section = Section.CONTENT;
                out.print(c.text());
            }
            // Calls are printed whole once the turn ends: a call's arguments are only final then.
            case Delta.ToolCallPiece p -> endReasoning();
        }
        out.flush();
    }

    private void endReasoning() {
        if (section == Section.REASONING) {
            out.print(console.styled() ? "\n\n" : "\n[/thinking]\n\n");
            section = Section.NONE;
        }
    }

    /** Ends the answer: closes an unfinished thought, prints tool calls and the statistics line. */
    void finish(TurnResult turn) {
        if (section == Section.REASONING) {
            out.print(console.styled() ? "\n" : "\n[/thinking]\n");
        } else if (section == Section.CONTENT) {
            out.print('\n');
        }
        for (ToolCall call : turn.message().toolCalls()) {
            out.println("[tool call] " + callJson(call));
        }
        out.flush();
        console.status().println(console.faint(statsLine(turn.stats())));
        console.status().flush();
    }

    static String statsLine(TurnStats s) {
        String drafts = s.draftTokens() == 0 ? ""
                : String.format(Locale.ROOT, " (guesses %d of %d right)", s.acceptedDrafts(), s.draftTokens());
        return String.format(Locale.ROOT, "[%d prompt tokens (%d reused), %.1f tok/s prefill; %d tokens, %.1f tok/s%s; %s]",
                s.promptTokens(), s.reusedTokens(), s.prefillTokensPerSecond(), s.generatedTokens(),
                s.decodeTokensPerSecond(), drafts, s.finishReason());
    }

    /** {@code {"name": …, "arguments": {…}}}, arguments as JSON when they parse, else as the raw string. */
    private static String callJson(ToolCall call) {
        ObjectNode node = JSON.createObjectNode().put("name", call.name());
        try {
            node.set("arguments", JSON.readTree(call.arguments()));
        } catch (java.io.IOException e) {
            node.put("arguments", call.arguments());
        }
        return node.toString();
    }
}
