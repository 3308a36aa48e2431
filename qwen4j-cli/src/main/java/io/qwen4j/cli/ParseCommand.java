package io.qwen4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.InvalidInputException;
import io.qwen4j.JsonErrors;
import io.qwen4j.chat.parse.ChatOutputParser;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.PromptAnalysis;
import io.qwen4j.chat.parse.ToolCall;
import io.qwen4j.chat.parse.ToolSpec;
import io.qwen4j.chat.template.ChatTemplate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j parse}: turns raw model output (stdin) into an OpenAI assistant message, using the
 * template to decide where reasoning starts and which tool-call format applies
 * (../shared/CONTRACTS.md "Output parsing"). A debugging tool for users, and a contract for checks.
 */
@Command(name = "parse", mixinStandardHelpOptions = true,
        description = "Parse generated text (stdin) into reasoning_content, content and tool_calls.")
public final class ParseCommand implements Callable<Integer> {

    /** Stream chunks are 1-7 characters, split by a fixed seed so runs are reproducible. */
    private static final long SPLIT_SEED = 20251123L;

    @ArgGroup(exclusive = true, multiplicity = "1")
    TemplateCommand.Source source;

    @Option(names = "--tools", paramLabel = "TOOLS.json", description = "A JSON array of OpenAI tool objects.")
    Path toolsFile;

    @Option(names = "--case", paramLabel = "CASE.json",
            description = "The conversation whose prompt preceded the output (messages, tools, kwargs).")
    Path caseFile;

    @Option(names = "--stream", description = "Feed the text in 1-7 character chunks and print each delta as a JSON line.")
    boolean stream;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        ChatTemplate template = TemplateCommand.load(source);
        JsonNode conversation = caseFile != null ? TemplateCommand.readCase(caseFile) : defaultConversation();
        JsonNode tools = conversation.hasNonNull("tools") ? conversation.get("tools") : readTools();
        String prompt = template.render(conversation.get("messages"), tools, TemplateCommand.kwargs(conversation));
        PromptAnalysis analysis = PromptAnalysis.analyze(template.source(), prompt);
        List<ToolSpec> toolSpecs = tools == null ? List.of() : ToolSpec.listFromOpenAi(tools);

        String output = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        var counter = new AtomicInteger();
        var parser = ChatOutputParser.create(analysis.reasoningMode(), analysis.toolCallFormat(), toolSpecs,
                () -> "call_" + counter.getAndIncrement());
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        if (!stream) {
            parser.feed(output);
            parser.finish();
            out.println(json.writeValueAsString(parser.result().toJson()));
        } else {
            List<Delta> deltas = new ArrayList<>();
            var random = new SplittableRandom(SPLIT_SEED);
            for (int i = 0; i < output.length(); ) {
                int end = Math.min(output.length(), i + 1 + random.nextInt(7));
                if (end < output.length() && Character.isHighSurrogate(output.charAt(end - 1))) {
                    end++; // never split a surrogate pair: a chunk is text, not half a code point
                }
                deltas.addAll(parser.feed(output.substring(i, end)));
                i = end;
            }
            deltas.addAll(parser.finish());
            for (Delta delta : deltas) {
                out.println(json.writeValueAsString(delta.toJson()));
            }
            out.println(json.writeValueAsString(assemble(deltas).toJson()));
        }
        out.flush();
        return 0;
    }

    /** Without a case: one empty user turn, so the template's own generation prompt decides the mode. */
    private JsonNode defaultConversation() {
        ObjectNode conversation = json.createObjectNode();
        conversation.putArray("messages").addObject().put("role", "user").put("content", "");
        return conversation;
    }

    private JsonNode readTools() throws IOException {
        if (toolsFile == null) {
            return null;
        }
        JsonNode tools;
        try {
            tools = json.readTree(Files.readString(toolsFile, StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidInputException(toolsFile + " is not valid JSON: " + JsonErrors.describe(e));
        }
        if (tools == null || !tools.isArray()) {
            throw new InvalidInputException(toolsFile + " must hold a JSON array of tools");
        }
        return tools;
    }

    /** The final message rebuilt from the streamed deltas alone, as a client would. */
    static ParsedMessage assemble(List<Delta> deltas) {
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        List<String[]> calls = new ArrayList<>(); // {id, name, arguments}
        for (Delta delta : deltas) {
            switch (delta) {
                case Delta.Reasoning r -> reasoning.append(r.text());
                case Delta.Content c -> content.append(c.text());
                case Delta.ToolCallPiece p -> {
                    if (p.isFirst()) {
                        calls.add(new String[] {p.id(), p.name(), ""});
                    }
                    String[] call = calls.get(p.index());
                    call[2] = call[2] + (p.arguments() == null ? "" : p.arguments());
                }
            }
        }
        List<ToolCall> toolCalls = calls.stream().map(c -> new ToolCall(c[0], c[1], c[2])).toList();
        return new ParsedMessage(reasoning.isEmpty() ? null : reasoning.toString(),
                content.isEmpty() ? null : content.toString(), toolCalls, toolCalls.isEmpty() ? "stop" : "tool_calls");
    }
}
