package io.qwen4j.chat.parse;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Turns a chat model's generated text into an OpenAI assistant message: reasoning, content and tool
 * calls, streamed as {@link Delta}s or parsed whole. It composes a {@link ReasoningParser} with the
 * template's {@link ToolCallParser}; pick the mode and format with {@link PromptAnalysis}.
 *
 * <p>Input is the text generated after the prompt, without the final {@code <|im_end|>}. Streaming and
 * whole-text parsing give the same message: reasoning and content deltas concatenate to the final
 * (whitespace-stripped) fields, and each call's argument fragments to its arguments string.
 * Not thread-safe: one parser per generated message.
 */
public final class ChatOutputParser {
    private final ReasoningParser reasoningParser;
    private final ToolCallParser toolCallParser;
    private final TrimmedText reasoning = new TrimmedText();
    private final TrimmedText content = new TrimmedText();
    private final List<CallInProgress> calls = new ArrayList<>();
    private boolean finished;

    private static final class CallInProgress {
        final String id;
        final String name;
        final StringBuilder arguments = new StringBuilder();

        CallInProgress(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private ChatOutputParser(ReasoningMode mode, ToolCallFormat format, List<ToolSpec> tools, Supplier<String> callIds) {
        this.reasoningParser = new ReasoningParser(mode, format);
        this.toolCallParser = ToolCallParser.create(format, tools, callIds);
    }

    /** A parser whose call ids are {@code "call_"} + 24 random hex digits, as vLLM writes them. */
    public static ChatOutputParser create(ReasoningMode mode, ToolCallFormat format, List<ToolSpec> tools) {
        return create(mode, format, tools, ChatOutputParser::randomCallId);
    }

    /** A parser taking call ids from {@code callIds} (e.g. a counter, for reproducible output). */
    public static ChatOutputParser create(ReasoningMode mode, ToolCallFormat format, List<ToolSpec> tools,
            Supplier<String> callIds) {
        return new ChatOutputParser(mode, format, tools, callIds);
    }

    /** Parses a whole output at once; equal to feeding it in any pieces and finishing. */
    public static ParsedMessage parse(ReasoningMode mode, ToolCallFormat format, List<ToolSpec> tools, String output) {
        var parser = create(mode, format, tools);
        parser.feed(output);
        parser.finish();
        return parser.result();
    }

    /** Takes the next piece of generated text; returns the deltas that became certain. */
    public List<Delta> feed(String text) {
        if (finished) {
            throw new IllegalStateException("feed after finish");
        }
        ReasoningParser.Split split = reasoningParser.feed(text);
        return route(split, toolCallParser.feed(split.rest()));
    }

    /** Ends the output: releases held text and closes open calls. Call once. */
    public List<Delta> finish() {
        if (finished) {
            throw new IllegalStateException("finish called twice");
        }
        finished = true;
        ReasoningParser.Split split = reasoningParser.finish();
        List<Delta> fromRest = new ArrayList<>(toolCallParser.feed(split.rest()));
        fromRest.addAll(toolCallParser.finish());
        return route(split, fromRest);
    }

    /** The message so far (complete after {@link #finish()}). */
    public ParsedMessage result() {
        var toolCalls = calls.stream().map(c -> new ToolCall(c.id, c.name, c.arguments.toString())).toList();
        return new ParsedMessage(reasoning.value(), content.value(), toolCalls, toolCalls.isEmpty() ? "stop" : "tool_calls");
    }

    private List<Delta> route(ReasoningParser.Split split, List<Delta> fromRest) {
        var out = new ArrayList<Delta>();
        add(out, new Delta.Reasoning(reasoning.accept(split.reasoning())));
        for (Delta delta : fromRest) {
            switch (delta) {
                case Delta.Reasoning r -> add(out, new Delta.Reasoning(reasoning.accept(r.text())));
                case Delta.Content c -> add(out, new Delta.Content(content.accept(c.text())));
                case Delta.ToolCallPiece piece -> {
                    if (piece.isFirst()) {
                        calls.add(new CallInProgress(piece.id(), piece.name()));
                    }
                    calls.get(piece.index()).arguments.append(piece.arguments());
                    out.add(piece);
                }
            }
        }
        return out;
    }

    /** Appends a text delta, merging it into the previous one of the same kind; drops empty text. */
    private static void add(List<Delta> out, Delta delta) {
        Delta last = out.isEmpty() ? null : out.getLast();
        switch (delta) {
            case Delta.Reasoning r when r.text().isEmpty() -> { }
            case Delta.Content c when c.text().isEmpty() -> { }
            case Delta.Reasoning r when last instanceof Delta.Reasoning l -> out.set(out.size() - 1, new Delta.Reasoning(l.text() + r.text()));
            case Delta.Content c when last instanceof Delta.Content l -> out.set(out.size() - 1, new Delta.Content(l.text() + c.text()));
            default -> out.add(delta);
        }
    }

    private static String randomCallId() {
        byte[] bytes = new byte[12];
        ThreadLocalRandom.current().nextBytes(bytes);
        return "call_" + HexFormat.of().formatHex(bytes);
    }
}
