package io.qwen4j.engine;

import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import java.lang.foreign.MemorySegment;

/**
 * What a KV cache of each type holds for a row of keys or values, by the scalar references: F32 as is, F16 by the
 * JDK's half-precision rounding, the block types (and BF16) through their format's reference quantizer and
 * dequantizer (each tested against ggml's on its own), head by head.
 */
public final class KvStorageReference {

    private KvStorageReference() {
    }

    public static float[] stored(KvCacheType type, float[] row, int headDim) {
        float[] out = new float[row.length];
        switch (type) {
            case F32 -> System.arraycopy(row, 0, out, 0, row.length);
            case F16 -> {
                for (int i = 0; i < row.length; i++) {
                    out[i] = Float.float16ToFloat(Float.floatToFloat16(row[i]));
                }
            }
            default -> {
                QuantFormat format = QuantFormats.of(type.storage);
                MemorySegment blocks = MemorySegment.ofArray(new byte[(int) type.bytesFor(headDim)]);
                for (int h = 0; h < row.length; h += headDim) {
                    format.quantize(row, h, headDim, blocks, 0);
                    format.dequantize(blocks, 0, out, h, headDim);
                }
            }
        }
        return out;
    }

    /** {@link #stored} of a row computed in double precision, as the engine computes it: in float first. */
    public static double[] stored(KvCacheType type, double[] row, int headDim) {
        float[] asFloats = new float[row.length];
        for (int i = 0; i < row.length; i++) {
            asFloats[i] = (float) row[i];
        }
        float[] kept = stored(type, asFloats, headDim);
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = kept[i];
        }
        return out;
    }
}
