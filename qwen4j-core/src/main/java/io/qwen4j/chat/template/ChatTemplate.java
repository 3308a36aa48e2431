package io.qwen4j.chat.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.tree.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's own Jinja chat template, rendered byte-identical to HF transformers'
 * {@code apply_chat_template} (Jinja2 3.1, {@code trim_blocks}, {@code lstrip_blocks}, sandboxed,
 * {@code tojson} = {@code json.dumps(ensure_ascii=False)}).
 *
 * <p>The template is rendered, never ported: unseen Qwen-family templates work as long as they stay
 * within the Jinja2 features Jinjava plus {@link SourceRewriter} and {@link TemplateLibrary} cover, and
 * anything outside them fails loudly with a {@link TemplateException}. Parsed once; {@link #render} is
 * thread-safe.
 */
public final class ChatTemplate {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Node root;

    private ChatTemplate(String source, String bosToken, String eosToken, Node root) {
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.root = root;
    }

    /**
     * Parses a template.
     *
     * @param bosToken the {@code bos_token} variable, or null to leave it undefined
     * @param eosToken the {@code eos_token} variable, or null to leave it undefined
     * @throws TemplateException on a syntax error, naming it and its line
     */
    public static ChatTemplate parse(String source, String bosToken, String eosToken) {
        if (source == null) {
            throw new TemplateException("chat template source is missing");
        }
        SourceRewriter.Rewritten rewritten = SourceRewriter.rewrite(jinjaSource(source));
        // Jinja2 rejects an unknown filter when compiling; Jinjava would silently pass the value through.
        for (String filter : rewritten.filterNames()) {
            if (!JinjaRenderer.hasFilter(filter)) {
                throw new TemplateException("template uses an unknown filter '" + filter + "'");
            }
        }
        return new ChatTemplate(source, bosToken, eosToken, JinjaRenderer.parse(rewritten.source()));
    }

    /**
     * Jinja2's lexer reads "\r\n" and "\r" as "\n" and, without {@code keep_trailing_newline} (HF does not
     * set it), drops one newline at the very end of the template.
     */
    private static String jinjaSource(String source) {
        String normalized = source.replace("\r\n", "\n").replace('\r', '\n');
        return normalized.endsWith("\n") ? normalized.substring(0, normalized.length() - 1) : normalized;
    }

    /**
     * Loads the template and special tokens of an HF model folder: {@code tokenizer_config.json}'s
     * {@code chat_template} (a string, or a list of {@code {name, template}} of which "default" is taken;
     * newer repos keep it in {@code chat_template.jinja} instead) and its {@code bos_token}/{@code eos_token}
     * (a string or {@code {"content": …}}).
     */
    public static ChatTemplate fromHuggingFace(Path dir) {
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonNode config;
        try {
            config = JSON.readTree(Files.readString(configFile));
        } catch (NoSuchFileException e) {
            throw new TemplateException("no tokenizer_config.json in " + dir);
        } catch (IOException e) {
            throw new TemplateException(configFile + " is not valid JSON: " + e.getMessage(), e);
        }
        if (config == null || !config.isObject()) {
            throw new TemplateException(configFile + " is not a JSON object");
        }
        String template = templateFrom(config.get("chat_template"), configFile);
        if (template == null) {
            Path jinja = dir.resolve("chat_template.jinja");
            if (!Files.isRegularFile(jinja)) {
                throw new TemplateException(configFile + " has no chat_template (and there is no chat_template.jinja)");
            }
            try {
                template = Files.readString(jinja);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return parse(template, tokenText(config.get("bos_token"), configFile), tokenText(config.get("eos_token"), configFile));
    }

    private static String templateFrom(JsonNode node, Path file) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            for (JsonNode named : node) {
                if ("default".equals(named.path("name").asText(null)) && named.path("template").isTextual()) {
                    return named.get("template").asText();
                }
            }
            throw new TemplateException(file + ": chat_template is a list without a template named \"default\"");
        }
        throw new TemplateException(file + ": chat_template must be a string or a list of {name, template}");
    }

    private static String tokenText(JsonNode node, Path file) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").asText();
        }
        throw new TemplateException(file + ": special token must be a string or {\"content\": …}, got " + node);
    }

    /**
     * Renders a conversation as given (no normalisation: see {@link MessageNormalizer} for OpenAI input).
     *
     * @param tools  tool definitions, or null for none
     * @param kwargs further template variables ({@code enable_thinking}, any {@code chat_template_kwargs});
     *               {@code add_generation_prompt} defaults to true when absent
     */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools, Map<String, Object> kwargs) {
        if (messages == null) {
            throw new TemplateException("messages are missing");
        }
        Map<String, Object> variables = new HashMap<>();
        putIfPresent(variables, "bos_token", bosToken);
        putIfPresent(variables, "eos_token", eosToken);
        if (kwargs != null) {
            kwargs.forEach((k, v) -> variables.put(k, JsonValues.templateValue(v)));
        }
        variables.putIfAbsent("add_generation_prompt", Boolean.TRUE);
        variables.put("messages", JsonValues.templateValue(messages));
        // HF passes tools=None when there are none: defined, and None.
        variables.put("tools", JsonValues.templateValue(tools));
        return JinjaRenderer.render(root, variables);
    }

    /** {@link #render} for parsed JSON: messages and tools arrays (tools may be null), kwargs an object or null. */
    public String render(JsonNode messages, JsonNode tools, JsonNode kwargs) {
        return render(JsonValues.listOfObjects(messages, "messages"),
                tools == null || tools.isNull() ? null : JsonValues.listOfObjects(tools, "tools"),
                kwargs == null || kwargs.isNull() ? null : JsonValues.object(kwargs, "kwargs"));
    }

    private static void putIfPresent(Map<String, Object> variables, String name, Object value) {
        if (value != null) {
            variables.put(name, value);
        }
    }

    public String source() {
        return source;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }
}
