package io.qwen4j.convert;

import io.qwen4j.model.GatedDeltaNetConfig;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * llama.cpp's {@code qwen35} files keep the linear attention's value heads tiled over the key heads (value head
 * {@code j * keyHeads + g} is the {@code j}-th of key head {@code g}), so ggml can broadcast the keys; HF keeps them
 * grouped ({@code g * ratio + j}). Its converter ({@code _LinearAttentionVReorderBase}) moves every value-head-indexed
 * row or column; {@code convert} does the same for Qwen3.5 folders, per GGUF tensor:
 * <ul>
 *   <li>{@code attn_qkv}: the value rows (after the query and key rows), a head of {@code headDim} rows at a time;</li>
 *   <li>{@code attn_gate}: every row, by heads; {@code ssm_beta}, {@code ssm_alpha}, {@code ssm_dt.bias},
 *       {@code ssm_a}: one row or value per head;</li>
 *   <li>{@code ssm_conv1d}: the value channels; {@code ssm_out}: the columns of every row, by heads.</li>
 * </ul>
 */
final class ValueHeadTiling {

    private ValueHeadTiling() {
    }

    static boolean applies(String gguf) {
        return gguf.endsWith(".attn_qkv.weight") || gguf.endsWith(".attn_gate.weight") || gguf.endsWith(".ssm_beta.weight")
                || gguf.endsWith(".ssm_alpha.weight") || gguf.endsWith(".ssm_dt.bias") || gguf.endsWith(".ssm_a")
                || gguf.endsWith(".ssm_conv1d.weight") || gguf.endsWith(".ssm_out.weight");
    }

    /** {@code source} (HF's grouped order) in the tiled order, as F32. */
    static Tensor tiled(Tensor source, GatedDeltaNetConfig c) {
        int n = Math.toIntExact(source.elementCount());
        float[] v = new float[n];
        QuantFormats.of(source.type()).dequantize(source.data(), 0, v, 0, n);
        int rowLength = Math.toIntExact(source.shape()[0]);
        int hd = c.headDim();
        String name = source.name();
        if (name.endsWith(".attn_qkv.weight")) {
            tile(v, 2 * c.keyDim() * rowLength, hd * rowLength, c);
        } else if (name.endsWith(".attn_gate.weight")) {
            tile(v, 0, hd * rowLength, c);
        } else if (name.endsWith(".ssm_conv1d.weight")) {
            tile(v, 2 * c.keyDim() * rowLength, hd * rowLength, c); // ne [taps, channels]: a row per channel
        } else if (name.endsWith(".ssm_out.weight")) {
            for (int row = 0; row < n / rowLength; row++) {
                tile(v, row * rowLength, hd, c); // ne [valueDim, hidden]: columns by heads within each row
            }
        } else {
            tile(v, 0, source.shape().length == 1 ? 1 : rowLength, c); // a row, or a value, per head
        }
        return new Tensor(name, TensorType.F32, source.shape(), MemorySegment.ofArray(v));
    }

    /** The {@code valueHeads} blocks of {@code block} floats from {@code at}, grouped order to tiled, in place. */
    private static void tile(float[] v, int at, int block, GatedDeltaNetConfig c) {
        int keyHeads = c.keyHeads();
        int ratio = c.valueHeads() / keyHeads;
        float[] grouped = java.util.Arrays.copyOfRange(v, at, at + c.valueHeads() * block);
        for (int g = 0; g < keyHeads; g++) {
            for (int j = 0; j < ratio; j++) {
                System.arraycopy(grouped, (g * ratio + j) * block, v, at + (j * keyHeads + g) * block, block);
            }
        }
    }
}
