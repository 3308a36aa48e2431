package io.qwen4j.hub;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model named the way users type it: {@code ORG/NAME[:QUANT]} (e.g. {@code Qwen/Qwen3-0.6B-GGUF:Q8_0}),
 * optionally prefixed with {@code hf.co/} or {@code huggingface.co/} as Ollama accepts.
 *
 * @param org   the owner (user or organisation)
 * @param name  the repo name
 * @param quant the GGUF quantization to pick ({@code Q8_0}, {@code q4_k_m}, …) or null for a
 *              safetensors repo
 */
public record ModelReference(String org, String name, String quant) {

    private static final String PART = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?";
    private static final Pattern SHAPE = Pattern.compile(
            "(?:(?:https?://)?(?:hf\\.co|huggingface\\.co)/)?(" + PART + ")/(" + PART + ")(?::([A-Za-z0-9._-]+))?");

    /** True if {@code value} has the shape of a reference (callers check first that it is not a local path). */
    public static boolean looksLike(String value) {
        return value != null && SHAPE.matcher(value).matches();
    }

    /** Parses {@code ORG/NAME[:QUANT]}; a value of another shape is a {@link HubException} naming it. */
    public static ModelReference parse(String value) {
        Matcher m = value == null ? null : SHAPE.matcher(value);
        if (m == null || !m.matches()) {
            throw new HubException("not a Hugging Face model reference (expected ORG/NAME or ORG/NAME:QUANT): " + value);
        }
        return new ModelReference(m.group(1), m.group(2), m.group(3));
    }

    /** {@code ORG/NAME}, the repo id as the hub's URLs spell it. */
    public String repoId() {
        return org + "/" + name;
    }

    @Override
    public String toString() {
        return quant == null ? repoId() : repoId() + ":" + quant;
    }
}
