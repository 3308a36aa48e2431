package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Plain transcriptions of ggml's {@code dequantize_row_iq*} for the grid formats, one weight at a time from its index
 * in the block: slow and obviously the C. The grids are read here from the same resource as the engine's, as signed
 * bytes; {@link IQuantGoldenTest} holds this class to llama.cpp's own output.
 */
final class IQuantReference {

    static final TensorType[] TYPES = {
        TensorType.IQ1_S, TensorType.IQ1_M, TensorType.IQ2_XXS, TensorType.IQ2_XS, TensorType.IQ2_S,
        TensorType.IQ3_XXS, TensorType.IQ3_S
    };
    private static final Map<String, int[][]> GRIDS = readGrids();

    private IQuantReference() {
    }

    static float[] dequantize(TensorType type, byte[] data) {
        int blocks = data.length / type.blockBytes;
        float[] out = new float[blocks * 256];
        for (int blk = 0; blk < blocks; blk++) {
            int base = blk * type.blockBytes;
            for (int i = 0; i < 256; i++) {
                out[blk * 256 + i] = switch (type) {
                    case IQ2_XXS -> iq2xxs(data, base, i);
                    case IQ2_XS -> iq2xs(data, base, i);
                    case IQ2_S -> iq2s(data, base, i);
                    case IQ3_XXS -> iq3xxs(data, base, i);
                    case IQ3_S -> iq3s(data, base, i);
                    case IQ1_S -> iq1s(data, base, i);
                    case IQ1_M -> iq1m(data, base, i);
                    default -> throw new IllegalArgumentException(type.toString());
                };
            }
        }
        return out;
    }

    /** ggml's ksigns_iq2xs: 7 sign bits, the eighth making the number of set bits even. */
    static int ksigns(int i) {
        return Integer.bitCount(i) % 2 == 0 ? i : i | 0x80;
    }

    /** {@code value * (bit j of signs ? -1 : 1)} as the C writes it. */
    private static float signed(float value, int signs, int j) {
        return value * ((signs & (1 << j)) != 0 ? -1f : 1f);
    }

    /** block_iq2_xxs { half d; u16 qs[32]; }: per 32 weights u32 aux[2] = 4 grid indices, then signs and scale. */
    static float iq2xxs(byte[] b, int base, int i) {
        int ib32 = i / 32;
        int l = i % 32 / 8;
        int j = i % 8;
        float d = half(b, base);
        int index = u8(b, base + 2 + 8 * ib32 + l);
        long aux1 = u32(b, base + 2 + 8 * ib32 + 4);
        float db = d * (0.5f + (aux1 >> 28)) * 0.25f;
        int signs = ksigns((int) (aux1 >> 7 * l) & 127);
        return signed(db * GRIDS.get("iq2xxs_grid")[index][j], signs, j);
    }

    /** block_iq2_xs { half d; u16 qs[32]; u8 scales[8]; }: qs = 9-bit index | 7-bit sign code << 9. */
    static float iq2xs(byte[] b, int base, int i) {
        int ib32 = i / 32;
        int l = i % 32 / 8;
        int j = i % 8;
        float d = half(b, base);
        int scale = u8(b, base + 66 + ib32);
        float db = d * (0.5f + (l / 2 == 0 ? scale & 0xF : scale >> 4)) * 0.25f;
        int q = u16(b, base + 2 + 2 * (4 * ib32 + l));
        int signs = ksigns(q >> 9);
        return signed(db * GRIDS.get("iq2xs_grid")[q & 511][j], signs, j);
    }

    /** block_iq2_s { half d; u8 qs[64] (32 index bytes, then 32 sign bytes); u8 qh[8]; u8 scales[8]; } */
    static float iq2s(byte[] b, int base, int i) {
        int ib32 = i / 32;
        int l = i % 32 / 8;
        int j = i % 8;
        float d = half(b, base);
        int scale = u8(b, base + 74 + ib32);
        float dl = d * (0.5f + (l / 2 == 0 ? scale & 0xF : scale >> 4)) * 0.25f;
        int qh = u8(b, base + 66 + ib32);
        int index = u8(b, base + 2 + 4 * ib32 + l) | ((qh << (8 - 2 * l)) & 0x300);
        int signs = u8(b, base + 2 + 32 + 4 * ib32 + l);
        return signed(dl * GRIDS.get("iq2s_grid")[index][j], signs, j);
    }

    /** block_iq3_xxs { half d; u8 qs[96] (64 grid indices, then per 32 weights a u32 of signs and scale); } */
    static float iq3xxs(byte[] b, int base, int i) {
        int ib32 = i / 32;
        int l = i % 32 / 8;
        int j = i % 8;
        float d = half(b, base);
        long aux = u32(b, base + 2 + 64 + 4 * ib32);
        float db = d * (0.5f + (aux >> 28)) * 0.5f;
        int signs = ksigns((int) (aux >> 7 * l) & 127);
        int index = u8(b, base + 2 + 8 * ib32 + 2 * l + j / 4);
        return signed(db * GRIDS.get("iq3xxs_grid")[index][j % 4], signs, j);
    }

    /** block_iq3_s { half d; u8 qs[64]; u8 qh[8]; u8 signs[32]; u8 scales[4]; } */
    static float iq3s(byte[] b, int base, int i) {
        int ib32 = i / 32;
        int l = i % 32 / 8;
        int j = i % 8;
        float d = half(b, base);
        int scale = u8(b, base + 106 + ib32 / 2);
        float db = d * (1 + 2 * (ib32 % 2 == 0 ? scale & 0xF : scale >> 4));
        int qh = u8(b, base + 66 + ib32);
        int index = j < 4
                ? u8(b, base + 2 + 8 * ib32 + 2 * l) | ((qh << (8 - 2 * l)) & 256)
                : u8(b, base + 2 + 8 * ib32 + 2 * l + 1) | ((qh << (7 - 2 * l)) & 256);
        int signs = u8(b, base + 74 + 4 * ib32 + l);
        return signed(db * GRIDS.get("iq3s_grid")[index][j % 4], signs, j);
    }

    /** block_iq1_s { half d; u8 qs[32]; u16 qh[8]; } */
    static float iq1s(byte[] b, int base, int i) {
        int ib = i / 32;
        int l = i % 32 / 8;
        int j = i % 8;
        float d = half(b, base);
        int qh = u16(b, base + 34 + 2 * ib);
        float dl = d * (2 * ((qh >> 12) & 7) + 1);
        float delta = (qh & 0x8000) != 0 ? -0.125f : 0.125f;
        int index = u8(b, base + 2 + 4 * ib + l) | (((qh >> 3 * l) & 7) << 8);
        return dl * (GRIDS.get("iq1s_grid")[index][j] + delta);
    }

    /** block_iq1_m { u8 qs[32]; u8 qh[16]; u8 scales[8]; }, d spread over the top nibbles of the four u16 scales. */
    static float iq1m(byte[] b, int base, int i) {
        int ib = i / 32;
        int l = i % 32 / 8;
        int j = i % 8;
        int[] sc = new int[4];
        for (int k = 0; k < 4; k++) {
            sc[k] = u16(b, base + 48 + 2 * k);
        }
        int scaleBits = (sc[0] >> 12) | ((sc[1] >> 8) & 0x00F0) | ((sc[2] >> 4) & 0x0F00) | (sc[3] & 0xF000);
        float d = Float.float16ToFloat((short) scaleBits);
        float dl1 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 0x7) + 1);
        float dl2 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
        int qh = u8(b, base + 32 + 2 * ib + l / 2);
        int index = l % 2 == 0
                ? u8(b, base + 4 * ib + l) | ((qh << 8) & 0x700)
                : u8(b, base + 4 * ib + l) | ((qh << 4) & 0x700);
        int deltaBit = l % 2 == 0 ? 0x08 : 0x80;
        float delta = (qh & deltaBit) != 0 ? -0.125f : 0.125f;
        return (l < 2 ? dl1 : dl2) * (GRIDS.get("iq1s_grid")[index][j] + delta);
    }

    private static float half(byte[] b, int at) {
        return Float.float16ToFloat((short) u16(b, at));
    }

    private static int u8(byte[] b, int at) {
        return b[at] & 0xFF;
    }

    private static int u16(byte[] b, int at) {
        return u8(b, at) | u8(b, at + 1) << 8;
    }

    private static long u32(byte[] b, int at) {
        return (u16(b, at) | (long) u16(b, at + 2) << 16);
    }

    private static Map<String, int[][]> readGrids() {
        try (InputStream in = IQuantReference.class.getResourceAsStream("iq-grids.txt")) {
            Map<String, int[][]> grids = new HashMap<>();
            int[][] current = null;
            int row = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" ");
                if (f[0].equals("grid")) {
                    current = new int[Integer.parseInt(f[2])][Integer.parseInt(f[3])];
                    grids.put(f[1], current);
                    row = 0;
                    continue;
                }
                for (int k = 0; k < f.length; k++) {
                    current[row][k] = Integer.parseInt(f[k]);
                }
                row++;
            }
            return grids;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
