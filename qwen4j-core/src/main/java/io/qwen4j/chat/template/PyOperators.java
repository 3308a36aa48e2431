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
 * string or list ({@code '=' * 3}), {@code %} formats a string ({@link PyPercentFormat}), {@code +} is
 * {@link #add}, the ordering comparisons are {@link PyOrdering}'s, {@code in} is {@link PyTests#contains},
 * and on numbers {@code + - * / // % **} are {@link PyArithmetic}'s (bools as ints, big ints exact,
 * CPython's floor division and signs of zero). Anything else falls through to Jinjava's operator.
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
            if (repeated != null) {
                return repeated;
            }
            Object product = PyArithmetic.multiply(l, r);
            return product != null ? product : AstBinary.MUL.eval(bindings, context, constant(l), constant(r));
        }
    };

    /**
     * Python's ordering operators ({@link PyOrdering#compare}): numbers of any kind exactly (a bool is 0 or 1,
     * {@code 2**53 + 1 > 2.0**53}), strings by code point, lists item by item; a NaN compares false; other
     * mixes (a string and a number, None, an undefined value) are Python's TypeError, where Jinjava coerced.
     */
    static final AstBinary.Operator LT = ordering("<", c -> c < 0);
    static final AstBinary.Operator LE = ordering("<=", c -> c <= 0);
    static final AstBinary.Operator GT = ordering(">", c -> c > 0);
    static final AstBinary.Operator GE = ordering(">=", c -> c >= 0);

    private static AstBinary.Operator ordering(String symbol, java.util.function.IntPredicate holds) {
        return new Named(symbol) {
            @Override
            public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
                Object l = left.eval(bindings, context);
                Object r = right.eval(bindings, context);
                if (l instanceof Double x && x.isNaN() || r instanceof Double y && y.isNaN()) {
                    return false;
                }
                return holds.test(PyOrdering.compare(l, r));
            }
        };
    }

    /** Python's {@code -} and {@code /} on numbers ({@link PyArithmetic}). */
    static final AstBinary.Operator SUB = arithmetic("-", PyArithmetic::subtract, AstBinary.SUB);
    static final AstBinary.Operator DIV = arithmetic("/", PyArithmetic::trueDivide, AstBinary.DIV);

    static final AstBinary.Operator MOD = new Named("%") {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            Object r = right.eval(bindings, context);
            if (PyValues.isText(l)) {
                return PyPercentFormat.format(l.toString(), r);
            }
            Object remainder = PyArithmetic.modulo(l, r);
            return remainder != null ? remainder : AstBinary.MOD.eval(bindings, context, constant(l), constant(r));
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
        Object sum = PyArithmetic.add(a, b);
        if (sum != null) {
            return sum;
        }
        if (PyValues.isText(a)) {
            if (PyValues.isText(b)) {
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

    /** Python's {@code **} ({@link PyArithmetic#power}); Jinja2's power level is parsed by {@link PyParser#unary}. */
    static final AstBinary.Operator POW = arithmetic("**", PyArithmetic::power, PowerOfOperator.OP);

    /** Python's {@code //} ({@link PyArithmetic#floorDivide}). */
    static final AstBinary.Operator FLOOR_DIV = arithmetic("//", PyArithmetic::floorDivide, TruncDivOperator.OP);

    /** An operator that computes {@code python} on numbers and hands anything else to Jinjava's {@code fallback}. */
    private static AstBinary.Operator arithmetic(String symbol, java.util.function.BinaryOperator<Object> python,
                                                 AstBinary.Operator fallback) {
        return new Named(symbol) {
            @Override
            public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
                Object l = left.eval(bindings, context);
                Object r = right.eval(bindings, context);
                Object result = python.apply(l, r);
                return result != null ? result : fallback.eval(bindings, context, constant(l), constant(r));
            }
        };
    }

    /** Unary minus on a Python number: a bool is the int 0 or 1 ({@code -true} is -1), a big int stays exact. */
    static final AstUnary.Operator NEG = (bindings, context, node) -> {
        Object v = node.eval(bindings, context);
        if (PyNumbers.isInt(v)) {
            return PyNumbers.narrow(PyNumbers.toBigInteger(v).negate());
        }
        return AstUnary.NEG.eval(bindings, context, constant(v));
    };

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
