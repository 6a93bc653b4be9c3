package org.ddimspark.benchmark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.sampling.DdimSampler;
import org.ddimspark.sampling.SamplerOptions;

/**
 * Measures a loaded model: the forward of a fixed set of rows (seeded noise at the noisiest point of the
 * path, classes {@code i mod num_classes}) for each forward batch, with the median of several runs after
 * warm-up runs, and a short DDIM sampling of the same rows with the card's forward batch and guidance,
 * split into network and sampler time. The first forward batch is the baseline that the others are
 * compared with. The engine's intra-op threads are those the JVM started with
 * ({@code ai.djl.pytorch.num_threads}): changing them in a running engine takes other code paths than a
 * job's. Build with {@link #builder()}.
 */
public final class ForwardBenchmark {

    private final int rows;
    private final int[] forwardBatches;
    private final int warmups;
    private final int repeats;
    private final int steps;

    private ForwardBenchmark(Builder b) {
        this.rows = b.rows;
        this.forwardBatches = b.forwardBatches;
        this.warmups = b.warmups;
        this.repeats = b.repeats;
        this.steps = b.steps;
    }

    /** Returns a builder: 64 rows, the card's forward batch, 2 warm-up runs, 5 runs, 10 steps. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Measures every forward batch, in order.
     *
     * @param model the loaded model
     * @return one timing per forward batch, the baseline first
     */
    public List<ForwardTiming> forwards(TorchScriptModel model) {
        ModelCard card = model.card();
        float[] x = SeededRows.latents(card, 0, rows);
        float[] t = new float[rows];
        Arrays.fill(t, (float) card.noisiestLevel().modelTime());
        int[] classes = SeededRows.classes(card, 0, rows);
        long[] y = classes == null ? null : Arrays.stream(classes).asLongStream().toArray();
        int[] batches = forwardBatches.length > 0 ? forwardBatches : new int[] {card.forwardBatch()};
        List<ForwardTiming> timings = new ArrayList<>();
        float[] baseline = null;
        for (int batch : batches) {
            try (TorchScriptDenoiser denoiser = model.newDenoiser(batch)) {
                float[] out = null;
                double first = Double.NaN;
                for (int i = 0; i < warmups; i++) {
                    long started = System.nanoTime();
                    out = denoiser.forward(x, t, y, rows);
                    if (i == 0) {
                        first = (System.nanoTime() - started) / 1e9;
                    }
                }
                double[] seconds = new double[repeats];
                for (int i = 0; i < repeats; i++) {
                    long started = System.nanoTime();
                    out = denoiser.forward(x, t, y, rows);
                    seconds[i] = (System.nanoTime() - started) / 1e9;
                }
                if (baseline == null) {
                    baseline = out;
                }
                timings.add(new ForwardTiming(batch, median(seconds), rows, maxDifference(out, baseline),
                        warmups > 0 ? first : seconds[0]));
            }
        }
        return timings;
    }

    /**
     * Samples the benchmark's rows from seeded x_T with the card's forward batch and guidance, eta 0 and
     * uniform spacing, timing the network apart from the rest.
     *
     * @param model the loaded model
     * @return the timing
     * @throws IllegalStateException when the benchmark was built with 0 steps
     */
    public SamplerTiming sampler(TorchScriptModel model) {
        if (steps == 0) {
            throw new IllegalStateException("this benchmark was built with 0 sampling steps");
        }
        ModelCard card = model.card();
        long[] seeds = LongStream.range(0, rows).toArray();
        float[] latents = SeededRows.latents(card, 0, rows);
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).build();
        try (TimedDenoiser denoiser = new TimedDenoiser(model.newDenoiser())) {
            DdimSampler sampler = new DdimSampler(denoiser, options);
            long started = System.nanoTime();
            sampler.sample(latents, seeds, SeededRows.classes(card, 0, rows));
            double seconds = (System.nanoTime() - started) / 1e9;
            int perStep = (int) (denoiser.rows() / Math.max(denoiser.calls(), 1));
            return new SamplerTiming(sampler.levels().length - 1, rows, perStep, seconds, denoiser.seconds());
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    /** Builds a {@link ForwardBenchmark}. */
    public static final class Builder {

        private int rows = 64;
        private int[] forwardBatches = {};
        private int warmups = 2;
        private int repeats = 5;
        private int steps = 10;

        private Builder() {}

        /**
         * Sets the rows of every measured forward and of the sampling (default 64).
         *
         * @param rows at least 1
         * @return this builder
         */
        public Builder optRows(int rows) {
            this.rows = atLeast(rows, 1, "rows");
            return this;
        }

        /**
         * Sets the forward batches to measure, the first being the baseline (default: the card's).
         *
         * @param forwardBatches each at least 1, no repeats
         * @return this builder
         */
        public Builder optForwardBatches(int... forwardBatches) {
            this.forwardBatches = distinct(forwardBatches, "forward batch");
            return this;
        }

        /**
         * Sets the runs made and not measured before each configuration (default 2).
         *
         * @param warmups at least 0
         * @return this builder
         */
        public Builder optWarmups(int warmups) {
            this.warmups = atLeast(warmups, 0, "warm-up runs");
            return this;
        }

        /**
         * Sets the runs measured per configuration, of which the median counts (default 5).
         *
         * @param repeats at least 1
         * @return this builder
         */
        public Builder optRepeats(int repeats) {
            this.repeats = atLeast(repeats, 1, "runs");
            return this;
        }

        /**
         * Sets the steps of the timed sampling (default 10).
         *
         * @param steps at least 0; 0 for no sampling
         * @return this builder
         */
        public Builder optSteps(int steps) {
            this.steps = atLeast(steps, 0, "steps");
            return this;
        }

        /** Returns the benchmark. */
        public ForwardBenchmark build() {
            return new ForwardBenchmark(this);
        }

        private static int atLeast(int value, int min, String what) {
            if (value < min) {
                throw new IllegalArgumentException(what + " must be at least " + min + ", got " + value);
            }
            return value;
        }

        private static int[] distinct(int[] values, String what) {
            Set<Integer> seen = new LinkedHashSet<>();
            for (int v : values) {
                atLeast(v, 1, what);
                if (!seen.add(v)) {
                    throw new IllegalArgumentException(what + " " + v + " is given twice");
                }
            }
            return values.clone();
        }
    }
}
