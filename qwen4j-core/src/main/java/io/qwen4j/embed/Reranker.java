package io.qwen4j.embed;

import io.qwen4j.InvalidInputException;
import io.qwen4j.model.Model;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A document's relevance to a query, as Qwen3-Reranker computes it: the model reads a judging prompt that ends where
 * its answer would start, and the score is the probability of "yes" against "no" there,
 * {@code softmax(logit_yes, logit_no)[0]}, between 0 and 1.
 *
 * <p>The two logits come from the file's classifier head when it has one ({@code cls.output.weight}: llama.cpp's
 * converter stores the LM head's "yes" and "no" rows there, in that order, and drops the LM head), else from the LM
 * head's rows of the tokens {@code yes} and {@code no} (a Qwen3-Reranker file or folder kept as a causal LM). Either
 * way the same numbers: the rows are the same weights. Computed in double from the final hidden state.
 */
public final class Reranker {

    /** Qwen3-Reranker's default task, used when a request gives none. */
    public static final String DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query";
    private static final String PREFIX = "<|im_start|>system\nJudge whether the Document meets the requirements based on"
            + " the Query and the Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n"
            + "<|im_start|>user\n";
    private static final String SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";

    private final Embedder embedder;
    private final Tokenizer tokenizer;
    private final Optional<String> template;
    /** The class rows of the head (yes first), dequantized once: every score multiplies the same few rows. */
    private final float[][] classRows;

    public Reranker(Model model, Tokenizer tokenizer, EmbeddingSettings settings, Embedder embedder) {
        this.embedder = embedder;
        this.tokenizer = tokenizer;
        this.template = settings.rerankTemplate();
        Optional<Tensor> classifier = model.classifier();
        Tensor head;
        int[] rows;
        if (classifier.isPresent()) {
            head = classifier.get();
            rows = new int[Math.toIntExact(head.rows())];
            java.util.Arrays.setAll(rows, i -> i);
        } else {
            head = model.outputHead().orElseThrow(() ->
                    new InvalidInputException("the model has neither a classifier head nor an LM head to rerank with"));
            rows = new int[] {token("yes"), token("no")};
        }
        int dim = model.config().hiddenSize();
        classRows = new float[rows.length][dim];
        for (int i = 0; i < rows.length; i++) {
            QuantFormats.of(head.type()).dequantize(head.data(), rows[i] * head.rowBytes(), classRows[i], 0, dim);
        }
    }

    private int token(String text) {
        OptionalInt id = tokenizer.id(text);
        if (id.isEmpty()) {
            throw new InvalidInputException("the model has no classifier head (cls.output.weight) and its vocabulary no"
                    + " token '" + text + "': not a Qwen3-Reranker-style model");
        }
        return id.getAsInt();
    }

    /**
     * The prompt the model judges: the file's rerank template with {@code {query}} and {@code {document}} replaced
     * (llama.cpp's converter writes Qwen3-Reranker's, its instruction fixed), else Qwen3-Reranker's format with
     * {@code instruction} (or {@link #DEFAULT_INSTRUCTION}).
     */
    public String prompt(String query, String document, Optional<String> instruction) {
        if (template.isPresent() && instruction.isEmpty()) {
            return template.get().replace("{query}", query).replace("{document}", document);
        }
        return format(instruction.orElse(DEFAULT_INSTRUCTION), query, document);
    }

    /**
     * The model card's prompt with the default instruction and {@code {query}}, {@code {document}} in place: what
     * llama.cpp's converter stores as a Qwen3-Reranker's {@code tokenizer.chat_template.rerank}.
     */
    public static String modelCardTemplate() {
        return format(DEFAULT_INSTRUCTION, "{query}", "{document}");
    }

    private static String format(String instruction, String query, String document) {
        return PREFIX + "<Instruct>: " + instruction + "\n<Query>: " + query + "\n<Document>: " + document + SUFFIX;
    }

    /** The prompt's tokens (special tokens parsed). */
    public int[] tokens(String query, String document, Optional<String> instruction) {
        return tokenizer.encode(prompt(query, document, instruction), true);
    }

    /** The relevance score of a tokenized prompt, in [0, 1]. */
    public double score(int[] tokens) {
        return score(embedder.embed(tokens, Pooling.LAST, false));
    }

    /**
     * Scores prompts one after another, each running only from where it leaves the one before (the shared judging
     * prompt and query run once: {@link Embedder#session}), the same scores as {@link #score(int[])}.
     *
     * @param prompts the prompts to come ({@link #tokens}), in the order they will be scored
     */
    public Scorer scorer(List<int[]> prompts) {
        Embedder.Session session = embedder.session(prompts, Pooling.LAST);
        return (tokens, beforeEachPass) -> score(session.embed(tokens, false, beforeEachPass));
    }

    /** Scores through a shared KV cache ({@link #scorer}); {@code beforeEachPass} as {@link Embedder#embed}'s. */
    @FunctionalInterface
    public interface Scorer {
        double score(int[] tokens, Runnable beforeEachPass);
    }

    private double score(float[] hidden) {
        double[] logits = new double[classRows.length];
        for (int i = 0; i < classRows.length; i++) {
            float[] row = classRows[i];
            double dot = 0;
            for (int j = 0; j < row.length; j++) {
                dot += (double) row[j] * hidden[j];
            }
            logits[i] = dot;
        }
        // softmax over the classes, the first (yes) taken; a single class is read as a logit
        if (logits.length == 1) {
            return 1 / (1 + Math.exp(-logits[0]));
        }
        double others = 0;
        for (int i = 1; i < logits.length; i++) {
            others += Math.exp(logits[i] - logits[0]);
        }
        return 1 / (1 + others);
    }
}
