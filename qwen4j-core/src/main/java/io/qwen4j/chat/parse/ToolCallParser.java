package io.qwen4j.chat.parse;

import java.util.List;
import java.util.function.Supplier;

/**
 * Parses the text after the thought into content and tool calls, one implementation per call format.
 * Emits raw (untrimmed) {@link Delta.Content} and {@link Delta.ToolCallPiece} deltas; never a partial tag
 * as content, and a call only once it is certain to be one.
 *
 * <p>Shared policy for a block that turns out not to be a valid call (bad JSON, unknown tool name):
 * if no call came before it, the whole block and everything after it is content (CONTRACTS.md: "the
 * whole text after the reasoning content, with no calls"); after a valid call it is dropped with the
 * rest of the output, because calls already streamed cannot be taken back ("text after the last call
 * may be dropped"). Text between two calls is dropped too.
 */
sealed interface ToolCallParser permits HermesToolParser, XmlToolParser, ToolCallParser.ContentOnly {

    List<Delta> feed(String text);

    List<Delta> finish();

    static ToolCallParser create(ToolCallFormat format, List<ToolSpec> tools, Supplier<String> callIds) {
        return switch (format) {
            case NONE -> new ContentOnly();
            case HERMES -> new HermesToolParser(tools, callIds);
            case XML -> new XmlToolParser(tools, callIds);
        };
    }

    /** No call format: all text is content. */
    final class ContentOnly implements ToolCallParser {
        @Override
        public List<Delta> feed(String text) {
            return text.isEmpty() ? List.of() : List.of(new Delta.Content(text));
        }

        @Override
        public List<Delta> finish() {
            return List.of();
        }
    }
}
