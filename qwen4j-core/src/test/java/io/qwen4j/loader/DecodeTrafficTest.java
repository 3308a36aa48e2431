package io.qwen4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.tensor.TensorType;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecodeTrafficTest {

    /** F32 tensor info: 4 bytes per element; offsets do not matter here. */
    private static GgufTensorInfo f32(String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new GgufTensorInfo(name, TensorType.F32, shape, 0, 4 * n);
    }

    @Test
    void untiedModelReadsOneEmbeddingRowAndTheWholeHead() {
        // vocab 10, dim 4: embedding 10 rows of 4; head 4 -> 10; one 4x4 matrix; a norm of 4
        var t = DecodeTraffic.of(List.of(f32("token_embd.weight", 4, 10), f32("output.weight", 4, 10),
                f32("blk.0.attn_q.weight", 4, 4), f32("blk.0.attn_norm.weight", 4)), 0, 0, 1);
        assertEquals(4 * 4 + 4 * 40 + 4 * 16 + 4 * 4, t.bytesPerToken());
        assertEquals(40 + 16 + 4, t.activeParameters());
        assertEquals(40, t.lmHeadParameters());
        // 3 tokens: (60 - 40) per token, the head once, 2 FLOPs each
        assertEquals(2.0 * (20 * 3 + 40), t.prefillFlops(3));
    }

    @Test
    void tiedEmbeddingIsAlsoTheHead() {
        var t = DecodeTraffic.of(List.of(f32("token_embd.weight", 4, 10), f32("blk.0.attn_q.weight", 4, 4)), 0, 0, 1);
        assertEquals(4 * 4 + 4 * 40 + 4 * 16, t.bytesPerToken());
        assertEquals(40 + 16, t.activeParameters());
        assertEquals(40, t.lmHeadParameters());
        assertEquals(2.0 * 16, t.prefillFlops(1) - 2.0 * 40);
    }

    @Test
    void expertTensorsCountOnlyTheExpertsUsed() {
        // 8 experts of 4x2, 2 used per token
        var t = DecodeTraffic.of(List.of(f32("output.weight", 4, 10), f32("token_embd.weight", 4, 10),
                f32("blk.0.ffn_up_exps.weight", 4, 2, 8)), 8, 2, 1);
        assertEquals(4 * 40 + 4 * 4 + 4 * 64 / 8 * 2, t.bytesPerToken());
        assertEquals(40 + 16, t.activeParameters());
    }

    @Test
    void blocksAfterTheDecoderLayersAreNotRead() {
        // a 1-layer decoder and a multi-token-prediction block stored as blk.1
        var t = DecodeTraffic.of(List.of(f32("output.weight", 4, 10), f32("token_embd.weight", 4, 10),
                f32("blk.0.attn_q.weight", 4, 4), f32("blk.1.attn_q.weight", 4, 4), f32("blk.1.nextn.eh_proj.weight", 8, 4)),
                0, 0, 1);
        assertEquals(4 * 40 + 4 * 4 + 4 * 16, t.bytesPerToken());
        assertEquals(40 + 16, t.activeParameters());
    }
}
