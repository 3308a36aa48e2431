package io.qwen4j.chat.template;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import jinjava.de.odysseus.el.tree.impl.Parser;

/**
 * Jinjava's expression tree builder with {@link PyParser} as its parser. Named by class in the
 * properties {@link JinjaRenderer} builds the expression factory from, which instantiates it
 * reflectively with the enabled features.
 */
public final class PySyntaxBuilder extends ExtendedSyntaxBuilder {
    private static final long serialVersionUID = 1L;

    public PySyntaxBuilder() {
        super();
    }

    public PySyntaxBuilder(Feature... features) {
        super(features);
    }

    @Override
    protected Parser createParser(String expression) {
        return new PyParser(this, expression);
    }
}
