package io.qwen4j.chat.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Qwen3-Coder XML tool calls:
 * {@code <tool_call>\n<function=NAME>\n<parameter=P>\nvalue\n</parameter>\n</function>\n</tool_call>}.
 *
 * <pre>
 *   CONTENT --"&lt;tool_call&gt;"--&gt; BLOCK_START --"&lt;function="--&gt; FUNCTION_NAME --"NAME&gt;", a tool--&gt; FUNCTION_BODY
 *   CONTENT --"&lt;function=" (opening tag missing)-----------------^
 *   FUNCTION_BODY --"&lt;parameter="--&gt; PARAMETER_NAME --"&gt;"--&gt; PARAMETER_VALUE --"&lt;/parameter&gt;"--&gt; FUNCTION_BODY
 *   FUNCTION_BODY --"&lt;/function&gt;" or "&lt;/tool_call&gt;"--&gt; BETWEEN_CALLS --"&lt;tool_call&gt;" / "&lt;function="--&gt; ...
 * </pre>
 *
 * A call streams: its first delta (id and name) goes out as soon as the name is known to be a tool,
 * then one arguments fragment per finished parameter ({@code {"p": v}, {@code , "q": w}}, then
 * {@code }}). From that first delta on the call is committed; output cut off inside it still closes it.
 * An unknown function name makes the block invalid (see {@link ToolCallParser} for what follows).
 * As in vLLM, a value also ends at a {@code <parameter=} or {@code </function>} that comes before its
 * {@code </parameter>}.
 */
final class XmlToolParser implements ToolCallParser {
    static final String TOOL_CALL_OPEN = "<tool_call>";
    static final String TOOL_CALL_CLOSE = "</tool_call>";
    static final String FUNCTION_OPEN = "<function=";
    static final String FUNCTION_CLOSE = "</function>";
    static final String PARAMETER_OPEN = "<parameter=";
    static final String PARAMETER_CLOSE = "</parameter>";
    private static final List<String> CALL_STARTS = List.of(TOOL_CALL_OPEN, FUNCTION_OPEN);
    private static final List<String> BODY_TAGS = List.of(PARAMETER_OPEN, FUNCTION_CLOSE, TOOL_CALL_CLOSE);
    private static final List<String> VALUE_ENDS = List.of(PARAMETER_CLOSE, PARAMETER_OPEN, FUNCTION_CLOSE);

    private enum State {
        CONTENT, BLOCK_START, FUNCTION_NAME, FUNCTION_BODY, PARAMETER_NAME, PARAMETER_VALUE,
        BETWEEN_CALLS, VERBATIM, IGNORING
    }

    private final List<ToolSpec> tools;
    private final Supplier<String> callIds;
    private final StringBuilder pending = new StringBuilder();
    /** The text of a block not yet known to be a call, given back as content if it is not one. */
    private final StringBuilder blockText = new StringBuilder();
    private State state = State.CONTENT;
    private int callCount;
    private ToolSpec tool;
    private String parameterName;
    private int parameterCount;
    /** In PARAMETER_VALUE: where to resume looking for its end, so a long value is scanned once. */
    private int scanFrom;

    XmlToolParser(List<ToolSpec> tools, Supplier<String> callIds) {
        this.tools = List.copyOf(tools);
        this.callIds = callIds;
    }

    @Override
    public List<Delta> feed(String text) {
        pending.append(text);
        return drain(false);
    }

    @Override
    public List<Delta> finish() {
        List<Delta> out = drain(true);
        if (state == State.FUNCTION_BODY) {
            closeCall(out); // cut off inside a committed call: close its arguments object
        }
        return out;
    }

    private List<Delta> drain(boolean atEnd) {
        var out = new ArrayList<Delta>();
        while (!pending.isEmpty() || atEnd && endsWithoutText()) {
            boolean progressed = switch (state) {
                case CONTENT, BETWEEN_CALLS -> outsideCall(out, atEnd);
                case BLOCK_START -> blockStart(out, atEnd);
                case FUNCTION_NAME -> functionName(out, atEnd);
                case FUNCTION_BODY -> functionBody(out, atEnd);
                case PARAMETER_NAME -> parameterName(atEnd);
                case PARAMETER_VALUE -> parameterValue(out, atEnd);
                case VERBATIM -> {
                    emitContent(out, take(pending.length()));
                    yield true;
                }
                case IGNORING -> {
                    pending.setLength(0);
                    yield true;
                }
            };
            if (!progressed) {
                break;
            }
        }
        return out;
    }

    /** States that must still act at the end of output even with no text left (e.g. output ending in "<tool_call>"). */
    private boolean endsWithoutText() {
        return state == State.BLOCK_START || state == State.FUNCTION_NAME
                || state == State.PARAMETER_NAME || state == State.PARAMETER_VALUE;
    }

    private boolean outsideCall(List<Delta> out, boolean atEnd) {
        TagScan.Hit start = TagScan.first(pending, 0, CALL_STARTS);
        int textEnd = start != null ? start.index() : atEnd ? pending.length() : TagScan.safeEnd(pending, 0, CALL_STARTS);
        String text = take(textEnd);
        if (state == State.CONTENT) {
            emitContent(out, text); // text between calls is dropped
        }
        if (start == null) {
            return false;
        }
        blockText.setLength(0);
        blockText.append(take(start.tag().length()));
        state = start.tag().equals(TOOL_CALL_OPEN) ? State.BLOCK_START : State.FUNCTION_NAME;
        return true;
    }

    /** After {@code <tool_call>}: only whitespace may come before {@code <function=}. */
    private boolean blockStart(List<Delta> out, boolean atEnd) {
        int start = 0;
        while (start < pending.length() && Character.isWhitespace(pending.charAt(start))) {
            start++;
        }
        String rest = pending.substring(start);
        if (rest.startsWith(FUNCTION_OPEN)) {
            blockText.append(take(start + FUNCTION_OPEN.length()));
            state = State.FUNCTION_NAME;
            return true;
        }
        if (!atEnd && FUNCTION_OPEN.startsWith(rest)) {
            return false;
        }
        rejectBlock(out);
        return true;
    }

    private boolean functionName(List<Delta> out, boolean atEnd) {
        int end = indexOfAny(pending, '>', '<', '\n');
        if (end < 0 || pending.charAt(end) != '>') {
            if (end < 0 && !atEnd) {
                return false;
            }
            rejectBlock(out); // no name, or a "<" or newline inside it: not a call
            return true;
        }
        String name = pending.substring(0, end).strip();
        ToolSpec spec = tools.isEmpty() ? new ToolSpec(name, null) : ToolSpec.find(tools, name);
        if (name.isEmpty() || spec == null) {
            rejectBlock(out);
            return true;
        }
        take(end + 1);
        blockText.setLength(0);
        tool = spec;
        parameterCount = 0;
        out.add(new Delta.ToolCallPiece(callCount++, callIds.get(), name, ""));
        state = State.FUNCTION_BODY;
        return true;
    }

    private boolean functionBody(List<Delta> out, boolean atEnd) {
        TagScan.Hit tag = TagScan.first(pending, 0, BODY_TAGS);
        if (tag == null) {
            // Text between parameters is not part of the call: drop it, keeping a possible tag start.
            take(atEnd ? pending.length() : TagScan.safeEnd(pending, 0, BODY_TAGS));
            return false;
        }
        take(tag.end());
        if (tag.tag().equals(PARAMETER_OPEN)) {
            state = State.PARAMETER_NAME;
        } else {
            closeCall(out);
        }
        return true;
    }

    private boolean parameterName(boolean atEnd) {
        int end = pending.indexOf(">");
        if (end < 0) {
            if (atEnd) {
                pending.setLength(0); // a half-written parameter name carries no value
                state = State.FUNCTION_BODY;
            }
            return false;
        }
        parameterName = take(end).strip();
        take(1);
        state = State.PARAMETER_VALUE;
        return true;
    }

    private boolean parameterValue(List<Delta> out, boolean atEnd) {
        TagScan.Hit end = TagScan.first(pending, scanFrom, VALUE_ENDS);
        if (end == null && !atEnd) {
            scanFrom = TagScan.resumeFrom(pending, VALUE_ENDS);
            return false;
        }
        scanFrom = 0;
        String raw = take(end != null ? end.index() : pending.length());
        if (end != null && end.tag().equals(PARAMETER_CLOSE)) {
            take(PARAMETER_CLOSE.length());
        }
        var value = XmlParameterValues.convert(XmlParameterValues.unwrap(raw), tool.parameterSchema(parameterName));
        String fragment = (parameterCount++ == 0 ? "{" : ", ") + Json.quote(parameterName) + ": " + Json.write(value);
        out.add(new Delta.ToolCallPiece(callCount - 1, null, null, fragment));
        state = State.FUNCTION_BODY;
        return true;
    }

    private void closeCall(List<Delta> out) {
        out.add(new Delta.ToolCallPiece(callCount - 1, null, null, parameterCount == 0 ? "{}" : "}"));
        state = State.BETWEEN_CALLS;
    }

    private void rejectBlock(List<Delta> out) {
        if (callCount == 0) {
            emitContent(out, blockText + take(pending.length()));
            state = State.VERBATIM;
        } else {
            pending.setLength(0);
            state = State.IGNORING;
        }
        blockText.setLength(0);
    }

    private String take(int count) {
        String taken = pending.substring(0, count);
        pending.delete(0, count);
        return taken;
    }

    private static int indexOfAny(CharSequence text, char a, char b, char c) {
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == a || ch == b || ch == c) {
                return i;
            }
        }
        return -1;
    }

    private static void emitContent(List<Delta> out, String text) {
        if (!text.isEmpty()) {
            out.add(new Delta.Content(text));
        }
    }
}
