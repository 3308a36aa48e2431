package io.qwen4j.quant;

import io.qwen4j.InvalidInputException;
import io.qwen4j.simd.SegmentKinds;
import io.qwen4j.tensor.TensorType;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The registry of storage formats: one line per format. */
public final class QuantFormats {

    private static final Map<TensorType, QuantFormat> FORMATS = new EnumMap<>(TensorType.class);

    static {
        SegmentKinds.load();
        for (QuantFormat format : List.<QuantFormat>of(
                new F32Format(),
                new F16Format(),
                new BF16Format(),
                new Q8_0Format(),
                new Q4_0Format(),
                new Q4_1Format(),
                new Q5_0Format(),
                new Q5_1Format(),
                new Q2_KFormat(),
                new Q3_KFormat(),
                new Q4_KFormat(),
                new Q5_KFormat(),
                new Q6_KFormat(),
                new IQ4_NLFormat(),
                new IQ4_XSFormat(),
                new MXFP4Format(),
                new IQ1_SFormat(),
                new IQ1_MFormat(),
                new IQ2_XXSFormat(),
                new IQ2_XSFormat(),
                new IQ2_SFormat(),
                new IQ3_XXSFormat(),
                new IQ3_SFormat())) {
            FORMATS.put(format.type(), format);
        }
    }

    private QuantFormats() {
    }

    /** The format for a type; every {@link TensorType} has one. */
    public static QuantFormat of(TensorType type) {
        QuantFormat format = FORMATS.get(type);
        if (format == null) {
            throw new InvalidInputException("no kernel for tensor type " + type);
        }
        return format;
    }
}
