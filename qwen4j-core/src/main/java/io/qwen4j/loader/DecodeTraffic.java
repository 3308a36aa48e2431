package io.qwen4j.loader;

import io.qwen4j.gguf.GgufTensorInfo;
import java.util.List;

/**
 * What one decode step must read from a model file, the input of the bandwidth ceiling
 * ({@code tokens/s <= bandwidth / bytesPerToken}): every matrix and norm once, one row of the token
 * embedding (plus the whole of it when it is also the LM head), and of each MoE layer's 3-D expert tensors
 * only the {@code expertsUsed} experts a token is routed to; blocks after the decoder's layers (Qwen3.5's
 * multi-token-prediction head, which the engine does not run) read nothing. {@code activeParameters} counts elements the
 * same way, for FLOP figures (2 per parameter per token); {@code lmHeadParameters} is the LM head's share of
 * them, which a prefill applies to its last token only.
 */
public record DecodeTraffic(long bytesPerToken, long activeParameters, long lmHeadParameters) {

    private static final String EMBEDDING = "token_embd.weight";
    private static final String LM_HEAD = "output.weight";

    /**
     * @param expertsUsed   experts per token (0 for dense models), out of {@code experts}
     * @param decoderLayers the layers a token runs through ({@code blk.0} to {@code blk.<decoderLayers - 1>})
     */
    public static DecodeTraffic of(List<GgufTensorInfo> tensors, int experts, int expertsUsed, int decoderLayers) {
        boolean tied = tensors.stream().noneMatch(t -> t.name().equals(LM_HEAD));
        long bytes = 0;
        long params = 0;
        long lmHead = 0;
        for (GgufTensorInfo t : tensors) {
            if (blockIndex(t.name()) >= decoderLayers) {
                continue;
            }
            if (t.name().equals(EMBEDDING)) {
                long rows = t.shape().length > 1 ? t.shape()[1] : 1;
                bytes += t.bytes() / rows;
                if (tied) {
                    bytes += t.bytes();
                    params += t.elementCount();
                    lmHead = t.elementCount();
                }
            } else if (t.name().contains("_exps.") && experts > 0) {
                bytes += t.bytes() / experts * expertsUsed;
                params += t.elementCount() / experts * expertsUsed;
            } else {
                bytes += t.bytes();
                params += t.elementCount();
                if (t.name().equals(LM_HEAD)) {
                    lmHead = t.elementCount();
                }
            }
        }
        return new DecodeTraffic(bytes, params, lmHead);
    }

    /** {@code N} of a {@code blk.N.*} tensor name, -1 for the others. */
    private static int blockIndex(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int end = name.indexOf('.', 4);
        try {
            return end < 0 ? -1 : Integer.parseInt(name.substring(4, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Floating-point operations of a prefill of {@code tokens} tokens that wants logits for its last one:
     * 2 per active parameter per token, the LM head once.
     */
    public double prefillFlops(int tokens) {
        return 2.0 * ((double) (activeParameters - lmHeadParameters) * tokens + lmHeadParameters);
    }
}
