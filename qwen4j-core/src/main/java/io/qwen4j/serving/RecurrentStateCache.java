package io.qwen4j.serving;

import io.qwen4j.model.RecurrentState;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The prefix cache's other half for hybrid models: copies of sequences' recurrent states ({@link RecurrentState}), each
 * under the prefix-cache chain hash of the block it ends at, so that a later sequence whose cached blocks reach that
 * block can resume there instead of at position 0. Least recently used copies go first once they hold more than the
 * byte budget. Only the engine thread calls this class.
 */
final class RecurrentStateCache {

    /** Room for a few copies of a large model's state (Qwen3.5-35B-A3B: about 66 MB each) or many of a small one's. */
    static final long DEFAULT_BUDGET_BYTES = 256L << 20;

    private final long budgetBytes;
    private final LinkedHashMap<Long, RecurrentState> states = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    RecurrentStateCache(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    boolean has(long blockHash) {
        return states.containsKey(blockHash);
    }

    /** The copy kept under {@code blockHash} (marked recently used), or null. */
    RecurrentState get(long blockHash) {
        return states.get(blockHash);
    }

    /** Keeps {@code state} under {@code blockHash}, evicting the least recently used copies beyond the budget. */
    void put(long blockHash, RecurrentState state) {
        if (state.bytes() > budgetBytes) {
            return;
        }
        RecurrentState old = states.put(blockHash, state);
        bytes += state.bytes() - (old == null ? 0 : old.bytes());
        Iterator<Map.Entry<Long, RecurrentState>> oldest = states.entrySet().iterator();
        while (bytes > budgetBytes && oldest.hasNext()) {
            bytes -= oldest.next().getValue().bytes();
            oldest.remove();
        }
    }

    int size() {
        return states.size();
    }

    long bytes() {
        return bytes;
    }
}
