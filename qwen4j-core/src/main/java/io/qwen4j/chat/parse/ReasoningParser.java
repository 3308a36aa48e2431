package io.qwen4j.chat.parse;

import java.util.List;

/**
 * Splits streamed output into the thought and the rest (content and tool calls, for a
 * {@link ToolCallParser}). A small state machine:
 *
 * <pre>
 *   OPENING --(optional leading "&lt;think&gt;" dropped)--&gt; THINKING --"&lt;/think&gt;" dropped--&gt; ANSWERING
 *                                                      \--"&lt;tool_call&gt;" kept, passed on-/
 * </pre>
 *
 * A {@code <tool_call>} inside the thought ends it: the call is then parsed as a call (CONTRACTS.md).
 * With {@link ReasoningMode#DISABLED} the parser starts in ANSWERING and never looks for tags.
 */
final class ReasoningParser {
    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";
    static final String TOOL_CALL = "<tool_call>";

    /** What one call produced: thought text first, then text after the thought (either may be empty). */
    record Split(String reasoning, String rest) {}

    private enum State { OPENING, THINKING, ANSWERING }

    private final List<String> endTags;
    private final StringBuilder pending = new StringBuilder();
    private State state;

    ReasoningParser(ReasoningMode mode, ToolCallFormat format) {
        this.state = mode == ReasoningMode.DISABLED ? State.ANSWERING : State.OPENING;
        this.endTags = format == ToolCallFormat.NONE ? List.of(CLOSE) : List.of(CLOSE, TOOL_CALL);
    }

    Split feed(String text) {
        pending.append(text);
        return drain(false);
    }

    Split finish() {
        return drain(true);
    }

    private Split drain(boolean atEnd) {
        var reasoning = new StringBuilder();
        var rest = new StringBuilder();
        while (!pending.isEmpty()) {
            switch (state) {
                case OPENING -> {
                    // Leading whitespace is trimmed from the thought anyway; drop it so "<think>" is seen.
                    int start = 0;
                    while (start < pending.length() && Character.isWhitespace(pending.charAt(start))) {
                        start++;
                    }
                    String head = pending.substring(start);
                    if (!atEnd && OPEN.startsWith(head)) {
                        return new Split(reasoning.toString(), rest.toString()); // could still become <think>
                    }
                    pending.delete(0, head.startsWith(OPEN) ? start + OPEN.length() : start);
                    state = State.THINKING;
                }
                case THINKING -> {
                    TagScan.Hit hit = TagScan.first(pending, 0, endTags);
                    if (hit == null) {
                        int safe = atEnd ? pending.length() : TagScan.safeEnd(pending, 0, endTags);
                        reasoning.append(pending, 0, safe);
                        pending.delete(0, safe);
                        return new Split(reasoning.toString(), rest.toString());
                    }
                    reasoning.append(pending, 0, hit.index());
                    // </think> is dropped; <tool_call> belongs to the call that follows.
                    pending.delete(0, hit.tag().equals(CLOSE) ? hit.end() : hit.index());
                    state = State.ANSWERING;
                }
                case ANSWERING -> {
                    rest.append(pending);
                    pending.setLength(0);
                }
            }
        }
        return new Split(reasoning.toString(), rest.toString());
    }
}
