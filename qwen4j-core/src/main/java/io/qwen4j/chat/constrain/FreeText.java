package io.qwen4j.chat.constrain;

import java.nio.charset.StandardCharsets;

/**
 * The thought before a forced call or a constrained answer: any text until {@code </think>} (then
 * {@code afterThought}), or until {@code <tool_call>}, which the output parser also reads as the end of the
 * thought and the start of a call (then {@code afterCallTag}, the call with its opening tag already written;
 * null when no call may follow, and the tag is then just text). The output may not end here: what follows
 * the thought is required.
 */
record FreeText(int thinkEnd, int callStart, MatchState afterThought, MatchState afterCallTag) implements MatchState {
    static final byte[] THINK_CLOSE = "</think>".getBytes(StandardCharsets.UTF_8);
    static final byte[] TOOL_CALL_OPEN = "<tool_call>".getBytes(StandardCharsets.UTF_8);

    static MatchState start(MatchState afterThought, MatchState afterCallTag) {
        return new FreeText(0, 0, afterThought, afterCallTag);
    }

    @Override
    public MatchState step(int b) {
        int think = TextGuard.progress(THINK_CLOSE, thinkEnd, b);
        if (think == THINK_CLOSE.length) {
            return afterThought;
        }
        int call = afterCallTag == null ? 0 : TextGuard.progress(TOOL_CALL_OPEN, callStart, b);
        if (call == TOOL_CALL_OPEN.length) {
            return afterCallTag;
        }
        return new FreeText(think, call, afterThought, afterCallTag);
    }

    @Override
    public boolean canEnd() {
        return false;
    }
}
