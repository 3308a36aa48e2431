package io.qwen4j.cli;

import io.qwen4j.chat.conversation.ChatSession;
import io.qwen4j.chat.conversation.ChatSettings;
import io.qwen4j.chat.conversation.Conversation;
import io.qwen4j.loader.LoadedModel;
import java.util.OptionalInt;

/**
 * One throwaway chat turn on a small session of its own, run in the background while the user types the
 * first message, so that the JIT has compiled the kernels by the time the first real turn runs: in a cold
 * JVM that turn's prefill ran mostly in not-yet-compiled (boxed) Vector API code, seconds instead of a
 * fraction of one. It runs the same code on the same model as a real turn, so the profile the JIT compiles
 * from is the real one.
 *
 * <p>The model runs one forward pass at a time, so the first real turn waits for the warm-up ({@link #await});
 * {@link #close} stops it after its current token (quitting before the first turn).
 */
final class ChatWarmUp implements AutoCloseable {

    /** Context of the throwaway session: the template's wrapping plus a short message and the answer. */
    static final int CONTEXT = 256;
    /** Answer tokens: a few decode steps after the prefill. */
    static final int ANSWER_TOKENS = 8;

    private final ChatSession session;
    private final Thread thread;
    private volatile boolean closed;

    private ChatWarmUp(ChatSession session) {
        this.session = session;
        // a failed warm-up only costs speed; the real turn reports whatever the problem is
        this.thread = Thread.ofPlatform().daemon().name("qwen4j-chat-warmup").start(() -> {
            try {
                if (!closed) { // closed before it began: nothing to stop
                    session.send("Hello! Say hello back.", delta -> { });
                }
            } catch (RuntimeException ignored) {
                // nothing to report: see above
            }
        });
    }

    /** Starts the warm-up turn with the chat's KV type, sampling and thinking setting. */
    static ChatWarmUp start(LoadedModel model, ChatSettings settings, boolean thinking) {
        var small = new ChatSettings(Math.min(CONTEXT, settings.contextLength()), settings.kvCacheType(), ANSWER_TOKENS,
                OptionalInt.empty(), settings.sampling());
        return new ChatWarmUp(new ChatSession(model, new Conversation(null, thinking), small));
    }

    /** Waits until the warm-up turn has ended. */
    void await() {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isDone() {
        return !thread.isAlive();
    }

    /** Stops the warm-up after its current token and waits for it (before the model may be closed). */
    @Override
    public void close() {
        closed = true;
        session.cancel();
        await();
    }
}
