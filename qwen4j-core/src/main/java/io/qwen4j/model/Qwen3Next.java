package io.qwen4j.model;

/**
 * Qwen3-Next (HF {@code modeling_qwen3_next.py}, llama.cpp {@code qwen3next}), Qwen3.5-MoE's predecessor and the same
 * computation ({@link Qwen35Moe}). What differs is how llama.cpp's converter stores the linear attention: the value
 * heads keep HF's order (value head {@code h} reads key head {@code h / (valueHeads / keyHeads)},
 * {@link GatedDeltaNetConfig.ValueHeadOrder#GROUPED}), beta and alpha come from one projection
 * ({@code ssm_ba}, grouped per key head), and files from older converters hold q, k, v and the output gate in
 * one interleaved projection ({@code ssm_in}). {@link GatedDeltaNet#load} reads either layout.
 */
final class Qwen3Next {

    private Qwen3Next() {
    }

    static DecoderWeights load(ModelConfig config, WeightSource source) {
        return Qwen35Moe.load(config, source);
    }
}
