package io.qwen4j.serving;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A listener that records everything it hears and lets a test wait for the end. */
class Recorder implements StepListener {

    final List<GenerationStep> steps = new CopyOnWriteArrayList<>();
    final CountDownLatch ended = new CountDownLatch(1);
    volatile int cachedTokens = -1;
    volatile int cachedCalls;
    volatile FinishReason finish;
    volatile RuntimeException error;

    @Override
    public void onPromptCached(int cachedTokens) {
        this.cachedTokens = cachedTokens;
        cachedCalls++;
    }

    @Override
    public void onStep(GenerationStep step) {
        steps.add(step);
    }

    @Override
    public void onFinish(FinishReason reason) {
        finish = reason;
        ended.countDown();
    }

    @Override
    public void onError(RuntimeException e) {
        error = e;
        ended.countDown();
    }

    Recorder await() {
        try {
            if (!ended.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("no end within 20 s; steps so far: " + steps.size());
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        if (error != null) {
            throw new AssertionError("generation failed", error);
        }
        return this;
    }

    int[] tokens() {
        return steps.stream().mapToInt(GenerationStep::token).toArray();
    }
}
