package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The keys, or the values, of every layer that keeps them, in one {@link KvCacheType}: element {@code at} of a layer's
 * storage is written from floats and read back as floats ({@link KvSlots} decides which element is which).
 */
sealed interface KvStore {

    /** Stores {@code n} elements of {@code src} from {@code srcOffset} at element {@code at} of layer storage {@code layer}. */
    void write(int layer, int at, float[] src, int srcOffset, int n);

    /** Reads {@code n} elements from element {@code at} of layer storage {@code layer} into {@code dst[0..n)}. */
    void read(int layer, int at, int n, float[] dst);

    /**
     * Refuses, naming the sizes, a cache that cannot be held: F32 and F16 arrays beyond the free Java heap (after one
     * collection, when it looks tight), the other types' native blocks beyond the machine's physical memory. Without
     * this a long {@code --ctx} died of an {@link OutOfMemoryError} part-way through start-up.
     */
    static void requireRoom(KvCacheType type, long bytes, String what) {
        if (onHeap(type)) {
            long free = freeHeap();
            if (bytes > free) {
                System.gc();
                free = freeHeap();
            }
            if (bytes > free) {
                throw new InvalidInputException(what + " needs " + gib(bytes) + " of Java heap and " + gib(free)
                        + " is free (maximum " + gib(Runtime.getRuntime().maxMemory()) + "); use a smaller context, "
                        + "--kv-cache-type q8_0 (off the heap, 0.53x of f16), or more heap (QWEN4J_JAVA_OPTS=-Xmx...)");
            }
            return;
        }
        long physical = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        if (bytes > physical) {
            throw new InvalidInputException(what + " needs " + gib(bytes) + " and this machine has " + gib(physical)
                    + " of memory; use a smaller context or a smaller --kv-cache-type");
        }
    }

    private static long freeHeap() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }

    /** Whether {@code type} is held in Java arrays ({@link Floats}, {@link Halves}) rather than native {@link Blocks}. */
    private static boolean onHeap(KvCacheType type) {
        return type == KvCacheType.F32 || type == KvCacheType.F16;
    }

    /** {@code layers} arrays of {@code elements} elements each, zero. */
    static KvStore create(KvCacheType type, int layers, int elements) {
        if (!onHeap(type)) {
            return Blocks.create(type, layers, elements);
        }
        return type == KvCacheType.F32 ? new Floats(new float[layers][elements]) : new Halves(new short[layers][elements]);
    }

    /** As computed. */
    record Floats(float[][] layers) implements KvStore {
        @Override
        public void write(int layer, int at, float[] src, int srcOffset, int n) {
            System.arraycopy(src, srcOffset, layers[layer], at, n);
        }

        @Override
        public void read(int layer, int at, int n, float[] dst) {
            System.arraycopy(layers[layer], at, dst, 0, n);
        }
    }

    /** IEEE half precision, rounded to nearest even. */
    record Halves(short[][] layers) implements KvStore {
        @Override
        public void write(int layer, int at, float[] src, int srcOffset, int n) {
            short[] halves = layers[layer];
            for (int i = 0; i < n; i++) {
                halves[at + i] = Float.floatToFloat16(src[srcOffset + i]);
            }
        }

        /**
         * C2 vectorises this plain loop (F16C); the float dot/axpy that follows is the Vector API one, about 3x the
         * fused scalar loop, which cannot vectorise a float sum.
         */
        @Override
        public void read(int layer, int at, int n, float[] dst) {
            short[] halves = layers[layer];
            for (int d = 0; d < n; d++) {
                dst[d] = Float.float16ToFloat(halves[at + d]);
            }
        }
    }

    /**
     * A GGUF tensor format's blocks (BF16 and the 32-element quantized types), quantized by its reference quantizer and
     * read back by its vector decoder, in native memory as mapped weights are (the decoders are compiled for native
     * segments). {@link KvSlots} writes and reads whole heads, so whole blocks.
     */
    record Blocks(QuantFormat format, MemorySegment[] layers) implements KvStore {

        static Blocks create(KvCacheType type, int layers, int elements) {
            QuantFormat format = QuantFormats.of(type.storage);
            MemorySegment[] segments = new MemorySegment[layers];
            // freed with the cache, by the collector, as the heap arrays of the other types are
            Arena arena = Arena.ofAuto();
            for (int l = 0; l < layers; l++) {
                segments[l] = arena.allocate(type.bytesFor(elements), 64);
            }
            return new Blocks(format, segments);
        }

        @Override
        public void write(int layer, int at, float[] src, int srcOffset, int n) {
            format.quantize(src, srcOffset, n, layers[layer], format.type().bytesFor(at));
        }

        @Override
        public void read(int layer, int at, int n, float[] dst) {
            format.decodeToFloats(layers[layer], format.type().bytesFor(at), dst, 0, n);
        }
    }
}
