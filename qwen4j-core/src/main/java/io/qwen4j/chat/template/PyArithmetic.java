package io.qwen4j.chat.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.function.BiFunction;
import java.util.function.DoubleBinaryOperator;

/**
 * Python's arithmetic on numbers, as CPython computes it: ints (bools included: {@code True} is 1) of any
 * size exactly, anything else as IEEE doubles with Python's rules for signs, zero divisors and rounding.
 * Each operation returns null when an operand is not a number, so the operator can fall back to Jinjava's
 * (string repetition, list concatenation and errors live there or in {@link PyOperators}).
 *
 * <p>Found by rendering random numbers through every operator with Jinja2 and qwen4j
 * ({@code src/test/python/fuzz_values.py}): Jinjava coerced bools into errors, overflowed or went to doubles
 * on big ints, and took {@code floor(x / y)} for {@code //}.
 */
final class PyArithmetic {

    /** Larger results of {@code **} are an error (Jinja2's sandbox caps them too), not minutes of BigInteger work. */
    private static final int MAX_POWER_BITS = 4096;

    private PyArithmetic() {
    }

    static Object add(Object l, Object r) {
        return numbers(l, r, (a, b) -> PyNumbers.narrow(a.add(b)), (x, y) -> x + y);
    }

    static Object subtract(Object l, Object r) {
        return numbers(l, r, (a, b) -> PyNumbers.narrow(a.subtract(b)), (x, y) -> x - y);
    }

    static Object multiply(Object l, Object r) {
        return numbers(l, r, (a, b) -> PyNumbers.narrow(a.multiply(b)), (x, y) -> x * y);
    }

    /** {@code /}: always a float; of ints correctly rounded however large (an exact decimal quotient first). */
    static Object trueDivide(Object l, Object r) {
        return numbers(l, r, (a, b) -> {
            requireNonZero(b.signum() == 0, "division by zero");
            return new BigDecimal(a).divide(new BigDecimal(b), MathContext.DECIMAL128).doubleValue();
        }, (x, y) -> {
            requireNonZero(y == 0, "float division by zero");
            return x / y;
        });
    }

    /**
     * {@code //}: ints rounded down exactly; floats as CPython's {@code float_floor_div} (fmod, then the quotient
     * {@code (x - mod) / y} snapped to an integer), which is not {@code floor(x / y)} for large values:
     * {@code -3.983572011779427e+16 // 3} is {@code -1.3278573372598092e+16}, a plain floor of the quotient
     * {@code -1.327857337259809e+16}.
     */
    static Object floorDivide(Object l, Object r) {
        return numbers(l, r, (a, b) -> PyNumbers.narrow(floorDivMod(a, b)[0]), PyArithmetic::floorDivideFloats);
    }

    /** {@code %}: the result takes the divisor's sign ({@code -7 % 3} is 2), a zero result too ({@code -406.0 % 7} is 0.0). */
    static Object modulo(Object l, Object r) {
        return numbers(l, r, (a, b) -> PyNumbers.narrow(floorDivMod(a, b)[1]), (x, y) -> {
            requireNonZero(y == 0, "float modulo by zero");
            double m = x % y;
            return m == 0 ? Math.copySign(0.0, y) : (m < 0) != (y < 0) ? m + y : m;
        });
    }

    /** {@code **}: ints exactly (a negative exponent gives a float, as in Python), floats by {@link Math#pow}. */
    static Object power(Object l, Object r) {
        return numbers(l, r, PyArithmetic::powerOfInts, Math::pow);
    }

    private static Object powerOfInts(BigInteger base, BigInteger exponent) {
        if (exponent.signum() < 0) {
            if (base.signum() == 0) {
                throw new TemplateException("0.0 cannot be raised to a negative power");
            }
            return Math.pow(base.doubleValue(), exponent.doubleValue());
        }
        if (base.abs().compareTo(BigInteger.ONE) > 0 && exponent.doubleValue() * base.abs().bitLength() > MAX_POWER_BITS) {
            throw new TemplateException(base + " ** " + exponent + " is too large");
        }
        // |base| <= 1 with a huge exponent: 0, 1 or -1, which only the exponent's parity decides
        int power = exponent.bitLength() < 32 ? exponent.intValue() : (exponent.testBit(0) ? 1 : 2);
        return PyNumbers.narrow(base.pow(power));
    }

    /** Python's {@code divmod} of two ints: the quotient rounded down, the remainder with the divisor's sign. */
    private static BigInteger[] floorDivMod(BigInteger x, BigInteger y) {
        requireNonZero(y.signum() == 0, "integer division or modulo by zero");
        BigInteger[] qr = x.divideAndRemainder(y); // truncating
        if (qr[1].signum() != 0 && qr[1].signum() != y.signum()) {
            qr[0] = qr[0].subtract(BigInteger.ONE);
            qr[1] = qr[1].add(y);
        }
        return qr;
    }

    private static double floorDivideFloats(double x, double y) {
        requireNonZero(y == 0, "float floor division by zero");
        double mod = x % y; // fmod
        double div = (x - mod) / y;
        if (mod != 0 && (y < 0) != (mod < 0)) {
            div -= 1.0;
        }
        if (div == 0) {
            return Math.copySign(0.0, x / y);
        }
        double floor = Math.floor(div);
        return div - floor > 0.5 ? floor + 1.0 : floor;
    }

    /** Both operands numbers: ints by {@code ints}, else floats by {@code floats}; otherwise null. */
    private static Object numbers(Object l, Object r, BiFunction<BigInteger, BigInteger, Object> ints, DoubleBinaryOperator floats) {
        if (!PyNumbers.isNumber(l) || !PyNumbers.isNumber(r)) {
            return null;
        }
        if (PyNumbers.isInt(l) && PyNumbers.isInt(r)) {
            return ints.apply(PyNumbers.toBigInteger(l), PyNumbers.toBigInteger(r));
        }
        return floats.applyAsDouble(PyNumbers.toDouble(l), PyNumbers.toDouble(r));
    }

    private static void requireNonZero(boolean zero, String message) {
        if (zero) {
            throw new TemplateException(message);
        }
    }
}
