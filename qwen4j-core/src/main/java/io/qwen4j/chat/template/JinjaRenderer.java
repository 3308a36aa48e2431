package io.qwen4j.chat.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.Node;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * The one configured Jinjava engine, set up to render as Jinja2 3.1 does under HF transformers
 * ({@code trim_blocks}, {@code lstrip_blocks}, Python printing and methods, see {@link TemplateLibrary}),
 * and the parse/render steps with errors turned into {@link TemplateException}s.
 */
final class JinjaRenderer {

    /** 64 Mi characters: far above any prompt a context of 1M tokens can hold. */
    static final long MAX_OUTPUT_CHARS = 64L << 20;

    private static final Jinjava ENGINE = createEngine();

    private JinjaRenderer() {
    }

    private static Jinjava createEngine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                // trim_blocks, lstrip_blocks and the -/+ markers are applied by SourceRewriter
                // (JinjaWhitespace): Jinjava's lstrip also strips mid-line, and it lacks {%- raw -%}.
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                // Recursive macros (a schema printer calling itself) are legal Jinja2.
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(1000)
                .withElResolver(resolver)
                .withKeepTrailingNewline(true)
                // Jinjava's default re-renders any printed value that looks like a tag: a user message
                // "what does {{ 7*7 }} print?" came out as "49", and "{{" alone failed the render. Jinja2
                // prints values as they are.
                .withNestedInterpretationEnabled(false)
                // A prompt is at most a context of tokens; a template looping far past that (a corrupt or
                // hostile file) fails with a message instead of filling the heap.
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                // Jinja2 binds a filter after unary minus and before * and +: -3|abs is (-3)|abs.
                .withLegacyOverrides(com.hubspot.jinjava.LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true).build())
                .withInterperterFactory(new PythonPrintingFactory())
                .build();
        Jinjava jinjava = new Jinjava(config);
        usePythonConversions(jinjava);
        TemplateLibrary.install(jinjava.getGlobalContext());
        return jinjava;
    }

    /**
     * Jinjava builds its expression factory with a fixed type converter and parser and no way to pass
     * others; the field is replaced by one built the same way with {@link PyTypeConverter} and
     * {@link PySyntaxBuilder} (Python operators).
     */
    private static void usePythonConversions(Jinjava jinjava) {
        Properties properties = new Properties();
        properties.setProperty(TreeBuilder.class.getName(), PySyntaxBuilder.class.getName());
        try {
            Field factory = Jinjava.class.getDeclaredField("expressionFactory");
            factory.setAccessible(true);
            factory.set(jinjava, new ExpressionFactoryImpl(properties, new PyTypeConverter()));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot install Python string conversions into Jinjava", e);
        }
    }

    static boolean hasFilter(String name) {
        return ENGINE.getGlobalContext().getFilter(name) != null;
    }

    /** Parses rewritten template source; syntax errors become a TemplateException. */
    static Node parse(String rewrittenSource) {
        JinjavaInterpreter interpreter = newInterpreter(Map.of());
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            Node root = interpreter.parse(rewrittenSource);
            failOnErrors(interpreter.getErrorsCopy(), "template syntax error");
            return root;
        } catch (RuntimeException e) {
            throw asTemplateException(e, "template syntax error");
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    static String render(Node root, Map<String, Object> variables) {
        JinjavaInterpreter interpreter = newInterpreter(variables);
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            String output = interpreter.render(root, false);
            failOnErrors(interpreter.getErrorsCopy(), "template error");
            return output;
        } catch (RuntimeException e) {
            throw asTemplateException(e, "template error");
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    private static JinjavaInterpreter newInterpreter(Map<String, Object> variables) {
        Context context = new Context(ENGINE.getGlobalContext(), variables);
        return new PythonPrintingInterpreter(ENGINE, context, ENGINE.getGlobalConfig());
    }

    private static void failOnErrors(List<TemplateError> errors, String what) {
        if (errors.isEmpty()) {
            return;
        }
        TemplateError first = errors.getFirst();
        TemplateException raised = findCause(first.getException());
        if (raised instanceof PyFunctions.RaisedByTemplate) {
            throw new TemplateException("the chat template raised an exception: " + raised.getMessage(), raised);
        }
        if (raised != null) {
            throw new TemplateException(what + (first.getLineno() > 0 ? " on line " + first.getLineno() : "") + ": "
                    + raised.getMessage(), raised);
        }
        String message = first.getMessage() == null ? first.getReason().toString() : first.getMessage();
        String field = first.getFieldName() == null ? "" : " (in '" + first.getFieldName() + "')";
        throw new TemplateException(what + (first.getLineno() > 0 ? " on line " + first.getLineno() : "") + ": "
                + message.replace('\n', ' ') + field);
    }

    private static TemplateException findCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TemplateException te) {
                return te;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    private static TemplateException asTemplateException(RuntimeException e, String what) {
        if (e instanceof TemplateException te && !(te instanceof PyFunctions.RaisedByTemplate)) {
            return te;
        }
        TemplateException raised = findCause(e);
        if (raised instanceof PyFunctions.RaisedByTemplate) {
            return new TemplateException("the chat template raised an exception: " + raised.getMessage(), raised);
        }
        if (raised != null) {
            return new TemplateException(what + ": " + raised.getMessage(), raised);
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new TemplateException(what + ": " + message.replace('\n', ' '), e);
    }

    /** Prints values as Python's str() does: True, None-free lists as ['a', 'b'], 1e-05. */
    static final class PythonPrintingInterpreter extends JinjavaInterpreter {
        PythonPrintingInterpreter(Jinjava jinjava, Context context, JinjavaConfig config) {
            super(jinjava, context, config);
        }

        PythonPrintingInterpreter(JinjavaInterpreter parent) {
            super(parent);
        }

        @Override
        public String getAsString(Object value) {
            if (value == null) {
                return "";
            }
            if (value instanceof String || value instanceof SafeString) {
                return value.toString();
            }
            return PyValues.str(value);
        }
    }

    /** Makes Jinjava's child interpreters (macros, includes) print the Python way too. */
    private static final class PythonPrintingFactory implements InterpreterFactory {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter parent) {
            return new PythonPrintingInterpreter(parent);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava jinjava, Context context, JinjavaConfig config) {
            return new PythonPrintingInterpreter(jinjava, context, config);
        }
    }
}
