package io.qwen4j.hub;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which files of a repo make a runnable model: with {@code :QUANT}, the one GGUF (or the parts of one
 * split GGUF) whose name carries that quant; without, a safetensors checkpoint's config, tokenizer and
 * weights (and the README). Everything else in the repo (images, ONNX, other quants) is skipped. Works on the hub's
 * listing and, offline, on a cached snapshot's listing alike.
 *
 * @param files the files to fetch, weights last and split parts in order
 * @param entry the file the model is loaded from (a GGUF, or its first part), or null when the model is
 *              the snapshot folder itself (safetensors)
 */
public record FileSelection(List<RepoFile> files, String entry) {

    /**
     * The small files of a safetensors checkpoint that the loader reads, fetched when present: config, tokenizer,
     * chat template, an embedding model's sentence-transformers module list (its pooling module's config is
     * {@link #POOLING_CONFIG}), and the model card, whose title marks a Qwen3-Reranker (as llama.cpp's converter reads
     * it) whatever the repo is named.
     */
    static final List<String> CHECKPOINT_FILES = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "vocab.json", "merges.txt", "chat_template.jinja", "modules.json", "README.md");
    /** A sentence-transformers pooling module's config ({@code 1_Pooling/config.json} in Qwen3-Embedding). */
    private static final Pattern POOLING_CONFIG = Pattern.compile("[^/]*Pooling/config\\.json");

    private static final Pattern SPLIT_GGUF = Pattern.compile("(?i)(.*)-(\\d{5})-of-(\\d{5})\\.gguf");
    private static final Pattern SHARD = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.safetensors");

    public FileSelection {
        files = List.copyOf(files);
    }

    /** Picks the files of {@code repo} (named in errors as {@code reference}) for {@code quant} (null: safetensors). */
    public static FileSelection select(List<RepoFile> repo, String quant, String reference) {
        return quant == null ? checkpoint(repo, reference) : gguf(repo, quant, reference);
    }

    private static FileSelection gguf(List<RepoFile> repo, String quant, String reference) {
        String wanted = quant.toLowerCase(Locale.ROOT);
        // One group per model file: the parts of a split GGUF share the name without "-0000k-of-0000n".
        Map<String, List<RepoFile>> groups = new LinkedHashMap<>();
        for (RepoFile file : repo) {
            String unsplit = unsplitGgufName(file.path());
            if (unsplit == null) {
                continue;
            }
            String base = unsplit.substring(unsplit.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
            if (base.contains("-" + wanted + ".") || base.contains("." + wanted + ".")) {
                groups.computeIfAbsent(unsplit, k -> new ArrayList<>()).add(file);
            }
        }
        if (groups.isEmpty()) {
            Set<String> quants = availableQuants(repo);
            throw new HubException(quants.isEmpty()
                    ? reference + " has no GGUF files; name it without :" + quant + " to fetch its safetensors checkpoint"
                    : "no GGUF file for quant " + quant + " in " + reference + "; available: " + String.join(", ", quants));
        }
        if (groups.size() > 1) {
            throw new HubException("quant " + quant + " is ambiguous in " + reference + ": it matches "
                    + String.join(", ", groups.keySet()) + "; available: " + String.join(", ", availableQuants(repo)));
        }
        var entry = groups.entrySet().iterator().next();
        List<RepoFile> parts = new ArrayList<>(entry.getValue());
        Matcher first = SPLIT_GGUF.matcher(parts.getFirst().path());
        if (first.matches()) {
            parts.sort(Comparator.comparing(RepoFile::path));
            requireAllParts(parts, SPLIT_GGUF, entry.getKey(), reference);
        } else if (parts.size() > 1) {
            throw new HubException("quant " + quant + " matches both split and unsplit files in " + reference);
        }
        return new FileSelection(parts, parts.getFirst().path());
    }

    private static FileSelection checkpoint(List<RepoFile> repo, String reference) {
        Map<String, RepoFile> byPath = new LinkedHashMap<>();
        repo.forEach(f -> byPath.put(f.path(), f));
        List<RepoFile> weights = new ArrayList<>();
        if (byPath.containsKey("model.safetensors")) {
            weights.add(byPath.get("model.safetensors"));
        } else {
            RepoFile index = byPath.get("model.safetensors.index.json");
            if (index == null) {
                index = repo.stream().filter(f -> !f.path().contains("/") && f.path().endsWith(".safetensors.index.json"))
                        .findFirst().orElse(null);
            }
            if (index != null) {
                String prefix = index.path().substring(0, index.path().length() - ".safetensors.index.json".length());
                weights.add(index);
                List<RepoFile> shards = new ArrayList<>();
                for (RepoFile f : repo) {
                    Matcher m = SHARD.matcher(f.path());
                    if (m.matches() && m.group(1).equals(prefix)) {
                        shards.add(f);
                    }
                }
                shards.sort(Comparator.comparing(RepoFile::path));
                if (shards.isEmpty()) {
                    throw new HubException(reference + " has " + index.path() + " but no " + prefix + "-NNNNN-of-NNNNN.safetensors shards");
                }
                requireAllParts(shards, SHARD, prefix + ".safetensors", reference);
                weights.addAll(shards);
            }
        }
        if (weights.isEmpty()) {
            Set<String> quants = availableQuants(repo);
            throw new HubException(quants.isEmpty()
                    ? reference + " has no model weights (no model.safetensors, safetensors index or GGUF file)"
                    : reference + " is a GGUF repo: name a quant, e.g. " + reference + ":" + quants.iterator().next()
                            + "; available: " + String.join(", ", quants));
        }
        if (!byPath.containsKey("config.json")) {
            throw new HubException(reference + " has safetensors weights but no config.json");
        }
        List<RepoFile> files = new ArrayList<>();
        for (String name : CHECKPOINT_FILES) {
            if (byPath.containsKey(name)) {
                files.add(byPath.get(name));
            }
        }
        repo.stream().filter(f -> POOLING_CONFIG.matcher(f.path()).matches()).forEach(files::add);
        files.addAll(weights);
        return new FileSelection(files, null);
    }

    /** The quant names a repo offers: the last '-' or '.' separated word of each GGUF's (unsplit) name. */
    public static Set<String> availableQuants(List<RepoFile> repo) {
        Set<String> quants = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (RepoFile file : repo) {
            String unsplit = unsplitGgufName(file.path());
            if (unsplit != null) {
                String stem = unsplit.substring(unsplit.lastIndexOf('/') + 1, unsplit.length() - ".gguf".length());
                quants.add(stem.substring(Math.max(stem.lastIndexOf('-'), stem.lastIndexOf('.')) + 1));
            }
        }
        return quants;
    }

    /** {@code path} with a split suffix removed ({@code a-00001-of-00003.gguf} → {@code a.gguf}), or null if not a GGUF. */
    private static String unsplitGgufName(String path) {
        if (!path.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            return null;
        }
        Matcher m = SPLIT_GGUF.matcher(path);
        return m.matches() ? m.group(1) + ".gguf" : path;
    }

    /** Parts sorted by path must be exactly 1..n of n (a missing shard would only fail later, at load). */
    private static void requireAllParts(List<RepoFile> parts, Pattern pattern, String what, String reference) {
        int count = -1;
        for (int i = 0; i < parts.size(); i++) {
            Matcher m = pattern.matcher(parts.get(i).path());
            if (!m.matches()) {
                throw new HubException(what + " in " + reference + " mixes split and unsplit files");
            }
            int index = Integer.parseInt(m.group(2));
            int of = Integer.parseInt(m.group(3));
            if (count == -1) {
                count = of;
            }
            if (of != count || index != i + 1) {
                throw new HubException(what + " in " + reference + " is incomplete: expected parts 1.." + count
                        + ", found " + parts.stream().map(RepoFile::fileName).toList());
            }
        }
        if (parts.size() != count) {
            throw new HubException(what + " in " + reference + " is incomplete: expected " + count + " parts, found "
                    + parts.size());
        }
    }
}
