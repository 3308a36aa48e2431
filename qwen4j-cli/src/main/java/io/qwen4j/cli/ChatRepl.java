package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.conversation.ChatSession;
import io.qwen4j.chat.conversation.TurnResult;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * The read-answer loop of {@code qwen4j chat}: a line is either a command ({@code /think}, {@code /no_think},
 * {@code /reset}, {@code /exit}, {@code /help}) when it is exactly that word, or a user message. A soft
 * switch inside a message ("why? /no_think") stays in the message for the model, as Qwen3 intends.
 */
final class ChatRepl {

    static final String HELP = """
            Commands (alone on a line):
              /think     think before answering (next turns)
              /no_think  answer directly (next turns)
              /reset     forget the conversation
              /exit      quit (also Ctrl-D)
              /help      this text
            Ctrl-C stops an answer. /think or /no_think inside a message is passed to the model.""";

    private final ChatSession session;
    private final ChatConsole console;
    /** A background warm-up turn the first answer waits for, or null. */
    private final ChatWarmUp warmUp;

    ChatRepl(ChatSession session, ChatConsole console) {
        this(session, console, null);
    }

    ChatRepl(ChatSession session, ChatConsole console, ChatWarmUp warmUp) {
        this.session = session;
        this.console = console;
        this.warmUp = warmUp;
    }

    void run() throws IOException {
        console.onInterrupt(session::cancel);
        PrintWriter out = console.out();
        while (true) {
            String line = console.readLine(console.styled() ? "> " : "");
            if (line == null) {
                break;
            }
            String text = line.strip();
            if (text.isEmpty()) {
                continue;
            }
            switch (text) {
                case "/exit", "/quit" -> {
                    return;
                }
                case "/help" -> out.println(HELP);
                case "/think" -> {
                    session.conversation().setThinkingEnabled(true);
                    out.println(session.settings().thinkingBudget().orElse(-1) == 0
                            ? "thinking stays off: --thinking-budget 0" : "thinking on");
                }
                case "/no_think" -> {
                    session.conversation().setThinkingEnabled(false);
                    out.println("thinking off");
                }
                case "/reset" -> {
                    session.reset();
                    out.println("conversation cleared");
                }
                default -> {
                    if (text.startsWith("/") && !text.contains(" ")) {
                        out.println("unknown command " + text + "; /help lists them");
                    } else {
                        answer(line);
                    }
                }
            }
            out.flush();
        }
    }

    private void answer(String message) {
        if (warmUp != null) {
            warmUp.await(); // one forward pass at a time on the model
        }
        TurnPrinter printer = new TurnPrinter(console);
        try {
            TurnResult turn = session.send(message, printer);
            printer.finish(turn);
        } catch (InvalidInputException e) {
            // A turn that cannot run (too long for the context, …) leaves the chat usable.
            console.status().println("qwen4j: " + e.getMessage() + " (/reset starts over)");
            console.status().flush();
        }
    }
}
