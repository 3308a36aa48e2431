package io.qwen4j.serving;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.PagedKvCache;
import io.qwen4j.engine.PagedKvPool;
import io.qwen4j.engine.SequenceDecoder;
import io.qwen4j.engine.speculative.GuessCheckpoint;
import io.qwen4j.engine.speculative.Speculator;
import io.qwen4j.model.ContextOverflowException;
import java.util.function.LongPredicate;

/**
 * One submission inside the {@link BatchScheduler}: what the client asked for, its decoder (created on
 * first admission and kept across preemptions, so sampling continues where it stopped), and its block
 * table with the prefix-cache chain of its full blocks. Only {@link #cancel} and {@link #isDone} are
 * called from other threads.
 */
final class ServingSequence implements Submission {

    private static final int BLOCK = PagedKvPool.BLOCK_SIZE;
    private static final long ROOT_HASH = 0;

    final int[] prompt;
    final GenerationRequest request;
    final StepListener listener;
    private volatile boolean cancelled;
    private volatile boolean done;

    SequenceDecoder decoder;
    PagedKvCache cache;
    /** Guesses next tokens for speculative decoding, or null. */
    Speculator speculator;
    /** The guesses fed in this step's pass after the newest token (none outside speculative decoding). */
    int[] drafts = new int[0];
    /** What taking back this step's guesses needs, or null without guesses. */
    GuessCheckpoint checkpoint;
    /** Leading blocks of the table already offered to the prefix cache, and the hash of the last one. */
    private int hashedBlocks;
    private long lastHash = ROOT_HASH;
    /** True once onPromptCached was sent (a resumed sequence does not report again). */
    boolean started;
    /**
     * Hybrid models: the last block boundary of the prompt, where the scheduler keeps a copy of this sequence's recurrent
     * state (and one block before it), or 0 for none. The same prompt again resumes at the last; a chat's next turn,
     * which shares the prompt up to the template's generation prompt (a few tokens: {@code <|im_start|>assistant\n}
     * and an empty think block), at one of the two.
     */
    int snapshotAt;
    /**
     * Hybrid models: where this prompt leaves the cached blocks of an earlier one with no state kept there (another
     * user's message after the same system prompt), or 0: a state is kept there too, so the next prompt that branches
     * at the same place resumes from it.
     */
    int branchAt;

    ServingSequence(int[] prompt, GenerationRequest request, StepListener listener) {
        this.prompt = prompt.clone();
        this.request = request;
        this.listener = listener;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    /** Rejects at submit what could never run: no tokens, too many, or ids outside the vocabulary. */
    static void validatePrompt(int[] prompt, int contextLength, int vocabSize) {
        if (prompt.length == 0) {
            throw new InvalidInputException("the prompt has no tokens");
        }
        if (prompt.length > contextLength) {
            throw new ContextOverflowException("prompt", prompt.length, contextLength);
        }
        for (int token : prompt) {
            if (token < 0 || token >= vocabSize) {
                throw new InvalidInputException("token id " + token + " is outside the vocabulary of " + vocabSize);
            }
        }
    }

    /** The service shut down before this finished: the client is told, so no stream waits forever. */
    void abandon() {
        if (!cancelled && !done) {
            try {
                listener.onError(new IllegalStateException("the generation service shut down"));
            } catch (RuntimeException ignored) {
                // nothing more to tell a broken listener
            }
        }
        done = true;
    }

    boolean isCancelled() {
        return cancelled;
    }

    void markDone() {
        done = true;
    }

    /**
     * Takes the longest cached prefix of the sequence's tokens in whole blocks, never the block of the
     * last token (its logits must be computed), and marks it computed. Returns the cached token count.
     *
     * @param resumableAfter for a hybrid model, whether a recurrent state is kept after the block of a chain hash: the
     *                       prefix is cut back to the last such block (its state is what the sequence resumes from);
     *                       null for the others
     */
    int acquirePrefix(BlockManager blocks, LongPredicate resumableAfter) {
        int total = decoder.tokenCount();
        int reusable = (total - 1) / BLOCK;
        int[] tokens = decoder.tokens(0, reusable * BLOCK);
        long[] chain = new long[reusable + 1];
        chain[0] = ROOT_HASH;
        for (int b = 0; b < reusable; b++) {
            long hash = BlockManager.chainHash(lastHash, tokens, b * BLOCK, (b + 1) * BLOCK);
            int block = blocks.acquireCached(lastHash, hash, tokens, b * BLOCK, (b + 1) * BLOCK);
            if (block < 0) {
                break;
            }
            cache.appendBlock(block);
            hashedBlocks++;
            lastHash = hash;
            chain[hashedBlocks] = hash;
        }
        if (resumableAfter != null) {
            int keep = hashedBlocks;
            branchAt = resumableAfter.test(chain[hashedBlocks]) ? 0 : hashedBlocks * BLOCK;
            while (keep > 0 && !resumableAfter.test(chain[keep])) {
                keep--;
            }
            for (int b = hashedBlocks - 1; b >= keep; b--) {
                blocks.release(cache.block(b));
            }
            cache.truncate(keep);
            hashedBlocks = keep;
            lastHash = chain[keep];
        }
        int cachedTokens = hashedBlocks * BLOCK;
        decoder.resetComputed(cachedTokens);
        return cachedTokens;
    }

    /** {@code take} tokens from {@code start}, or fewer so that the chunk ends where this sequence's state is kept. */
    int chunkUpToSnapshot(int start, int take) {
        int end = start + take;
        end = cutAt(end, start, branchAt);
        end = cutAt(end, start, snapshotAt - BLOCK);
        return cutAt(end, start, snapshotAt) - start;
    }

    /** {@code end}, or {@code point} when that lies between {@code start} and it. */
    private static int cutAt(int end, int start, int point) {
        return point > start && point < end ? point : end;
    }

    /** Whether this sequence's state is kept once {@code position} tokens are computed. */
    boolean isSnapshot(int position) {
        return position > 0 && (position == snapshotAt || position == snapshotAt - BLOCK || position == branchAt);
    }

    /** The chain hash of the last block offered to or taken from the prefix cache (the root hash for none). */
    long prefixHash() {
        return lastHash;
    }

    /** Blocks still to allocate so that {@code positions} positions have storage. */
    int blocksMissing(int positions) {
        return Math.max(0, PagedKvPool.blocksFor(positions) - cache.blockCount());
    }

    /** Allocates one more block. */
    void growByOneBlock(BlockManager blocks) {
        cache.appendBlock(blocks.allocate());
    }

    /** Offers every newly completed, computed block to the prefix cache. */
    void registerFullBlocks(BlockManager blocks) {
        int full = decoder.computedTokens() / BLOCK;
        while (hashedBlocks < full) {
            int[] tokens = decoder.tokens(hashedBlocks * BLOCK, (hashedBlocks + 1) * BLOCK);
            long hash = BlockManager.chainHash(lastHash, tokens, 0, BLOCK);
            blocks.register(cache.block(hashedBlocks), lastHash, hash, tokens);
            lastHash = hash;
            hashedBlocks++;
        }
    }

    /** Gives every block back (the last first, so a cached prefix is evicted from its end) and forgets them. */
    void releaseBlocks(BlockManager blocks) {
        if (cache == null) {
            return;
        }
        for (int b = cache.blockCount() - 1; b >= 0; b--) {
            blocks.release(cache.block(b));
        }
        cache.clear();
        hashedBlocks = 0;
        lastHash = ROOT_HASH;
    }
}
