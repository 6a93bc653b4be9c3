package org.ddimspark.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.schedule.NoiseLevel;
import org.ddimspark.schedule.Spacing;
import org.ddimspark.testing.GaussianDenoiser;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.ReferenceDdim;
import org.ddimspark.testing.RelativeError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DdimSamplerTest {

    static final int[] SHAPE = {1, 4, 6};
    static final long[] SEEDS = {0L, 7L, -123456789L};
    private static final int CLASSES = 3;
    /** The worst relative error seen per "spacing / prediction", printed for the record. */
    private static final Map<String, Double> WORST = new TreeMap<>();

    static Stream<Arguments> diffusionCases() {
        List<Arguments> cases = new ArrayList<>();
        String[][] models = {{"epsilon", Models.LINEAR, "index"}, {"v_prediction", Models.COSINE, "unit"},
            {"sample", Models.SCALED_LINEAR, "index"}};
        for (Spacing spacing : Spacing.values()) {
            for (String[] m : models) {
                for (int steps : new int[] {10, 50}) {
                    for (double eta : new double[] {0.0, 0.7}) {
                        for (double guidance : new double[] {Double.NaN, 1.0, 3.0}) {
                            cases.add(Arguments.of(spacing, m[0], m[1], m[2], steps, eta, guidance));
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    /**
     * Every spacing and prediction type, with and without guidance, against an independent double-precision
     * DDIM. NaN guidance means an unconditional model.
     */
    @ParameterizedTest(name = "{0} {1} S={4} eta={5} g={6}")
    @MethodSource("diffusionCases")
    void diffusionMatchesDoublePrecisionReference(Spacing spacing, String prediction, String schedule, String input,
            int steps, double eta, double guidance) {
        boolean conditional = !Double.isNaN(guidance);
        ModelCard card = Models.card(prediction, schedule, input, SHAPE, conditional ? CLASSES : 0);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5);
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).optEta(eta).optSpacing(spacing)
                .optGuidance(conditional ? guidance : Double.NaN).build();
        int[] classes = conditional ? new int[] {0, 2, 1} : null;
        float[] latents = latents();
        BatchResult result = new DdimSampler(model, options).sample(latents, SEEDS, classes);

        double[] ab = ReferenceDdim.alphaBars(card.schedule().kind().id(), 1000,
                card.schedule().betaStart(), card.schedule().betaEnd());
        int[] ascending = spacing.timesteps(1000, steps);
        int[] descending = new int[ascending.length];
        for (int i = 0; i < ascending.length; i++) {
            descending[i] = ascending[ascending.length - 1 - i];
        }
        double worst = 0;
        for (int r = 0; r < SEEDS.length; r++) {
            assertNull(result.errors()[r]);
            double[] expected = ReferenceDdim.sampleDiffusion(model, prediction, ab, descending, row(latents, r),
                    SEEDS[r], eta, conditional ? classes[r] : 0, conditional ? CLASSES : 0,
                    conditional ? guidance : 1.0);
            worst = Math.max(worst, RelativeError.of(result.samples(), r * expected.length, expected));
        }
        record(spacing.id() + " / " + prediction, worst);
        assertTrue(worst < 1e-5, "relative error " + worst);
    }

    static Stream<Arguments> flowCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int steps : new int[] {1, 10, 50}) {
            for (double shift : new double[] {1.0, 3.0}) {
                for (double eta : new double[] {0.0, 0.7, 1.0}) {
                    for (double guidance : new double[] {Double.NaN, 1.0, 3.0}) {
                        for (String input : new String[] {"index", "unit"}) {
                            cases.add(Arguments.of(steps, shift, eta, guidance, input));
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "flow S={0} shift={1} eta={2} g={3} {4}")
    @MethodSource("flowCases")
    void flowMatchesDoublePrecisionReference(int steps, double shift, double eta, double guidance, String input) {
        boolean conditional = !Double.isNaN(guidance);
        ModelCard card = Models.card("flow_velocity", Models.FLOW, input, SHAPE, conditional ? CLASSES : 0);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5);
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).optEta(eta).optShift(shift)
                .optGuidance(conditional ? guidance : Double.NaN).build();
        int[] classes = conditional ? new int[] {1, 0, 2} : null;
        float[] latents = latents();
        BatchResult result = new DdimSampler(model, options).sample(latents, SEEDS, classes);

        double[] times = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            double t = (double) (steps - i) / steps;
            times[i] = shift * t / (1 + (shift - 1) * t);
        }
        double worst = 0;
        for (int r = 0; r < SEEDS.length; r++) {
            double[] expected = ReferenceDdim.sampleFlow(model, times, row(latents, r), SEEDS[r], eta,
                    conditional ? classes[r] : 0, conditional ? CLASSES : 0, conditional ? guidance : 1.0);
            worst = Math.max(worst, RelativeError.of(result.samples(), r * expected.length, expected));
        }
        record("uniform / flow_velocity", worst);
        assertTrue(worst < 1e-5, "relative error " + worst);
    }

    @Test
    void guidanceRunsBothHalvesInOneForward() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, CLASSES);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5);
        int[] batchSizes = new int[1];
        Denoiser counting = new Denoiser() {
            @Override
            public ModelCard card() {
                return card;
            }

            @Override
            public float[] forward(float[] x, float[] t, long[] y, int batch) {
                batchSizes[0] = batch;
                assertArrayEquals(new long[] {0, 2, 1, CLASSES, CLASSES, CLASSES}, y);
                return model.forward(x, t, y, batch);
            }

            @Override
            public void close() {}
        };
        SamplerOptions options = SamplerOptions.builder().setSteps(10).optGuidance(2.5).build();
        new DdimSampler(counting, options).sample(latents(), SEEDS, new int[] {0, 2, 1});
        assertEquals(6, batchSizes[0]);
    }

    @Test
    void resultOfARequestDoesNotDependOnItsBatch() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, CLASSES);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5);
        DdimSampler sampler = new DdimSampler(model,
                SamplerOptions.builder().setSteps(20).optEta(0.5).optGuidance(2).build());
        float[] latents = latents();
        BatchResult all = sampler.sample(latents, SEEDS, new int[] {0, 2, 1});
        BatchResult alone = sampler.sample(row32(latents, 1), new long[] {SEEDS[1]}, new int[] {2});
        for (int i = 0; i < card.sampleSize(); i++) {
            assertEquals(Float.floatToIntBits(all.samples()[card.sampleSize() + i]), Float.floatToIntBits(alone.samples()[i]));
        }
    }

    @Test
    void nonFiniteModelOutputBecomesAnErrorOfThatRequestOnly() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, 0);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5);
        Denoiser poisoned = new Denoiser() {
            @Override
            public ModelCard card() {
                return card;
            }

            @Override
            public float[] forward(float[] x, float[] t, long[] y, int batch) {
                float[] out = model.forward(x, t, y, batch);
                if (t[0] < 500) {
                    out[card.sampleSize() + 3] = Float.NaN; // request 1, from the first step below t = 500
                }
                return out;
            }

            @Override
            public void close() {}
        };
        BatchResult result = new DdimSampler(poisoned, SamplerOptions.builder().setSteps(10).build())
                .sample(latents(), SEEDS, null);
        assertNull(result.errors()[0]);
        assertEquals("model output is not finite: at step 6 of 10 (t=400)", result.errors()[1]);
        assertNull(result.errors()[2]);
    }

    @Test
    void clipSampleKeepsX0InsideTheValueRange() {
        ModelCard card = Models.card("sample", Models.LINEAR, "index", SHAPE, 0);
        // data far outside [-1, 1]: without clipping the samples leave the range, with clipping they cannot
        double[][] means = GaussianDenoiser.sineMeans(card, 3.0);
        GaussianDenoiser model = new GaussianDenoiser(card, means, 0.2);
        float[] free = new DdimSampler(model, SamplerOptions.builder().setSteps(10).build())
                .sample(latents(), SEEDS, null).samples();
        float[] clipped = new DdimSampler(model, SamplerOptions.builder().setSteps(10).optClipSample(true).build())
                .sample(latents(), SEEDS, null).samples();
        float maxFree = 0;
        float maxClipped = 0;
        for (int i = 0; i < free.length; i++) {
            maxFree = Math.max(maxFree, Math.abs(free[i]));
            maxClipped = Math.max(maxClipped, Math.abs(clipped[i]));
        }
        assertTrue(maxFree > 2.0, "unclipped max " + maxFree);
        assertEquals(1.0f, maxClipped, 0.0f);
    }

    @Test
    void dynamicThresholdingScalesBySampleQuantile() {
        double[] values = {0.5, -3.0, 2.0, 1.0, -0.2};
        // sorted |v| = 0.2 0.5 1 2 3; q = 0.5 -> position 2 -> 1.0; q = 0.9 -> 3.6 -> 2 + 0.6 * 1 = 2.6
        assertEquals(1.0, DdimSampler.quantile(abs(values), 0.5), 1e-12);
        assertEquals(2.6, DdimSampler.quantile(abs(values), 0.9), 1e-12);

        ModelCard card = Models.card("sample", Models.LINEAR, "index", SHAPE, 0);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 3.0), 0.2);
        float[] out = new DdimSampler(model,
                SamplerOptions.builder().setSteps(10).optDynamicThreshold(0.9, 10).build())
                .sample(latents(), SEEDS, null).samples();
        for (float v : out) {
            assertTrue(Math.abs(v) <= 1.0f + 1e-6f, "thresholded value " + v);
        }
        // the thresholded sample keeps its shape: divided by s, not clipped flat, so few values sit at +-1
        long atBound = 0;
        for (float v : out) {
            atBound += Math.abs(Math.abs(v) - 1.0f) < 1e-6 ? 1 : 0;
        }
        assertTrue(atBound < out.length / 4, atBound + " of " + out.length + " values at the bound");
    }

    // --- eta > 0: distributions against the closed form of the discrete chain --------------------------------

    /**
     * With the exact denoiser of N(mu, s^2), every DDIM step is affine-Gaussian, so the law of the output is
     * N(m, v) per element with m and v given by the recursion m_s - a_s mu = k (m_t - a_t mu), v_s = k^2 v_t +
     * sigma^2, k = (a_s a_t s^2 + c b_t) / (a_t^2 s^2 + b_t^2), c = sqrt(b_s^2 - sigma^2), from x_T ~ N(0, 1).
     */
    static double[] chainLaw(NoiseLevel[] levels, double eta, double mu, double s) {
        double m = 0;
        double v = 1;
        for (int k = 0; k + 1 < levels.length; k++) {
            NoiseLevel from = levels[k];
            NoiseLevel to = levels[k + 1];
            double sigma = DdimStep.sigma(eta, from, to);
            double c = Math.sqrt(Math.max(to.b() * to.b() - sigma * sigma, 0));
            double gain = (to.a() * from.a() * s * s + c * from.b()) / (from.a() * from.a() * s * s + from.b() * from.b());
            m = to.a() * mu + gain * (m - from.a() * mu);
            v = gain * gain * v + sigma * sigma;
        }
        return new double[] {m, v};
    }

    @ParameterizedTest(name = "eta={0} S={1} {2}")
    @MethodSource("statisticsCases")
    void sampleMeanAndVarianceMatchTheChainsClosedForm(double eta, int steps, String kind) {
        boolean flow = kind.equals("flow");
        int[] shape = {1, 16, 16};
        ModelCard card = flow ? Models.card("flow_velocity", Models.FLOW, "index", shape, 0)
                : Models.card("epsilon", Models.LINEAR, "index", shape, 0);
        double s = 0.3;
        double[][] means = GaussianDenoiser.sineMeans(card, 0.8);
        GaussianDenoiser model = new GaussianDenoiser(card, means, s);
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).optEta(eta).build();
        DdimSampler sampler = new DdimSampler(model, options);
        int seeds = 200;
        int size = card.sampleSize();
        double sumZ = 0;
        double sumZ2 = 0;
        long n = 0;
        for (int batchStart = 0; batchStart < seeds; batchStart += 50) {
            long[] batchSeeds = new long[50];
            float[] latents = new float[50 * size];
            for (int r = 0; r < 50; r++) {
                batchSeeds[r] = 1000 + batchStart + r;
                SeededNoise.fill(batchSeeds[r], SeededNoise.LATENT_STREAM, latents, r * size, size);
            }
            float[] out = sampler.sample(latents, batchSeeds, null).samples();
            for (int r = 0; r < 50; r++) {
                for (int i = 0; i < size; i++) {
                    double[] law = chainLaw(sampler.levels(), eta, means[0][i], s);
                    double z = (out[r * size + i] - law[0]) / Math.sqrt(law[1]);
                    sumZ += z;
                    sumZ2 += z * z;
                    n++;
                }
            }
        }
        double meanZ = sumZ / n;
        double varZ = sumZ2 / n - meanZ * meanZ;
        // the standardised values are N(0, 1): their mean has sd 1/sqrt(n), their variance sd sqrt(2/n)
        assertEquals(0.0, meanZ, 5 / Math.sqrt(n), "standardised mean");
        assertEquals(1.0, varZ, 5 * Math.sqrt(2.0 / n), "standardised variance");
    }

    static Stream<Arguments> statisticsCases() {
        return Stream.of(Arguments.of(0.0, 20, "diffusion"), Arguments.of(0.5, 20, "diffusion"),
                Arguments.of(1.0, 20, "diffusion"), Arguments.of(1.0, 5, "diffusion"),
                Arguments.of(0.5, 20, "flow"), Arguments.of(1.0, 10, "flow"));
    }

    @Test
    void etaOneIsTheDdpmPosteriorVariance() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, 0);
        double[] betas = card.schedule().betas();
        double[] ab = card.schedule().alphaBars();
        NoiseLevel[] levels = SamplerOptions.builder().setSteps(1000).build().levels(card);
        assertEquals(1001, levels.length);
        for (int k = 0; k < 1000; k++) {
            int t = 999 - k;
            double sigma = DdimStep.sigma(1.0, levels[k], levels[k + 1]);
            // DDPM: beta-tilde_t = (1 - ab_{t-1}) / (1 - ab_t) beta_t, and 0 for the last step
            double posterior = t == 0 ? 0.0 : (1 - ab[t - 1]) / (1 - ab[t]) * betas[t];
            assertEquals(posterior, sigma * sigma, 1e-12 * Math.max(posterior, 1e-300), "t=" + t);
        }
    }

    @Test
    void statisticsConvergeToTheDataAsStepsGrow() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, 0);
        double s = 0.3;
        double mu = 0.7;
        for (double eta : new double[] {0.0, 1.0}) {
            double previous = Double.POSITIVE_INFINITY;
            for (int steps : new int[] {2, 5, 10, 50, 200, 1000}) {
                NoiseLevel[] levels = SamplerOptions.builder().setSteps(steps).optEta(eta).build().levels(card);
                double[] law = chainLaw(levels, eta, mu, s);
                double error = Math.abs(law[0] - mu) + Math.abs(Math.sqrt(law[1]) - s);
                assertTrue(error < previous, "eta=" + eta + " S=" + steps + ": " + error + " >= " + previous);
                previous = error;
            }
            // x_T ~ N(0, 1) instead of the exact N(a_T mu, a_T^2 s^2 + b_T^2) leaves a residue of about a_T = 0.006
            assertTrue(previous < 0.01, "eta=" + eta + " at S=1000: " + previous);
        }
        // and empirically at S = 1000 with eta = 1 (DDPM)
        GaussianDenoiser model = new GaussianDenoiser(card, constantMeans(card, mu), s);
        DdimSampler sampler = new DdimSampler(model, SamplerOptions.builder().setSteps(1000).optEta(1).build());
        int seeds = 40;
        float[] latents = new float[seeds * card.sampleSize()];
        long[] seedList = new long[seeds];
        for (int r = 0; r < seeds; r++) {
            seedList[r] = r;
            SeededNoise.fill(r, SeededNoise.LATENT_STREAM, latents, r * card.sampleSize(), card.sampleSize());
        }
        float[] out = sampler.sample(latents, seedList, null).samples();
        double sum = 0;
        double sum2 = 0;
        for (float v : out) {
            sum += v;
            sum2 += v * v;
        }
        double mean = sum / out.length;
        double sd = Math.sqrt(sum2 / out.length - mean * mean);
        assertEquals(mu, mean, 5 * s / Math.sqrt(out.length));
        assertEquals(s, sd, 5 * s / Math.sqrt(2.0 * out.length) + 0.01);
    }

    @AfterAll
    static void printWorstErrors() {
        System.out.println("max relative error vs double-precision reference (spacing / prediction):");
        WORST.forEach((key, value) -> System.out.printf("  %-28s %.3e%n", key, value));
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private static synchronized void record(String key, double error) {
        WORST.merge(key, error, Math::max);
    }

    private static double[][] constantMeans(ModelCard card, double mu) {
        double[][] means = new double[2][card.sampleSize()];
        java.util.Arrays.fill(means[0], mu);
        return means;
    }

    private static double[] abs(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.abs(values[i]);
        }
        return out;
    }

    /** x_T of each of {@link #SEEDS}, for the shape {@link #SHAPE}. */
    static float[] latents() {
        int size = SHAPE[0] * SHAPE[1] * SHAPE[2];
        float[] x = new float[SEEDS.length * size];
        for (int r = 0; r < SEEDS.length; r++) {
            SeededNoise.fill(SEEDS[r], SeededNoise.LATENT_STREAM, x, r * size, size);
        }
        return x;
    }

    /** Request r's values of {@link #latents()}, in double. */
    static double[] row(float[] latents, int r) {
        int size = latents.length / SEEDS.length;
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = latents[r * size + i];
        }
        return out;
    }

    private static float[] row32(float[] latents, int r) {
        int size = latents.length / SEEDS.length;
        return java.util.Arrays.copyOfRange(latents, r * size, (r + 1) * size);
    }
}
