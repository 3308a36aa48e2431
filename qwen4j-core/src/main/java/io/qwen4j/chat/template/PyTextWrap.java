package io.qwen4j.chat.template;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's {@code wordwrap} filter: each line of the text wrapped by Python's {@code textwrap.wrap} with
 * {@code expand_tabs=False, replace_whitespace=False} (and the filter's {@code break_long_words},
 * {@code break_on_hyphens}), the lines joined by {@code wrapstring}. Written from CPython 3.11's
 * {@code textwrap.TextWrapper} (its chunk regex, greedy line filling, whitespace dropping and long-word
 * breaking), because Jinjava's wrapped by other rules and split surrogate pairs. Lengths are in code points,
 * as Python counts them.
 */
final class PyTextWrap {

    private static final String SPACE = "[\\t\\n\\x0B\\f\\r ]";
    private static final String NOT_SPACE = "[^\\t\\n\\x0B\\f\\r ]";
    /** Python's {@code \w} on str: letters, numbers of any kind, underscore. */
    private static final String WORD = "[\\p{L}\\p{N}_]";
    private static final String WORD_PUNCT = "[\\p{L}\\p{N}_!\"'&.,?]";
    /** Python's {@code [^\d\W]}: a word character that is not a decimal digit. */
    private static final String LETTER = "[\\p{L}\\p{Nl}\\p{No}_]";
    /** textwrap's {@code wordsep_re}: whitespace runs, em-dashes between words, words (split after hyphens). */
    private static final Pattern CHUNKS = Pattern.compile("(" + SPACE + "+"
            + "|(?<=" + WORD_PUNCT + ")-{2,}(?=" + WORD + ")"
            + "|" + NOT_SPACE + "+?(?:-(?:(?<=" + LETTER + "{2}-)|(?<=" + LETTER + "-" + LETTER + "-))(?=" + LETTER + "-?"
            + LETTER + ")|(?=" + SPACE + "|\\z)|(?<=" + WORD_PUNCT + ")(?=-{2,}" + WORD + ")))");
    /** textwrap's {@code wordsep_simple_re}, without hyphen breaking. */
    private static final Pattern SIMPLE_CHUNKS = Pattern.compile("(" + SPACE + "+)");

    private PyTextWrap() {
    }

    static String wordwrap(String s, int width, boolean breakLongWords, String wrapString, boolean breakOnHyphens) {
        List<String> lines = new ArrayList<>();
        for (String line : PyStrings.splitLines(s)) {
            lines.add(String.join(wrapString, wrap(line, width, breakLongWords, breakOnHyphens)));
        }
        return String.join(wrapString, lines);
    }

    /** {@code textwrap.wrap(text, width, expand_tabs=False, replace_whitespace=False, ...)}. */
    static List<String> wrap(String text, int width, boolean breakLongWords, boolean breakOnHyphens) {
        if (width <= 0) {
            throw new TemplateException("invalid width " + width + " (must be > 0)");
        }
        List<String> chunks = split(text, breakOnHyphens ? CHUNKS : SIMPLE_CHUNKS);
        List<String> lines = new ArrayList<>();
        int next = 0; // chunks before it are used; chunks.set replaces a long word's rest
        while (next < chunks.size()) {
            List<String> line = new ArrayList<>();
            int length = 0;
            if (isBlank(chunks.get(next)) && !lines.isEmpty()) {
                next++; // drop_whitespace: a line does not start with the space that ended the previous one
                if (next == chunks.size()) {
                    break;
                }
            }
            while (next < chunks.size() && length + length(chunks.get(next)) <= width) {
                length += length(chunks.get(next));
                line.add(chunks.get(next++));
            }
            if (next < chunks.size() && length(chunks.get(next)) > width) {
                String rest = breakLongWord(chunks.get(next), line, length, width, breakLongWords, breakOnHyphens);
                if (rest == null) {
                    next++;
                } else {
                    chunks.set(next, rest);
                }
            }
            if (!line.isEmpty() && isBlank(line.getLast())) {
                line.removeLast();
            }
            if (!line.isEmpty()) {
                lines.add(String.join("", line));
            }
        }
        return lines;
    }

    /**
     * textwrap's {@code _handle_long_word}: as much of {@code chunk} as fits (up to its last hyphen within the space
     * left, when breaking on hyphens) goes on {@code line}; returns the rest, or null when the whole chunk was taken.
     */
    private static String breakLongWord(String chunk, List<String> line, int length, int width, boolean breakLongWords,
                                        boolean breakOnHyphens) {
        int spaceLeft = width < 1 ? 1 : width - length;
        if (breakLongWords) {
            int end = spaceLeft;
            if (breakOnHyphens && length(chunk) > spaceLeft) {
                int limit = chunk.offsetByCodePoints(0, spaceLeft);
                int hyphen = chunk.lastIndexOf('-', limit - 1);
                if (hyphen > 0 && chunk.substring(0, hyphen).chars().anyMatch(c -> c != '-')) {
                    end = chunk.codePointCount(0, hyphen) + 1;
                }
            }
            int cut = chunk.offsetByCodePoints(0, Math.min(end, length(chunk)));
            line.add(chunk.substring(0, cut));
            return chunk.substring(cut);
        }
        if (line.isEmpty()) {
            line.add(chunk);
            return null;
        }
        return chunk;
    }

    /** {@code re.split} with one capturing group: the text between matches and the matches, empty pieces dropped. */
    private static List<String> split(String text, Pattern separators) {
        List<String> chunks = new ArrayList<>();
        Matcher m = separators.matcher(text);
        int from = 0;
        while (m.find()) {
            if (m.start() > from) {
                chunks.add(text.substring(from, m.start()));
            }
            if (!m.group(1).isEmpty()) {
                chunks.add(m.group(1));
            }
            from = m.end();
        }
        if (from < text.length()) {
            chunks.add(text.substring(from));
        }
        return chunks;
    }

    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    private static boolean isBlank(String s) {
        return PyStrings.strip(s, null, true, true).isEmpty();
    }
}
