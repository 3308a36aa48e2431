package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;

/**
 * Plain, slow dequantizers written from the ggml block descriptions (ggml-common.h structs and the
 * {@code dequantize_row_*} formulas), element by element: for weight i, find its byte, bits and scale.
 * They keep C's float operation order (scale product first) so results are bit-identical to ggml.
 */
final class KQuantReference {

    static final int[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private KQuantReference() {
    }

    static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    static float half(byte[] b, int i) {
        return Float.float16ToFloat((short) (u8(b, i) | (u8(b, i + 1) << 8)));
    }

    static float[] dequantize(TensorType type, byte[] data) {
        if (java.util.Arrays.asList(IQuantReference.TYPES).contains(type)) {
            return IQuantReference.dequantize(type, data);
        }
        int blocks = data.length / type.blockBytes;
        float[] out = new float[blocks * type.blockSize];
        for (int blk = 0; blk < blocks; blk++) {
            int base = blk * type.blockBytes;
            for (int i = 0; i < type.blockSize; i++) {
                out[blk * type.blockSize + i] = switch (type) {
                    case Q2_K -> q2k(data, base, i);
                    case Q3_K -> q3k(data, base, i);
                    case Q4_K -> q4k(data, base, i);
                    case Q5_K -> q5k(data, base, i);
                    case Q6_K -> q6k(data, base, i);
                    case IQ4_NL -> iq4nl(data, base, i);
                    case IQ4_XS -> iq4xs(data, base, i);
                    case MXFP4 -> mxfp4(data, base, i);
                    default -> throw new IllegalArgumentException(type.toString());
                };
            }
        }
        return out;
    }

    /** block_q2_K { u8 scales[16]; u8 qs[64]; half d; half dmin; } */
    static float q2k(byte[] b, int base, int i) {
        int half = i / 128;
        int shift = 2 * ((i % 128) / 32);
        int l = i % 32;
        int sc = u8(b, base + i / 16);
        int q = (u8(b, base + 16 + 32 * half + l) >> shift) & 3;
        float dl = half(b, base + 80) * (sc & 15);
        float ml = half(b, base + 82) * (sc >> 4);
        return dl * q - ml;
    }

    /** block_q3_K { u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d; } */
    static float q3k(byte[] b, int base, int i) {
        int half = i / 128;
        int j = (i % 128) / 32;
        int l = i % 32;
        int s = i / 16;
        int low4 = s < 8 ? u8(b, base + 96 + s) & 15 : u8(b, base + 96 + s - 8) >> 4;
        int high2 = (u8(b, base + 96 + 8 + s % 4) >> (2 * (s / 4))) & 3;
        int scale = (low4 | (high2 << 4)) - 32;
        int q = (u8(b, base + 32 + 32 * half + l) >> (2 * j)) & 3;
        boolean third = ((u8(b, base + l) >> (4 * half + j)) & 1) == 1;
        float dl = half(b, base + 108) * scale;
        return dl * (q - (third ? 0 : 4));
    }

    static int scaleK4(byte[] b, int s, int j) {
        return j < 4 ? u8(b, s + j) & 63 : (u8(b, s + j + 4) & 15) | ((u8(b, s + j - 4) >> 6) << 4);
    }

    static int minK4(byte[] b, int s, int j) {
        return j < 4 ? u8(b, s + j + 4) & 63 : (u8(b, s + j + 4) >> 4) | ((u8(b, s + j) >> 6) << 4);
    }

    /** block_q4_K { half d; half dmin; u8 scales[12]; u8 qs[128]; } */
    static float q4k(byte[] b, int base, int i) {
        int sub = i / 32;
        int byteIndex = 32 * (i / 64) + i % 32;
        int q = sub % 2 == 0 ? u8(b, base + 16 + byteIndex) & 15 : u8(b, base + 16 + byteIndex) >> 4;
        float d = half(b, base) * scaleK4(b, base + 4, sub);
        float m = half(b, base + 2) * minK4(b, base + 4, sub);
        return d * q - m;
    }

    /** block_q5_K { half d; half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; } */
    static float q5k(byte[] b, int base, int i) {
        int sub = i / 32;
        int l = i % 32;
        int byteIndex = 32 * (i / 64) + l;
        int low = sub % 2 == 0 ? u8(b, base + 48 + byteIndex) & 15 : u8(b, base + 48 + byteIndex) >> 4;
        int high = (u8(b, base + 16 + l) >> sub) & 1;
        float d = half(b, base) * scaleK4(b, base + 4, sub);
        float m = half(b, base + 2) * minK4(b, base + 4, sub);
        return d * (low + 16 * high) - m;
    }

    /** block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d; } */
    static float q6k(byte[] b, int base, int i) {
        int half = i / 128;
        int k = (i % 128) / 32; // which of the four weights sharing bytes
        int l = i % 32;
        int qlByte = u8(b, base + 64 * half + l + (k % 2 == 1 ? 32 : 0));
        int low = k < 2 ? qlByte & 15 : qlByte >> 4;
        int high = (u8(b, base + 128 + 32 * half + l) >> (2 * k)) & 3;
        int q = (low | (high << 4)) - 32;
        int scale = b[base + 192 + i / 16];
        return half(b, base + 208) * scale * q;
    }

    /** block_iq4_nl { half d; u8 qs[16]; } */
    static float iq4nl(byte[] b, int base, int i) {
        int byteValue = u8(b, base + 2 + i % 16);
        int q = i < 16 ? byteValue & 15 : byteValue >> 4;
        return half(b, base) * KVALUES[q];
    }

    /**
     * block_mxfp4 { u8 e; u8 qs[16]; }, decoded from the OCP format rather than ggml's doubled table: an E2M1 code's bit
     * 3 is the sign, bits 1-2 the exponent (bias 1, 0 subnormal), bit 0 the mantissa; the scale is {@code 2^(e - 127)}.
     * E2M1's -0 comes out as +0, as ggml's table has it.
     */
    static float mxfp4(byte[] b, int base, int i) {
        int packed = u8(b, base + 1 + i % 16);
        int code = i < 16 ? packed & 15 : packed >> 4;
        int exponent = (code >> 1) & 3;
        int mantissa = code & 1;
        double magnitude = exponent == 0 ? mantissa * 0.5 : (1 + mantissa * 0.5) * Math.pow(2, exponent - 1);
        double value = ((code & 8) != 0 ? -magnitude : magnitude) * Math.pow(2, u8(b, base) - 127);
        return (float) value + 0f;
    }

    /** block_iq4_xs { half d; u16 scales_h; u8 scales_l[4]; u8 qs[128]; } */
    static float iq4xs(byte[] b, int base, int i) {
        int ib = i / 32;
        int scalesH = u8(b, base + 2) | (u8(b, base + 3) << 8);
        int ls = ((u8(b, base + 4 + ib / 2) >> (4 * (ib % 2))) & 15) | (((scalesH >> (2 * ib)) & 3) << 4);
        int within = i % 32;
        int byteValue = u8(b, base + 8 + 16 * ib + within % 16);
        int q = within < 16 ? byteValue & 15 : byteValue >> 4;
        float dl = half(b, base) * (ls - 32);
        return dl * KVALUES[q];
    }
}
