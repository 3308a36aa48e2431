package io.qwen4j.loader.hf;

/** float8_e4m3fn from its definition (OCP FP8 spec), for tests: decode by formula, encode by nearest value. */
final class Fp8Reference {

    private Fp8Reference() {
    }

    static double decode(int code) {
        double sign = (code & 0x80) != 0 ? -1 : 1;
        int e = (code >> 3) & 15;
        int m = code & 7;
        if (e == 15 && m == 7) {
            return Double.NaN;
        }
        return e == 0 ? sign * Math.pow(2, -6) * (m / 8.0) : sign * Math.pow(2, e - 7) * (1 + m / 8.0);
    }

    /** Positive codes 0..0x7E in increasing value order (the code order is monotonic for positives). */
    private static final double[] POSITIVE = new double[0x7F];

    static {
        for (int code = 0; code < POSITIVE.length; code++) {
            POSITIVE[code] = decode(code);
        }
    }

    /** The code whose value is nearest to {@code x} (|x| <= 448), NaN codes excluded. */
    static int nearest(double x) {
        double a = Math.abs(x);
        int i = java.util.Arrays.binarySearch(POSITIVE, a);
        int best;
        if (i >= 0) {
            best = i;
        } else {
            int hi = Math.min(-i - 1, POSITIVE.length - 1);
            int lo = Math.max(hi - 1, 0);
            best = a - POSITIVE[lo] <= POSITIVE[hi] - a ? lo : hi;
        }
        return x < 0 ? best | 0x80 : best;
    }
}
