package io.qwen4j.chat.template;

/**
 * Jinja2's lexer-level whitespace control, applied by {@link SourceRewriter} to the text between tags so
 * that Jinjava sees a template with no whitespace markers and renders with trim/lstrip off. Jinjava's own
 * {@code lstrip_blocks} strips spaces before a tag even mid-line ({@code "Picture 1: {% endif %}"} lost
 * its space, which Qwen2-VL's template hits), and it lacks {@code {%- raw -%}}.
 *
 * <p>The rules (jinja2/lexer.py, {@code trim_blocks} and {@code lstrip_blocks} on, as HF sets them):
 * <ul>
 *   <li>{@code {%-}, {@code {{-}, {@code {#-}: strip all whitespace before the tag.</li>
 *   <li>Otherwise, before {@code {%} and {@code {#} not followed by {@code +}: if only whitespace lies
 *       between the tag and the start of its line, remove it. "Start of its line" means after a newline
 *       in the text, or the text itself starts a line (template start, or the previous tag's match ended
 *       with a newline).</li>
 *   <li>{@code -%}}, {@code -}}}, {@code -#}}: strip all whitespace after the tag.</li>
 *   <li>Otherwise {@code %}} and {@code #}} (not {@code +%}}, not {@code {% raw %}}) drop one newline
 *       right after them.</li>
 * </ul>
 */
final class JinjaWhitespace {

    /** What the end of the previous tag does to the start of the following text. */
    enum After { NOTHING, STRIP_ALL, ONE_NEWLINE }

    private JinjaWhitespace() {
    }

    /** The text after a tag, with that tag's trailing whitespace control applied. */
    static String afterTag(String text, After after) {
        return switch (after) {
            case NOTHING -> text;
            case STRIP_ALL -> PyStrings.strip(text, null, true, false);
            case ONE_NEWLINE -> text.startsWith("\n") ? text.substring(1) : text;
        };
    }

    /** Whether the whitespace control of a tag end leaves the next text at the start of a line. */
    static boolean lineStartsAfter(String source, int closeEnd, After after) {
        return switch (after) {
            case NOTHING -> false;
            case ONE_NEWLINE -> closeEnd < source.length() && source.charAt(closeEnd) == '\n';
            case STRIP_ALL -> {
                int j = closeEnd;
                while (j < source.length() && PyStrings.isSpace(source.charAt(j))) {
                    j++;
                }
                yield j > closeEnd && source.charAt(j - 1) == '\n';
            }
        };
    }

    /**
     * The text before a tag, with the tag's leading whitespace control applied.
     *
     * @param marker '-', '+' or 0 right after the tag opener
     * @param block  a {@code {%} or {@code {#} tag (lstrip_blocks does not touch {@code {{})
     */
    static String beforeTag(String text, char marker, boolean block, boolean lineStarting) {
        if (marker == '-') {
            return PyStrings.strip(text, null, false, true);
        }
        if (!block || marker == '+') {
            return text;
        }
        int lineStart = text.lastIndexOf('\n') + 1;
        if (lineStart == 0 && !lineStarting) {
            return text;
        }
        for (int k = lineStart; k < text.length(); k++) {
            if (!PyStrings.isSpace(text.charAt(k))) {
                return text;
            }
        }
        return text.substring(0, lineStart);
    }

    /** How a tag end ("-%}", "+%}", "%}", "}}", "-#}" …) treats the text after it. */
    static After after(String closeText, boolean trimsNewline) {
        if (closeText.startsWith("-")) {
            return After.STRIP_ALL;
        }
        if (closeText.startsWith("+") || !trimsNewline) {
            return After.NOTHING;
        }
        return After.ONE_NEWLINE;
    }
}
