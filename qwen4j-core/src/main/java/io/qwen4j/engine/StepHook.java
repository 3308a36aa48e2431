package io.qwen4j.engine;

/**
 * A per-token policy consulted before each new token is chosen: it may let the sampler choose, force
 * tokens instead (a thinking budget closing the thought with {@code </think>}), or stop (a stop string
 * just completed). Hooks see the request's output so far through {@link GenerationState}.
 */
@FunctionalInterface
public interface StepHook {

    Action beforeNextToken(GenerationState state);

    /** What to do next. */
    sealed interface Action permits Continue, Force, Stop {
    }

    /** Let the sampler choose. */
    record Continue() implements Action {
    }

    /** Append these tokens (in order, one per step) instead of sampling. */
    record Force(int[] tokens) implements Action {
        public Force {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a forced step needs at least one token");
            }
            tokens = tokens.clone();
        }
    }

    /** End generation with finish reason {@code stop}. */
    record Stop() implements Action {
    }

    Action CONTINUE = new Continue();
    Action STOP = new Stop();

    /** The request as a hook sees it. */
    interface GenerationState {
        int promptLength();

        /** Output tokens so far (sampled and forced). */
        int outputLength();

        int outputToken(int index);
    }
}
