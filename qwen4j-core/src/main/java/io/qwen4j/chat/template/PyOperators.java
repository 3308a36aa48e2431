package io.qwen4j.chat.template;

import com.hubspot.jinjava.el.ext.PowerOfOperator;
import com.hubspot.jinjava.el.ext.TruncDivOperator;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELContext;

/**
 * Binary operators with Python's semantics where EL's differ, swapped in by {@link PyParser}:
 * {@code and} returns an operand ({@code 'x' and 0} is {@code 0}, not {@code False}; Jinjava's
 * {@code or} already does), {@code ==}/{@code !=} are {@link PyEquality}, {@code *} repeats a
 * string or list ({@code '=' * 3}), and {@code %} formats a string ({@link PyPercentFormat}) or takes
 * the divisor's sign ({@code -7 % 3} is 2), {@code //} rounds down as CPython does ({@link #FLOOR_DIV}), {@code **} gives a float for a negative integer
 * exponent ({@code 2 ** -1} is 0.5; Jinjava's gave 0), {@code +} is {@link #add}, and {@code in} is
 * {@link PyTests#contains}. Anything else falls
 * through to Jinjava's operator.
 */
final class PyOperators {
    private PyOperators() {
    }

    static final AstBinary.Operator AND = new Named("and") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            return ObjectTruthValue.evaluate(l) ? right.eval(bindings, context) : l;
        }
    };

    static final AstBinary.Operator EQ = new Named("==") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            return PyEquality.equal(left.eval(bindings, context), right.eval(bindings, context));
        }
    };

    static final AstBinary.Operator NE = new Named("!=") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            return !PyEquality.equal(left.eval(bindings, context), right.eval(bindings, context));
        }
    };

    static final AstBinary.Operator MUL = new Named("*") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            Object r = right.eval(bindings, context);
            Object repeated = repeat(l, r);
            if (repeated == null) {
                repeated = repeat(r, l);
            }
            return repeated != null ? repeated : AstBinary.MUL.eval(bindings, context, constant(l), constant(r));
        }
    };

    static final AstBinary.Operator MOD = new Named("%") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            Object r = right.eval(bindings, context);
            if (l instanceof CharSequence || l instanceof com.hubspot.jinjava.objects.SafeString) {
                return PyPercentFormat.format(l.toString(), r);
            }
            if (PyNumbers.isInt(l) && PyNumbers.isInt(r)) {
                return PyNumbers.narrow(floorDivMod(l, r)[1]);
            }
            if (PyNumbers.isNumber(l) && PyNumbers.isNumber(r)) {
                double x = PyNumbers.toDouble(l);
                double y = PyNumbers.toDouble(r);
                if (y == 0) {
                    throw new TemplateException("float modulo by zero");
                }
                double m = x % y;
                // Python: the divisor's sign, for a zero result too (-406.0 % 7 is 0.0)
                return m == 0 ? Math.copySign(0.0, y) : (m < 0) != (y < 0) ? m + y : m;
            }
            return AstBinary.MOD.eval(bindings, context, constant(l), constant(r));
        }
    };

    /** {@link PyTests#contains}: {@code 'x' in none} is Python's TypeError, where Jinjava's gave false. */
    static final AstBinary.Operator IN = new Named("in") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object item = left.eval(bindings, context);
            return PyTests.contains(right.eval(bindings, context), item);
        }
    };

    static final AstBinary.Operator NOT_IN = new Named("not in") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            return !(Boolean) IN.eval(bindings, context, left, right);
        }
    };

    static final AstBinary.Operator ADD = new Named("+") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            return add(left.eval(bindings, context), right.eval(bindings, context));
        }
    };

    /**
     * Python's {@code a + b} as Jinja2 evaluates it: numbers (ints exact, a float makes a float, a bool
     * counts as an int), str + str, list + list, tuple + tuple. Anything else is the error Python raises,
     * where Jinjava's operator printed both sides ({@code 'a' + none} gave {@code aNone}, a list of
     * content parts added to a string gave Java's map syntax, dicts merged): a template that fails under
     * Hugging Face fails here too instead of rendering a prompt nobody else would.
     */
    static Object add(Object a, Object b) {
        if (a == null || b == null) {
            throw new TemplateException("an undefined value is an operand of +");
        }
        if (PyNumbers.isNumber(a) && PyNumbers.isNumber(b)) {
            if (PyNumbers.isInt(a) && PyNumbers.isInt(b)) {
                return PyNumbers.narrow(PyNumbers.toBigInteger(a).add(PyNumbers.toBigInteger(b)));
            }
            return PyNumbers.toDouble(a) + PyNumbers.toDouble(b);
        }
        if (isString(a)) {
            if (isString(b)) {
                return a.toString() + b;
            }
            throw cannotConcatenate("str", b);
        }
        if (a instanceof PyTuple t) {
            if (b instanceof PyTuple u) {
                List<Object> both = new ArrayList<>(t);
                both.addAll(u);
                return PyTuple.copyOf(both);
            }
            throw cannotConcatenate("tuple", b);
        }
        if (a instanceof List<?> l) {
            if (b instanceof List<?> m && !(b instanceof PyTuple)) {
                List<Object> both = new ArrayList<>(l);
                both.addAll(m);
                return both;
            }
            throw cannotConcatenate("list", b);
        }
        throw new TemplateException("unsupported operand type(s) for +: " + PyOrdering.typeName(a) + " and "
                + PyOrdering.typeName(b));
    }

    /** Python's message, which quotes the type name with double quotes. */
    private static TemplateException cannotConcatenate(String kind, Object other) {
        String name = PyOrdering.typeName(other).replace('\'', '"');
        return new TemplateException("can only concatenate " + kind + " (not " + name + ") to " + kind);
    }

    private static boolean isString(Object v) {
        return v instanceof CharSequence || v instanceof com.hubspot.jinjava.objects.SafeString;
    }

    /** Results of {@code int ** int} above this many bits are an error, not an unbounded computation. */
    private static final int MAX_POWER_BITS = 4096;

    static final AstBinary.Operator POW = new Named("**") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            Object r = right.eval(bindings, context);
            if (isInteger(l) && isInteger(r)) {
                long base = ((Number) l).longValue();
                long exponent = ((Number) r).longValue();
                if (exponent < 0) {
                    if (base == 0) {
                        throw new TemplateException("0.0 cannot be raised to a negative power");
                    }
                    return Math.pow(base, exponent);
                }
                java.math.BigInteger b = java.math.BigInteger.valueOf(base);
                if (Math.abs(base) > 1 && (double) exponent * b.abs().bitLength() > MAX_POWER_BITS) {
                    throw new TemplateException(base + " ** " + exponent + " is too large");
                }
                java.math.BigInteger power = b.pow((int) Math.min(exponent, Integer.MAX_VALUE));
                return power.bitLength() < 64 ? (Object) power.longValue() : power;
            }
            if (l instanceof Number a && r instanceof Number b) {
                return Math.pow(a.doubleValue(), b.doubleValue());
            }
            return PowerOfOperator.OP.eval(bindings, context, constant(l), constant(r));
        }
    };

    /**
     * Python's {@code //}. Ints (of any size, bools included) floor-divide exactly. Floats as CPython's {@code float_floor_div} computes them
     * (remainder by fmod, quotient {@code (x - mod) / y} snapped to the nearest integer), which is not
     * {@code floor(x / y)} for large values: -3.983572011779427e+16 // 3 is -1.3278573372598092e+16 in Python
     * and -1.327857337259809e+16 by a plain floor of the quotient, as Jinjava had it.
     */
    static final AstBinary.Operator FLOOR_DIV = new Named("//") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            Object r = right.eval(bindings, context);
            if (PyNumbers.isInt(l) && PyNumbers.isInt(r)) {
                return PyNumbers.narrow(floorDivMod(l, r)[0]);
            }
            if (PyNumbers.isNumber(l) && PyNumbers.isNumber(r)) {
                return floorDivide(PyNumbers.toDouble(l), PyNumbers.toDouble(r));
            }
            return TruncDivOperator.OP.eval(bindings, context, constant(l), constant(r));
        }
    };

    /** Python's {@code divmod} of two ints, exactly: the quotient rounded down, the remainder with the divisor's sign. */
    private static java.math.BigInteger[] floorDivMod(Object l, Object r) {
        java.math.BigInteger x = PyNumbers.toBigInteger(l);
        java.math.BigInteger y = PyNumbers.toBigInteger(r);
        if (y.signum() == 0) {
            throw new TemplateException("integer division or modulo by zero");
        }
        java.math.BigInteger[] qr = x.divideAndRemainder(y); // truncating
        if (qr[1].signum() != 0 && qr[1].signum() != y.signum()) {
            qr[0] = qr[0].subtract(java.math.BigInteger.ONE);
            qr[1] = qr[1].add(y);
        }
        return qr;
    }

    private static double floorDivide(double x, double y) {
        if (y == 0) {
            throw new TemplateException("float floor division by zero");
        }
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

    /** Unary minus on a Python number: a bool is the int 0 or 1 ({@code -true} is -1), a big int stays exact. */
    static final AstUnary.Operator NEG = (bindings, context, node) -> {
        Object v = node.eval(bindings, context);
        if (PyNumbers.isInt(v)) {
            return PyNumbers.narrow(PyNumbers.toBigInteger(v).negate());
        }
        return AstUnary.NEG.eval(bindings, context, constant(v));
    };

    /** An int that fits a long, what % and ** work on exactly ({@link PyNumbers#isInt} also takes bools and big ints). */
    private static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Integer;
    }

    /** Python's sequence repetition, or null if {@code sequence * count} is not one. */
    private static Object repeat(Object sequence, Object count) {
        if (!(count instanceof Integer || count instanceof Long)) {
            return null;
        }
        int times = (int) Math.max(0, ((Number) count).longValue());
        if (sequence instanceof CharSequence s) {
            return s.toString().repeat(times);
        }
        if (sequence instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size() * times);
            for (int i = 0; i < times; i++) {
                out.addAll(c);
            }
            return out;
        }
        return null;
    }

    /** An already evaluated operand, to hand to Jinjava's own operator. */
    private static AstNode constant(Object value) {
        return new jinjava.de.odysseus.el.tree.impl.ast.AstRightValue() {
            @Override
            public Object eval(Bindings bindings, ELContext context) {
                return value;
            }

            @Override
            public void appendStructure(StringBuilder builder, Bindings bindings) {
                builder.append(value);
            }

            @Override
            public int getCardinality() {
                return 0;
            }

            @Override
            public AstNode getChild(int i) {
                return null;
            }

            @Override
            public String toString() {
                return String.valueOf(value);
            }
        };
    }

    /** Operators print their symbol: Jinjava shows the expression tree in error messages. */
    private abstract static class Named implements AstBinary.Operator {
        private final String symbol;

        Named(String symbol) {
            this.symbol = symbol;
        }

        @Override
        public String toString() {
            return symbol;
        }
    }
}
