package io.qwen4j.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * Where the chat REPL reads lines and writes its output: a JLine terminal when stdin is one (line
 * editing, history, ANSI styles, Ctrl-C cancels a running answer), or plain streams when input is piped
 * (no prompt, no colours, so the output can be compared as text).
 */
interface ChatConsole extends Closeable {

    /** The next line without its line end, or null at end of input (Ctrl-D, end of piped stdin). */
    String readLine(String prompt) throws IOException;

    /** The answer stream (stdout or the terminal). */
    PrintWriter out();

    /** Status lines: speed after each answer, errors (stderr, or the terminal dimmed). */
    PrintWriter status();

    /** True when ANSI styles may be used. */
    boolean styled();

    /** Runs {@code action} on Ctrl-C while an answer is generated (no-op without a terminal). */
    void onInterrupt(Runnable action);

    /** Text shown faint (SGR 2), for reasoning and statistics; plain text when not styled. */
    default String faint(String text) {
        return styled() && !text.isEmpty() ? "\u001b[2m" + text + "\u001b[22m" : text;
    }
}
