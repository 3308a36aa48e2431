package io.qwen4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link VectorOps#halfToFloat} on every one of the 65,536 half-precision bit patterns. */
class HalfToFloatTest {

    /** IEEE-754 binary16 from its fields: sign, 5-bit exponent (bias 15), 10-bit fraction. */
    static double half(int bits) {
        int sign = (bits >>> 15) & 1;
        int exponent = (bits >>> 10) & 0x1F;
        int fraction = bits & 0x3FF;
        double magnitude;
        if (exponent == 0) {
            magnitude = fraction * Math.pow(2, -24); // subnormal: 0.fraction * 2^-14
        } else if (exponent == 31) {
            magnitude = fraction == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            magnitude = (1 + fraction / 1024.0) * Math.pow(2, exponent - 15);
        }
        return sign == 1 ? -magnitude : magnitude;
    }

    @Test
    void everyHalfConvertsExactly() {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        float[] out = new float[all.length + 3];
        VectorOps.halfToFloat(all, 0, out, 3, all.length);
        for (int i = 0; i < all.length; i++) {
            double expected = half(i);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(out[3 + i]), "NaN pattern " + Integer.toHexString(i));
            } else {
                assertEquals(expected, out[3 + i], 0.0, "pattern " + Integer.toHexString(i));
                assertEquals(Math.copySign(1.0, expected), Math.copySign(1.0, out[3 + i]), "sign of " + i);
            }
        }
    }
}
