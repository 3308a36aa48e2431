package io.qwen4j.cli;

import io.qwen4j.engine.KvCacheType;
import java.util.Arrays;
import java.util.Iterator;

/** The {@code --kv-cache-type} values, for picocli's {@code ${COMPLETION-CANDIDATES}} in every command's help. */
final class KvCacheTypeNames implements Iterable<String> {

    @Override
    public Iterator<String> iterator() {
        return Arrays.stream(KvCacheType.values()).map(KvCacheType::label).iterator();
    }
}
