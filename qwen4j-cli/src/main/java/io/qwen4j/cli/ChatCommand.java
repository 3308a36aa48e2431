package io.qwen4j.cli;

import io.qwen4j.chat.conversation.ChatSession;
import io.qwen4j.chat.conversation.ChatSettings;
import io.qwen4j.chat.conversation.Conversation;
import io.qwen4j.chat.conversation.SamplingOverrides;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.loader.LoadedModel;
import java.io.Console;
import java.io.PrintWriter;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j chat}: a multi-turn chat REPL on a model with its own chat template. Reads lines from a
 * JLine terminal, or from piped stdin (then without prompt or colours); ends with status 0 on EOF or
 * {@code /exit}. Sampling follows the model's recommendation for the thinking mode unless overridden.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Chat with a model (default: the built-in demo model, random weights).",
                "Commands: /think, /no_think, /reset, /exit, /help. Ctrl-C stops an answer, Ctrl-D quits."})
public final class ChatCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SpeculationMixin speculation;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = "--no-think", description = "Start with thinking off (enable_thinking=false).")
    boolean noThink;

    @Option(names = "--thinking-budget", paramLabel = "N",
            description = "End a thought after N tokens with Qwen's early-stop text; 0 = thinking off. Default: no limit.")
    Integer thinkingBudget;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "MAX",
            description = "Most tokens per answer (default -1: until the turn ends or the context is full).")
    int maxTokens = -1;

    @Option(names = "--temp", paramLabel = "T", description = "Temperature (0 = greedy). Default: the model's.")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Top-p in (0, 1]. Default: the model's.")
    Double topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Top-k (0 = off). Default: the model's.")
    Integer topK;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed, for reproducible answers.")
    Long seed;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N",
            description = "Context of the whole conversation in tokens (default ${DEFAULT-VALUE}, at most the model's).")
    int context = ChatSettings.DEFAULT_CONTEXT;

    @Option(names = "--kv-cache-type", paramLabel = "TYPE", completionCandidates = KvCacheTypeNames.class,
            description = "KV cache storage: ${COMPLETION-CANDIDATES} (default f16).")
    String kvCacheType = "f16";

    @Override
    public Integer call() throws Exception {
        ChatSettings settings = settings();
        SpeculationOptions speculative = speculation.options();
        try (LoadedModel model = modelOptions.load(System.err);
             LoadedModel draft = speculation.loadDraft(modelOptions, model, System.err)) {
            var session = new ChatSession(model, new Conversation(system, !noThink), settings,
                    SpeculationMixin.withDraft(speculative, draft));
            try (ChatConsole console = openConsole();
                 // only where a person types: piped input is there at once, and the turn would wait for it
                 ChatWarmUp warmUp = console.styled() ? ChatWarmUp.start(model, settings, !noThink) : null) {
                PrintWriter status = console.status();
                status.println(console.faint("qwen4j chat: " + model.name() + ", context " + session.contextLength()
                        + " tokens, thinking " + (noThink ? "off" : "on") + ". /help for commands, Ctrl-D to quit."));
                status.flush();
                new ChatRepl(session, console, warmUp).run();
            }
        }
        return 0;
    }

    /** Validates the options before the model loads, so a bad value fails fast with exit 2. */
    private ChatSettings settings() {
        var sampling = new SamplingOverrides(
                temperature == null ? OptionalDouble.empty() : OptionalDouble.of(temperature),
                topP == null ? OptionalDouble.empty() : OptionalDouble.of(topP),
                topK == null ? OptionalInt.empty() : OptionalInt.of(topK),
                seed == null ? OptionalLong.empty() : OptionalLong.of(seed));
        // Applying the overrides to any valid parameters checks their ranges now.
        sampling.applyTo(io.qwen4j.engine.SamplingParams.greedy());
        var settings = new ChatSettings(context, KvCacheType.parse(kvCacheType), maxTokens, OptionalInt.empty(), sampling);
        return thinkingBudget == null ? settings : settings.withThinkingBudget(thinkingBudget);
    }

    /** A JLine terminal when stdin and stdout are a terminal; plain streams otherwise (pipes, tests). */
    private static ChatConsole openConsole() throws java.io.IOException {
        Console console = System.console();
        if (console != null && console.isTerminal()) {
            return TerminalConsole.open();
        }
        return new PlainConsole(System.in, System.out, System.err);
    }
}
