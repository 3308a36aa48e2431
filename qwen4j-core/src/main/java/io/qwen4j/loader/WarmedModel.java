package io.qwen4j.loader;

import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;

/** The loaded model, which ends the {@link KernelWarmup} when the first real pass starts: from then on it would only take cores from real work. */
record WarmedModel(Model model, KernelWarmup warmup) implements Model {

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public Logits forward(ForwardBatch batch) {
        warmup.stop();
        return model.forward(batch);
    }
}
