package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;

/**
 * A plain, slow reference for ggml's legacy 32-element formats, written from their block descriptions
 * and from the steps of ggml's {@code quantize_row_*_ref}, independently of the production classes: it
 * unpacks a block into 32 integer codes, and builds a block by computing the codes first and packing
 * them after. It also has its own fp16 conversions (a table search instead of the JDK's).
 *
 * <pre>
 * Q8_0  [d:fp16][32 x int8]                       value = q * d
 * Q4_0  [d:fp16][16 x (lo nibble | hi nibble)]     value = (q - 8) * d
 * Q4_1  [d:fp16][m:fp16][16 x nibbles]              value = q * d + m
 * Q5_0  [d:fp16][qh:u32 LE][16 x nibbles]           value = (q - 16) * d,  q = nibble | bit_j(qh) << 4
 * Q5_1  [d:fp16][m:fp16][qh:u32 LE][16 x nibbles]   value = q * d + m
 * nibble byte j: element j in the low nibble, element j + 16 in the high nibble.
 * </pre>
 */
final class LegacyReference {

    static final int QK = 32;

    /** The fields of one block: raw fp16 bits of d and m (m = 0 where the format has none), 32 codes. */
    record Block(short d, short m, int[] codes) {
    }

    private LegacyReference() {
    }

    static int blockBytes(TensorType type) {
        return switch (type) {
            case Q8_0 -> 34;
            case Q4_0 -> 18;
            case Q4_1 -> 20;
            case Q5_0 -> 22;
            case Q5_1 -> 24;
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    static boolean hasMin(TensorType type) {
        return type == TensorType.Q4_1 || type == TensorType.Q5_1;
    }

    static boolean hasFifthBits(TensorType type) {
        return type == TensorType.Q5_0 || type == TensorType.Q5_1;
    }

    /** What is subtracted from a code before scaling (0 where a min offset m is used instead). */
    static int codeOffset(TensorType type) {
        return switch (type) {
            case Q4_0 -> 8;
            case Q5_0 -> 16;
            default -> 0;
        };
    }

    // ---- block layout ---------------------------------------------------------------------------

    static Block unpack(TensorType type, byte[] bytes, int at) {
        short d = (short) (bytes[at] & 0xFF | (bytes[at + 1] & 0xFF) << 8);
        int pos = at + 2;
        short m = 0;
        if (hasMin(type)) {
            m = (short) (bytes[pos] & 0xFF | (bytes[pos + 1] & 0xFF) << 8);
            pos += 2;
        }
        int[] codes = new int[QK];
        if (type == TensorType.Q8_0) {
            for (int j = 0; j < QK; j++) {
                codes[j] = bytes[pos + j]; // signed
            }
            return new Block(d, m, codes);
        }
        long qh = 0;
        if (hasFifthBits(type)) {
            for (int b = 0; b < 4; b++) {
                qh |= (long) (bytes[pos + b] & 0xFF) << (8 * b);
            }
            pos += 4;
        }
        for (int j = 0; j < QK; j++) {
            int packed = bytes[pos + j % 16] & 0xFF;
            int nibble = j < 16 ? packed % 16 : packed / 16;
            int fifth = (int) ((qh >> j) & 1);
            codes[j] = nibble + 16 * fifth;
        }
        return new Block(d, m, codes);
    }

    static void pack(TensorType type, Block block, byte[] bytes, int at) {
        bytes[at] = (byte) block.d();
        bytes[at + 1] = (byte) (block.d() >> 8);
        int pos = at + 2;
        if (hasMin(type)) {
            bytes[pos] = (byte) block.m();
            bytes[pos + 1] = (byte) (block.m() >> 8);
            pos += 2;
        }
        int[] codes = block.codes();
        if (type == TensorType.Q8_0) {
            for (int j = 0; j < QK; j++) {
                bytes[pos + j] = (byte) codes[j];
            }
            return;
        }
        if (hasFifthBits(type)) {
            long qh = 0;
            for (int j = 0; j < QK; j++) {
                if (codes[j] >= 16) {
                    qh |= 1L << j;
                }
            }
            for (int b = 0; b < 4; b++) {
                bytes[pos + b] = (byte) (qh >> (8 * b));
            }
            pos += 4;
        }
        for (int j = 0; j < 16; j++) {
            bytes[pos + j] = (byte) ((codes[j] & 0x0F) | (codes[j + 16] & 0x0F) << 4);
        }
    }

    // ---- dequantize -------------------------------------------------------------------------------

    static float[] dequantize(TensorType type, byte[] bytes, int at, int count) {
        float[] out = new float[count];
        for (int b = 0; b < count / QK; b++) {
            Block block = unpack(type, bytes, at + b * blockBytes(type));
            float d = halfToFloat(block.d());
            float m = halfToFloat(block.m());
            for (int j = 0; j < QK; j++) {
                float scaled = (float) (block.codes()[j] - codeOffset(type)) * d;
                out[b * QK + j] = hasMin(type) ? scaled + m : scaled;
            }
        }
        return out;
    }

    // ---- quantize: ggml's reference steps, float by float ------------------------------------------

    static byte[] quantize(TensorType type, float[] x) {
        byte[] out = new byte[x.length / QK * blockBytes(type)];
        for (int b = 0; b < x.length / QK; b++) {
            float[] v = java.util.Arrays.copyOfRange(x, b * QK, b * QK + QK);
            pack(type, quantizeBlock(type, v), out, b * blockBytes(type));
        }
        return out;
    }

    private static Block quantizeBlock(TensorType type, float[] v) {
        int[] codes = new int[QK];
        switch (type) {
            case Q8_0 -> {
                float amax = 0f;
                for (float value : v) {
                    if (Math.abs(value) > amax) {
                        amax = Math.abs(value);
                    }
                }
                float d = amax / 127f;
                float id = d == 0f ? 0f : 1f / d;
                for (int j = 0; j < QK; j++) {
                    codes[j] = (byte) x86ToInt32(cRoundf(v[j] * id));
                }
                return new Block(floatToHalf(d), (short) 0, codes);
            }
            case Q4_0, Q5_0 -> {
                int levels = type == TensorType.Q4_0 ? 16 : 32;
                // the first element of largest magnitude, with its sign; +0 when all are zero
                float max = 0f;
                for (float value : v) {
                    if (Math.abs(value) > Math.abs(max)) {
                        max = value;
                    }
                }
                float d = max / (float) (-levels / 2);
                float id = d == 0f ? 0f : 1f / d;
                float shift = levels / 2 + 0.5f;
                for (int j = 0; j < QK; j++) {
                    codes[j] = Math.min(levels - 1, (byte) x86ToInt32(v[j] * id + shift));
                }
                return new Block(floatToHalf(d), (short) 0, codes);
            }
            case Q4_1, Q5_1 -> {
                int levels = type == TensorType.Q4_1 ? 16 : 32;
                // C comparisons, not Math.min/max: of +0 and -0 the first seen wins
                float min = v[0];
                float max = v[0];
                for (float value : v) {
                    if (value < min) {
                        min = value;
                    }
                    if (value > max) {
                        max = value;
                    }
                }
                float d = (max - min) / (float) (levels - 1);
                float id = d == 0f ? 0f : 1f / d;
                for (int j = 0; j < QK; j++) {
                    int converted = x86ToInt32((v[j] - min) * id + 0.5f);
                    // Q4_1: MIN(15, (int8_t) f); Q5_1: (uint8_t) f with no clip (codes stay below 32)
                    codes[j] = type == TensorType.Q4_1 ? Math.min(15, (byte) converted) : converted & 0xFF;
                }
                return new Block(floatToHalf(d), floatToHalf(min), codes);
            }
            default -> throw new IllegalArgumentException(type.name());
        }
    }

    /** C's roundf: to nearest, halves away from zero; infinities and NaN pass through. */
    static double cRoundf(float value) {
        double magnitude = Math.floor(Math.abs((double) value) + 0.5);
        return value < 0 ? -magnitude : magnitude;
    }

    /**
     * C's float-to-integer conversion as x86's cvttss2si does it: drop the fraction; NaN and values
     * outside the int32 range give 0x80000000 (C leaves them undefined). A narrower C type keeps the low bits.
     */
    static int x86ToInt32(double value) {
        if (Double.isNaN(value) || value >= 0x1p31 || value < -0x1p31) {
            return Integer.MIN_VALUE;
        }
        return (int) (value < 0 ? Math.ceil(value) : Math.floor(value));
    }

    // ---- fp16, independently of Float.float16ToFloat / floatToFloat16 --------------------------------

    /** Value of every non-negative finite half, indexed by its bits 0x0000..0x7BFF (increasing). */
    private static final double[] HALF_VALUES = new double[0x7C00];

    static {
        for (int bits = 0; bits < HALF_VALUES.length; bits++) {
            int exponent = bits >> 10;
            int mantissa = bits & 0x3FF;
            HALF_VALUES[bits] = exponent == 0
                    ? mantissa * Math.pow(2, -24)
                    : (1024 + mantissa) * Math.pow(2, exponent - 25);
        }
    }

    static float halfToFloat(short half) {
        int magnitude = half & 0x7FFF;
        if (magnitude >= 0x7C00) {
            throw new IllegalArgumentException("test data should not hold inf/NaN halves: " + magnitude);
        }
        double value = HALF_VALUES[magnitude];
        return (float) ((half & 0x8000) != 0 ? -value : value);
    }

    /** Nearest half, ties to the even bit pattern; beyond 65504 + half an ulp it is infinity. */
    static short floatToHalf(float value) {
        int sign = Float.floatToRawIntBits(value) < 0 ? 0x8000 : 0;
        double magnitude = Math.abs((double) value);
        int bits;
        if (magnitude >= 65520.0) {
            bits = 0x7C00;
        } else {
            int below = 0; // largest half <= magnitude
            int lo = 0;
            int hi = HALF_VALUES.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (HALF_VALUES[mid] <= magnitude) {
                    below = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            if (below == HALF_VALUES.length - 1) {
                bits = below; // between 65504 and 65520: rounds down to the max half
            } else {
                double down = magnitude - HALF_VALUES[below];
                double up = HALF_VALUES[below + 1] - magnitude;
                bits = down < up || (down == up && below % 2 == 0) ? below : below + 1;
            }
        }
        return (short) (sign | bits);
    }
}
