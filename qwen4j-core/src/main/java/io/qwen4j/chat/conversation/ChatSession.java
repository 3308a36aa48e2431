package io.qwen4j.chat.conversation;

import io.qwen4j.chat.parse.ChatOutputParser;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.PromptAnalysis;
import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.chat.thinking.ThinkingBudget;
import io.qwen4j.chat.thinking.ThinkingBudgetHook;
import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.Generation;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.RecurrentState;
import io.qwen4j.tokenizer.StreamingDecoder;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A chat with one model: each {@link #send} renders the conversation with the model's template, generates
 * the answer, streams it as {@link Delta}s (reasoning, content, tool calls) and appends it to the history.
 *
 * <p>One turn, step by step:
 * <ol>
 *   <li>render with {@code add_generation_prompt} and {@code enable_thinking}, tokenize (special tokens parsed);</li>
 *   <li>{@link PromptAnalysis} of the rendered prompt gives the reasoning mode and the tool-call format;</li>
 *   <li>sampling = the model's defaults for the mode, with the user's overrides; stop on the end-of-turn ids;
 *       a {@link ThinkingBudgetHook} ends an over-long thought with Qwen's early-stop text;</li>
 *   <li>the KV cache keeps what earlier turns computed: positions up to the longest common token prefix of
 *       the cached sequence and the new prompt are reused, only the rest is prefilled;</li>
 *   <li>generated tokens → streaming decoder → {@link ChatOutputParser} → the caller's callback.</li>
 * </ol>
 * Not thread-safe, except {@link #cancel()}, which may be called from any thread (Ctrl-C).
 */
public final class ChatSession {

    private final LoadedModel model;
    private final ChatTemplate template;
    private final Conversation conversation;
    private final ChatSettings settings;
    private final Generator generator;
    private final ContiguousKvCache cache;
    /** Whether the model keeps a recurrent state (linear attention), which a later turn can only extend whole. */
    private final boolean hybrid;
    /** The tokens whose keys and values the cache holds at positions 0, 1, … */
    private int[] cachedTokens = new int[0];
    /**
     * A hybrid model's recurrent state where the last prompt's conversation ended (before the template's generation
     * prompt), which the next turn's prompt repeats: it resumes there instead of at 0. Null when none is kept.
     */
    private RecurrentState conversationState;
    private volatile boolean cancelRequested;

    public ChatSession(LoadedModel model, Conversation conversation, ChatSettings settings) {
        this(model, conversation, settings, SpeculationOptions.OFF);
    }

    /** A session whose answers are decoded speculatively as {@code speculation} says (the same text, fewer passes). */
    public ChatSession(LoadedModel model, Conversation conversation, ChatSettings settings,
                       SpeculationOptions speculation) {
        this.model = model;
        this.template = model.requireChatTemplate();
        this.conversation = conversation;
        this.settings = settings;
        this.generator = new Generator(model.model(), speculation);
        int context = Math.min(settings.contextLength(), model.config().contextLength());
        this.cache = ContiguousKvCache.forContext(model.config(), settings.kvCacheType(), context);
        this.hybrid = model.config().isHybrid();
    }

    public Conversation conversation() {
        return conversation;
    }

    public ChatSettings settings() {
        return settings;
    }

    /** Tokens the KV cache holds (the context of the whole conversation). */
    public int contextLength() {
        return cache.capacity();
    }

    /** Starts over: no turns, nothing cached. The system prompt and the thinking setting stay. */
    public void reset() {
        conversation.reset();
        cachedTokens = new int[0];
        conversationState = null;
    }

    /** Ends the running turn after the current token; its partial answer is kept. */
    public void cancel() {
        cancelRequested = true;
    }

    /** The prompt the next turn would answer (the conversation rendered for generation). */
    public String renderPrompt() {
        return template.render(conversation.messages(), null, Map.of("enable_thinking", thinkingThisTurn()));
    }

    /**
     * Adds {@code userText} as a user turn and generates the answer, passing each delta to {@code onDelta}
     * as soon as the parser is sure of it. On an error before generation starts (the prompt does not fit
     * the context, …) the user turn is taken back and the error rethrown.
     */
    public TurnResult send(String userText, Consumer<Delta> onDelta) {
        cancelRequested = false;
        conversation.addUser(userText);
        String prompt;
        int[] promptIds;
        int reused;
        Generation generation;
        PromptAnalysis analysis;
        long start;
        try {
            prompt = renderPrompt();
            promptIds = model.tokenizer().encode(prompt, true);
            analysis = PromptAnalysis.analyze(template.source(), prompt);
            reused = Math.min(commonPrefix(cachedTokens, promptIds), promptIds.length - 1);
            if (hybrid && reused < cachedTokens.length) {
                // a hybrid model's recurrent state holds every token fed and cannot be cut back: all of it, the copy
                // kept where the last prompt's conversation ended, or nothing
                reused = resumeFromConversationState(reused);
            }
            if (hybrid && conversationState != null && conversationState.position() > Math.max(reused, 0)) {
                conversationState = null; // the tokens it folded in are about to be overwritten
            }
            start = System.nanoTime(); // the prefill is timed from here: a hybrid feeds part of it just below
            int fed = hybrid ? keepConversationState(prompt, promptIds, Math.max(reused, 0)) : Math.max(reused, 0);
            generation = generator.resume(promptIds, fed, cache, request(analysis));
        } catch (RuntimeException e) {
            conversation.removeLast();
            throw e;
        }
        // Positions past the reused prefix are about to be overwritten (a hybrid model's state too: until this turn
        // ends well, nothing is known to be held).
        cachedTokens = hybrid ? new int[0] : Arrays.copyOf(promptIds, Math.max(reused, 0));
        return answer(prompt, promptIds, reused, generation, analysis, start, onDelta);
    }

    /** The position to continue at when the cache holds {@code common} of the new prompt's tokens but more besides. */
    private int resumeFromConversationState(int common) {
        if (conversationState == null || conversationState.position() > common) {
            return 0;
        }
        model.model().restoreRecurrentState(cache, conversationState);
        return conversationState.position();
    }

    /**
     * Feeds the prompt up to where its conversation ends (the next turn repeats it; the template's generation prompt
     * after it differs) and keeps a copy of the state there. Returns the tokens now fed.
     */
    private int keepConversationState(String prompt, int[] promptIds, int fed) {
        String conversationOnly = template.render(conversation.messages(), null,
                Map.of("enable_thinking", thinkingThisTurn(), "add_generation_prompt", false));
        if (!prompt.startsWith(conversationOnly)) {
            return fed;
        }
        // only the generation prompt is tokenized again; it starts with a special token, so the split is clean
        int[] generationPrompt = model.tokenizer().encode(prompt.substring(conversationOnly.length()), true);
        int end = promptIds.length - generationPrompt.length;
        if (end <= fed || end >= promptIds.length || promptIds.length > cache.capacity()
                || !Arrays.equals(promptIds, end, promptIds.length, generationPrompt, 0, generationPrompt.length)) {
            return fed; // nothing to feed first, or a prompt the generator will reject with its own message
        }
        model.model().forward(new ForwardBatch(List.of(new ForwardBatch.Sequence(
                Arrays.copyOfRange(promptIds, fed, end), fed, cache)), ForwardBatch.LogitsWanted.LAST));
        conversationState = model.model().saveRecurrentState(cache).orElse(null);
        return end;
    }

    private TurnResult answer(String prompt, int[] promptIds, int reused, Generation generation,
                              PromptAnalysis analysis, long start, Consumer<Delta> onDelta) {
        Tokenizer tokenizer = model.tokenizer();
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        // Counter ids keep a turn reproducible; ids only need to be unique within the message.
        int[] callCounter = {0};
        ChatOutputParser parser = ChatOutputParser.create(analysis.reasoningMode(), analysis.toolCallFormat(),
                List.of(), () -> "call_" + callCounter[0]++);
        List<GenerationStep> steps = new ArrayList<>();
        long firstStep = start;
        boolean cancelled = false;
        while (true) {
            // Checked before hasNext(), which already runs the next forward pass.
            if (cancelRequested) {
                cancelled = true;
                break;
            }
            if (!generation.hasNext()) {
                break;
            }
            GenerationStep step = generation.next();
            if (steps.isEmpty()) {
                firstStep = System.nanoTime();
            }
            steps.add(step);
            // The end-of-turn token ends the output (the finish reason is set as it is chosen); it is not text.
            if (generation.finishReason().isPresent() && model.endOfTurnIds().contains(step.token())) {
                break;
            }
            parser.feed(decoder.next(step.token())).forEach(onDelta);
        }
        long end = System.nanoTime();
        parser.feed(decoder.finish()).forEach(onDelta);
        parser.finish().forEach(onDelta);
        ParsedMessage message = parser.result();
        String finishReason = cancelled ? "cancelled"
                : generation.finishReason().orElse(FinishReason.STOP) == FinishReason.LENGTH ? "length"
                : message.finishReason();
        message = message.withFinishReason(finishReason);
        cachedTokens = generation.cachedTokens();
        conversation.addAssistant(message);
        TurnStats stats = new TurnStats(promptIds.length, reused, steps.size(),
                steps.isEmpty() ? 0 : firstStep - start, steps.isEmpty() ? 0 : end - firstStep, finishReason,
                generation.draftedTokens(), generation.acceptedDrafts());
        return new TurnResult(message, stats, prompt, steps);
    }

    private GenerationRequest request(PromptAnalysis analysis) {
        boolean thinking = thinkingThisTurn();
        SamplingParams sampling = settings.sampling().applyTo(model.samplingDefaults().forMode(thinking));
        var mode = analysis.reasoningMode();
        ThinkingBudget budget = settings.thinkingBudget().isPresent()
                ? ThinkingBudget.of(mode, settings.thinkingBudget().getAsInt()) : ThinkingBudget.unlimited(mode);
        int maxTokens = settings.maxTokens() < 0 ? Integer.MAX_VALUE : settings.maxTokens();
        return new GenerationRequest(sampling, maxTokens, model.endOfTurnIds(),
                List.of(new ThinkingBudgetHook(budget, model.tokenizer())));
    }

    private boolean thinkingThisTurn() {
        return conversation.thinkingEnabled() && !settings.budgetForbidsThinking();
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
