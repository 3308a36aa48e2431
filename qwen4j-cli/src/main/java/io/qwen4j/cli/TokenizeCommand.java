package io.qwen4j.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import io.qwen4j.JsonErrors;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code qwen4j tokenize}: text to token ids as compact JSON ({@code [9707,11]}), from an argument, all of
 * stdin, or JSON lines ({@code {"text": ...}} in, {@code {"ids": [...]}} out, {@code {"error": ...}} for a
 * bad line). Streams are UTF-8 whatever the platform default is.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of a text as JSON.")
public final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    TokenizerSource source;

    @Option(names = "--no-special", description = "Encode control tokens such as <|im_start|> as plain text.")
    boolean noSpecial;

    @Option(names = "--stdin", description = "Read the whole text from stdin.")
    boolean stdin;

    @Option(names = "--jsonl", description = "Read lines {\"text\": ...} from stdin; write {\"ids\": [...]} per line.")
    boolean jsonl;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Override
    public Integer call() throws Exception {
        int inputs = (text != null ? 1 : 0) + (stdin ? 1 : 0) + (jsonl ? 1 : 0);
        if (inputs != 1) {
            throw new InvalidInputException("give exactly one of TEXT, --stdin or --jsonl");
        }
        Tokenizer tokenizer = source.load();
        PrintStream out = new PrintStream(System.out, false,
                StandardCharsets.UTF_8);
        if (jsonl) {
            encodeLines(tokenizer, out);
        } else {
            String input = stdin ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : text;
            out.print(idsJson(tokenizer.encode(input, !noSpecial)));
            out.print('\n');
        }
        out.flush();
        return 0;
    }

    private void encodeLines(Tokenizer tokenizer, PrintStream out) throws java.io.IOException {
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String result;
            try {
                JsonNode node = JSON.readTree(line);
                JsonNode textNode = node == null ? null : node.get("text");
                if (textNode == null || !textNode.isTextual()) {
                    result = error("expected an object with a string \"text\"");
                } else {
                    result = "{\"ids\":" + idsJson(tokenizer.encode(textNode.asText(), !noSpecial)) + "}";
                }
            } catch (JacksonException e) {
                result = error("invalid JSON: " + JsonErrors.describe(e));
            }
            out.print(result);
            out.print('\n');
            out.flush();
        }
    }

    private static String error(String message) throws java.io.IOException {
        return JSON.writeValueAsString(java.util.Map.of("error", message));
    }

    static String idsJson(int[] ids) {
        StringBuilder json = new StringBuilder(ids.length * 7 + 2).append('[');
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(ids[i]);
        }
        return json.append(']').toString();
    }
}
