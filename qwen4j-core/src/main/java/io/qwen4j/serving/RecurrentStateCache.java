package io.qwen4j.serving;

import io.qwen4j.engine.PagedKvPool;
import io.qwen4j.model.Model;
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

    /** The last block boundary before a prompt's last token, where its sequence's state is kept (0: none). */
    static int snapshotAt(int promptLength) {
        return (promptLength - 1) / PagedKvPool.BLOCK_SIZE * PagedKvPool.BLOCK_SIZE;
    }

    /** Makes {@code s}, which took a cached prefix ending at a kept state ({@link ServingSequence#acquirePrefix}), continue from it. */
    void resume(Model model, ServingSequence s) {
        model.restoreRecurrentState(s.cache, get(s.prefixHash()));
    }

    /** At one of its snapshot boundaries, copies {@code s}'s state for later requests with the same prefix. */
    void keep(Model model, ServingSequence s) {
        if (s.isSnapshot(s.decoder.computedTokens()) && !has(s.prefixHash())) {
            model.saveRecurrentState(s.cache).ifPresent(state -> put(s.prefixHash(), state));
        }
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
