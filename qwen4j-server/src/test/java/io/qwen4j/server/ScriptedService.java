package io.qwen4j.server;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.serving.GenerationService;
import io.qwen4j.serving.QueueFullException;
import io.qwen4j.serving.ServiceStats;
import io.qwen4j.serving.StepListener;
import io.qwen4j.serving.Submission;
import java.util.List;

/**
 * A {@link GenerationService} that "generates" a fixed script of token ids (then the end-of-turn token),
 * reporting {@code cachedTokens} as the prefix-cache hit: lets tests drive the server's output path with
 * text a random-weight model would never write (closed thoughts, tool calls), and states such as a full
 * queue that a real scheduler reaches only by racing requests against each other.
 */
final class ScriptedService implements GenerationService {

    volatile int[] script = new int[0];
    volatile int endOfTurn;
    volatile int cachedTokens;
    /** When set, every submission is refused as the scheduler refuses one when its queue is full. */
    volatile boolean queueFull;

    @Override
    public Submission submit(int[] prompt, GenerationRequest request, StepListener listener) {
        if (queueFull) {
            throw new QueueFullException(1);
        }
        int[] tokens = script;
        Thread.ofVirtual().start(() -> {
            listener.onPromptCached(cachedTokens);
            int n = Math.min(tokens.length, request.maxTokens());
            for (int i = 0; i < n; i++) {
                listener.onStep(new GenerationStep(tokens[i], -0.5f, List.of(), false));
            }
            if (n < request.maxTokens()) {
                listener.onStep(new GenerationStep(endOfTurn, -0.1f, List.of(), false));
                listener.onFinish(FinishReason.STOP);
            } else {
                listener.onFinish(FinishReason.LENGTH);
            }
        });
        return new Submission() {
            @Override
            public void cancel() {
            }

            @Override
            public boolean isDone() {
                return false;
            }
        };
    }

    @Override
    public int contextLength() {
        return 2048;
    }

    @Override
    public ServiceStats stats() {
        return new ServiceStats(0, 0, 0, 0);
    }

    @Override
    public void close() {
    }
}
