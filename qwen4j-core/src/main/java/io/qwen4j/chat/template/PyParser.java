package io.qwen4j.chat.template;

import com.hubspot.jinjava.el.ext.CollectionMembershipOperator;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.PowerOfOperator;
import com.hubspot.jinjava.el.ext.TruncDivOperator;
import com.hubspot.jinjava.el.ext.AstDict;
import com.hubspot.jinjava.el.ext.AstTuple;
import java.util.LinkedHashMap;
import java.util.Map;
import jinjava.de.odysseus.el.tree.impl.ast.AstString;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser.ExtensionHandler;
import jinjava.de.odysseus.el.tree.impl.Parser.ExtensionPoint;
import jinjava.de.odysseus.el.tree.impl.Scanner.Symbol;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.javax.el.ELContext;
import jinjava.de.odysseus.el.tree.impl.Scanner.ScanException;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

/**
 * Jinjava's expression parser with the Python rules it lacks:
 *
 * <ol>
 *   <li>Operators with Python semantics ({@link PyOperators}) in place of EL's for {@code and},
 *       {@code ==}, {@code !=}, {@code *}, {@code %} (string formatting, floor modulo), {@code -}, {@code /}, {@code //}, {@code **} and the ordering
 *       comparisons.</li>
 *   <li>Chained comparisons: {@code 1 < x < 3} is {@code 1 < x and x < 3}; Jinjava stops after the
 *       first comparison and fails on the second. The middle operand is evaluated twice, which only
 *       matters for an operand with side effects (none in a chat template).</li>
 *   <li>Tuples ({@link PyTuple}) and trailing commas: {@code (1,)}, {@code [1, 2,]}.</li>
 *   <li>Dict literals with keys of any type, {@code {1: 'a'}}.</li>
 * </ol>
 */
final class PyParser extends ExtendedParser {

    PyParser(Builder context, String input) {
        super(context, input);
        // Jinjava's handler builds its AstBinary directly, past createAstBinary
        putExtensionHandler(PowerOfOperator.TOKEN, new ExtensionHandler(ExtensionPoint.MUL) {
            @Override
            public AstNode createAstNode(AstNode... children) {
                return createAstBinary(children[0], children[1], PyOperators.POW);
            }
        });
        putExtensionHandler(TruncDivOperator.TOKEN, new ExtensionHandler(ExtensionPoint.MUL) {
            @Override
            public AstNode createAstNode(AstNode... children) {
                return createAstBinary(children[0], children[1], PyOperators.FLOOR_DIV);
            }
        });
        putExtensionHandler(CollectionMembershipOperator.TOKEN, new ExtensionHandler(ExtensionPoint.CMP) {
            @Override
            public AstNode createAstNode(AstNode... children) {
                return createAstBinary(children[0], children[1], PyOperators.IN);
            }
        });
    }

    /** How deep the parse is in nested {@link #unary} calls: only the outermost one takes {@code **} operators. */
    private int unaryDepth;

    /**
     * Jinja2's power level: {@code **} binds tighter than {@code *} and looser than a unary minus, and chains
     * to the left ({@code 2 ** 3 ** 2} is 64 in Jinja2, {@code -2 ** 2} is 4, {@code 10 ** 20 * 10 ** 3} is
     * {@code 10 ** 23}). Jinjava parsed {@code **} at the level of {@code *}, so the last was
     * {@code ((10 ** 20) * 10) ** 3}. The operand after a prefix operator, or after {@code **}, is parsed one
     * level deeper and takes no {@code **} itself.
     */
    @Override
    protected AstNode unary(boolean required) throws ScanException, ParseException {
        AstNode left = nestedUnary(required);
        if (unaryDepth > 0 || left == null) {
            return left;
        }
        while (getToken().getSymbol() == jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.EXTENSION
                && "**".equals(getToken().getImage())) {
            consumeToken();
            left = createAstBinary(left, nestedUnary(true), PyOperators.POW);
        }
        return left;
    }

    private AstNode nestedUnary(boolean required) throws ScanException, ParseException {
        unaryDepth++;
        try {
            return super.unary(required);
        } finally {
            unaryDepth--;
        }
    }

    @Override
    protected AstUnary createAstUnary(AstNode child, AstUnary.Operator operator) {
        return super.createAstUnary(child, operator == AstUnary.NEG ? PyOperators.NEG : operator);
    }

    @Override
    protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
        AstBinary.Operator python = operator == AstBinary.AND ? PyOperators.AND
                : operator == AstBinary.EQ ? PyOperators.EQ
                : operator == AstBinary.NE ? PyOperators.NE
                : operator == AstBinary.MUL ? PyOperators.MUL
                : operator == AstBinary.SUB ? PyOperators.SUB
                : operator == AstBinary.DIV ? PyOperators.DIV
                : operator == AstBinary.MOD ? PyOperators.MOD
                : operator == com.hubspot.jinjava.el.ext.AdditionOperator.OP ? PyOperators.ADD
                : operator;
        return super.createAstBinary(left, right, python);
    }

    /** Tuple literals evaluate to {@link PyTuple}s, which print as Python's. */
    @Override
    protected AstTuple createAstTuple(AstParameters parameters) {
        return new AstTuple(parameters) {
            @Override
            public Object eval(Bindings bindings, ELContext context) {
                return PyTuple.copyOf((List<?>) super.eval(bindings, context));
            }
        };
    }

    /**
     * Dict literals with Python keys: any expression ({@code {1: 2}}, {@code {none: 'b'}}), and keys
     * equal in Python ({@code 1} and {@code true}) are one key, keeping the first key and the last value.
     * Jinjava turns every key into a string and rejects booleans.
     */
    @Override
    protected AstDict createAstDict(Map<AstNode, AstNode> dict) {
        return new AstDict(dict) {
            @Override
            public Object eval(Bindings bindings, ELContext context) {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Map.Entry<AstNode, AstNode> e : dict.entrySet()) {
                    Object key = e.getKey() instanceof AstString s ? s.eval(bindings, context) : e.getKey().eval(bindings, context);
                    Object value = e.getValue().eval(bindings, context);
                    Object existing = out.keySet().stream().filter(k -> PyEquality.equal(k, key)).findFirst().orElse(key);
                    out.put(existing, value);
                }
                return out;
            }
        };
    }

    /** {@code ()} is the empty tuple; Jinjava reads it as an empty parenthesised expression and fails. */
    @Override
    protected AstNode nonliteral() throws ScanException, ParseException {
        if (getToken().getSymbol() == Symbol.LPAREN && lookahead(0).getSymbol() == Symbol.RPAREN) {
            return createAstTuple(params());
        }
        return super.nonliteral();
    }

    /** Python allows a trailing comma in lists, calls and tuples: {@code (1,)}, {@code [1, 2,]}. */
    @Override
    protected AstParameters params(Symbol left, Symbol right) throws ScanException, ParseException {
        consumeToken(left);
        List<AstNode> nodes = new ArrayList<>();
        AstNode v = expr(false);
        if (v != null) {
            nodes.add(v);
            while (getToken().getSymbol() == Symbol.COMMA) {
                consumeToken();
                if (getToken().getSymbol() == right) {
                    break;
                }
                nodes.add(expr(true));
            }
        }
        consumeToken(right);
        return createAstParameters(nodes);
    }

    @Override
    protected AstNode eq(boolean required) throws ScanException, ParseException {
        return chain(required, true);
    }

    @Override
    protected AstNode cmp(boolean required) throws ScanException, ParseException {
        return chain(required, false);
    }

    /**
     * One comparison level ({@code ==}/{@code !=} over the ordering level, or the ordering and
     * membership operators over addition), with any number of comparisons chained by {@code and}.
     */
    private AstNode chain(boolean required, boolean equality) throws ScanException, ParseException {
        AstNode left = equality ? cmp(required) : add(required);
        if (left == null) {
            return null;
        }
        AstNode result = null;
        while (true) {
            AstNode comparison = equality ? equalityStep(left) : orderingStep(left);
            if (comparison == null) {
                return result == null ? left : result;
            }
            result = result == null ? comparison : createAstBinary(result, comparison, PyOperators.AND);
            left = (AstNode) comparison.getChild(1);
        }
    }

    private AstNode equalityStep(AstNode left) throws ScanException, ParseException {
        AstBinary.Operator op = switch (getToken().getSymbol()) {
            case EQ -> PyOperators.EQ;
            case NE -> PyOperators.NE;
            default -> null;
        };
        if (op == null) {
            return null;
        }
        consumeToken();
        return createAstBinary(left, cmp(true), op);
    }

    private AstNode orderingStep(AstNode left) throws ScanException, ParseException {
        AstBinary.Operator op = switch (getToken().getSymbol()) {
            case LT -> PyOperators.LT;
            case LE -> PyOperators.LE;
            case GT -> PyOperators.GT;
            case GE -> PyOperators.GE;
            default -> null;
        };
        if (op != null) {
            consumeToken();
            return createAstBinary(left, add(true), op);
        }
        if (getToken().getSymbol() == jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.EXTENSION
                && getExtensionHandler(getToken()).getExtensionPoint() == ExtensionPoint.CMP) {
            return getExtensionHandler(consumeToken()).createAstNode(left, add(true));
        }
        if ("not".equals(getToken().getImage()) && "in".equals(lookahead(0).getImage())) {
            consumeToken();
            consumeToken();
            return createAstBinary(left, add(true), PyOperators.NOT_IN);
        }
        return null;
    }
}
