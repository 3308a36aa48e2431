package io.qwen4j.model;

/**
 * Activation buffers of one model, sized once for the largest batch ({@code maxTokens} tokens) so the hot
 * path allocates nothing. Row {@code t} of a buffer belongs to token {@code t} of the current batch.
 */
final class Workspace {

    /** Rows of the LM head computed per matmul when many positions want logits. */
    static final int LOGITS_ROWS = 8;

    final int maxTokens;
    /** The residual stream. */
    final float[] hidden;
    /** Normalised input of the current sub-layer. */
    final float[] normed;
    final float[] query;
    final float[] key;
    final float[] value;
    /** Attention output before o_proj. */
    final float[] attention;
    /** Output of o_proj or of the feed-forward network, added to the residual stream. */
    final float[] output;
    final float[] gate;
    final float[] up;
    final float[] cos;
    final float[] sin;

    // Per-token bookkeeping of the current batch.
    final int[] positions;
    final KvCache[] caches;
    /** Row of the output logits for token t, or -1 when no logits are wanted there. */
    final int[] logitsRow;
    final int[] logitsTokens;

    // Mixture of experts.
    final float[] routerLogits;
    final int[] selectedExperts;
    final float[] expertWeights;
    /** The batch's routing slots ({@code t * k + j}) grouped by expert: expert-major, tokens in order. */
    final int[] expertSlots;
    /** Expert {@code e}'s slots are {@code expertSlots[expertStart[e], expertStart[e + 1])}. */
    final int[] expertStart;
    /** The experts with at least one token in this batch, most tokens first. */
    final int[] activeExperts;
    /** The experts' outputs, {@code hiddenSize} floats per slot, in {@link #expertSlots}' order; summed per token afterwards. */
    final float[] expertOutput;

    final float[] logitsScratch;

    // Hybrid models (Qwen3.5): the gated attention's q_proj output and gate, the linear attention's buffers.
    final float[] queryAndGate;
    final float[] attentionGate;
    /** Linear attention: the q/k/v projection, then (in place) its convolution. */
    final float[] mixed;
    final float[] linearGate;
    final float[] linearBeta;
    final float[] linearAlpha;
    final float[] linearOut;
    /** Qwen3-Next's interleaved q/k/v/gate projection ({@code ssm_in}) before it is split. */
    final float[] linearFused;

    /** Attention's blocks of query tokens: block {@code b} is tokens {@code [start[b], start[b + 1])}. */
    final int[] queryBlockStart;
    /** How many of {@link #queryBlockStart}'s blocks the current forward pass has ({@code Attention.planQueryBlocks}). */
    int queryBlocks;

    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[256]);
    private final ThreadLocal<float[]> blockRows;
    private final ThreadLocal<ExpertRows> expertRows;

    /**
     * One expert's rows in flight on one thread: its tokens' inputs, gate and up projections, and outputs. Per
     * thread because experts run side by side, one per thread, and the kernels read and write from row 0.
     */
    record ExpertRows(float[] input, float[] gate, float[] up, float[] output) {
        ExpertRows(int maxTokens, int dim, int ffn) {
            this(new float[maxTokens * dim], new float[maxTokens * ffn], new float[maxTokens * ffn],
                    new float[maxTokens * dim]);
        }
    }

    Workspace(ModelConfig config, int maxTokens) {
        this.maxTokens = maxTokens;
        int dim = config.hiddenSize();
        int ffn = Math.max(config.intermediateSize(),
                Math.max(config.moeIntermediateSize(), config.sharedExpertIntermediateSize()));
        hidden = new float[maxTokens * dim];
        normed = new float[maxTokens * dim];
        query = new float[maxTokens * config.queryDim()];
        key = new float[maxTokens * config.keyValueDim()];
        value = new float[maxTokens * config.keyValueDim()];
        attention = new float[maxTokens * config.queryDim()];
        output = new float[maxTokens * dim];
        gate = new float[maxTokens * ffn];
        up = new float[maxTokens * ffn];
        cos = new float[maxTokens * config.rotaryDim() / 2];
        sin = new float[maxTokens * config.rotaryDim() / 2];
        positions = new int[maxTokens];
        caches = new KvCache[maxTokens];
        logitsRow = new int[maxTokens];
        logitsTokens = new int[maxTokens];
        routerLogits = new float[maxTokens * config.numExperts()];
        selectedExperts = new int[maxTokens * config.numExpertsUsed()];
        expertWeights = new float[maxTokens * config.numExpertsUsed()];
        boolean moe = config.isMixtureOfExperts();
        int slots = maxTokens * config.numExpertsUsed();
        expertSlots = new int[slots];
        expertStart = new int[config.numExperts() + 1];
        activeExperts = new int[config.numExperts()];
        expertOutput = new float[moe ? slots * dim : 0];
        int expertFfn = config.moeIntermediateSize();
        expertRows = ThreadLocal.withInitial(() -> new ExpertRows(maxTokens, dim, expertFfn));
        logitsScratch = new float[LOGITS_ROWS * config.vocabSize()];
        boolean hybrid = config.isHybrid();
        GatedDeltaNetConfig linear = config.gatedDeltaNet();
        queryAndGate = new float[hybrid ? maxTokens * 2 * config.queryDim() : 0];
        attentionGate = new float[hybrid ? maxTokens * config.queryDim() : 0];
        mixed = new float[hybrid ? maxTokens * linear.convChannels() : 0];
        linearGate = new float[hybrid ? maxTokens * linear.valueDim() : 0];
        linearBeta = new float[hybrid ? maxTokens * linear.valueHeads() : 0];
        linearAlpha = new float[hybrid ? maxTokens * linear.valueHeads() : 0];
        linearOut = new float[hybrid ? maxTokens * linear.valueDim() : 0];
        boolean grouped = hybrid && linear.valueHeadOrder() == GatedDeltaNetConfig.ValueHeadOrder.GROUPED;
        linearFused = new float[grouped ? maxTokens * (linear.convChannels() + linear.valueDim()) : 0];
        queryBlockStart = new int[maxTokens + 1];
        int blockRowFloats = 2 * Attention.queryBlockTokens(config) * config.queriesPerKeyValue() * config.headDim();
        blockRows = ThreadLocal.withInitial(() -> new float[blockRowFloats]);
    }

    /**
     * A per-thread scratch for one block of attention's query rows and their outputs (each query row of a block,
     * then each output row), sized for the largest block.
     */
    float[] blockRows() {
        return blockRows.get();
    }

    /** This thread's buffers for one expert's rows, allocated on the thread's first expert. */
    ExpertRows expertRows() {
        return expertRows.get();
    }

    /** A per-thread scratch row for attention scores, at least {@code length} long. */
    float[] scores(int length) {
        float[] s = scores.get();
        if (s.length < length) {
            s = new float[Math.max(length, s.length * 2)];
            scores.set(s);
        }
        return s;
    }
}
