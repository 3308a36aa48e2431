package io.qwen4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The chat console on a real terminal through JLine: line editing and in-session history, answers and
 * status on the terminal itself, Ctrl-C at the prompt clears the line, Ctrl-C during an answer cancels it.
 */
final class TerminalConsole implements ChatConsole {

    private final Terminal terminal;
    private final LineReader reader;

    private TerminalConsole(Terminal terminal) {
        this.terminal = terminal;
        // Lines starting with '!' or containing '\' are chat text, not history events or escapes.
        this.reader = LineReaderBuilder.builder().terminal(terminal)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true).build();
    }

    static TerminalConsole open() throws IOException {
        return new TerminalConsole(TerminalBuilder.builder().system(true).name("qwen4j").build());
    }

    @Override
    public String readLine(String prompt) {
        while (true) {
            try {
                return reader.readLine(prompt);
            } catch (UserInterruptException e) {
                terminal.writer().println(faint("(Ctrl-D or /exit to quit)"));
            } catch (EndOfFileException e) {
                return null;
            }
        }
    }

    @Override
    public PrintWriter out() {
        return terminal.writer();
    }

    @Override
    public PrintWriter status() {
        return terminal.writer();
    }

    @Override
    public boolean styled() {
        return !Terminal.TYPE_DUMB.equals(terminal.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType());
    }

    @Override
    public void onInterrupt(Runnable action) {
        terminal.handle(Terminal.Signal.INT, signal -> action.run());
    }

    @Override
    public void close() throws IOException {
        terminal.writer().flush();
        terminal.close();
    }
}
