package io.qwen4j.server.generation;

import io.qwen4j.chat.parse.ChatOutputParser;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.parse.ToolCall;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import java.util.ArrayList;
import java.util.List;

/**
 * One chat choice in progress: visible text ({@link OutputText}) parsed into reasoning, content and tool
 * call deltas, with the counts usage needs. With {@code parallel_tool_calls: false} only the first call is
 * kept.
 */
public final class ChatChoice {

    final int index;
    public final OutputText text;
    private final ChatOutputParser parser;
    private final boolean thinking;
    private final boolean parallelCalls;
    private int reasoningTokens;
    private boolean answerStarted;
    private FinishReason engineReason;

    public ChatChoice(int index, OutputText text, ChatOutputParser parser, ReasoningMode mode, boolean parallelCalls) {
        this.index = index;
        this.text = text;
        this.parser = parser;
        this.thinking = mode != ReasoningMode.DISABLED;
        this.parallelCalls = parallelCalls;
    }

    public List<Delta> step(GenerationStep step) {
        List<Delta> deltas = keep(parser.feed(text.step(step)));
        // A token counts as reasoning until the answer (content or a call) has begun.
        if (thinking && !answerStarted) {
            reasoningTokens++;
        }
        if (deltas.stream().anyMatch(d -> !(d instanceof Delta.Reasoning))) {
            answerStarted = true;
        }
        return deltas;
    }

    public List<Delta> finish(FinishReason reason) {
        engineReason = reason;
        List<Delta> deltas = new ArrayList<>(keep(parser.feed(text.finish())));
        deltas.addAll(keep(parser.finish()));
        return deltas;
    }

    private List<Delta> keep(List<Delta> deltas) {
        if (parallelCalls) {
            return deltas;
        }
        return deltas.stream().filter(d -> !(d instanceof Delta.ToolCallPiece p) || p.index() == 0).toList();
    }

    public ParsedMessage message() {
        ParsedMessage m = parser.result();
        List<ToolCall> calls = parallelCalls || m.toolCalls().size() <= 1 ? m.toolCalls() : m.toolCalls().subList(0, 1);
        return new ParsedMessage(m.reasoningContent(), m.content(), calls, finishReason(calls));
    }

    public String finishReason() {
        return message().finishReason();
    }

    private String finishReason(List<ToolCall> calls) {
        if (!calls.isEmpty()) {
            return "tool_calls";
        }
        // A stop string the text layer cut at is a stop even if the engine saw it differently (e.g. a
        // replacement character standing for bytes of a broken UTF-8 sequence).
        if (engineReason == null || text.stopped()) {
            return "stop";
        }
        return engineReason.openAiName;
    }

    public int reasoningTokens() {
        return reasoningTokens;
    }
}
