package org.ddimspark.sampling;

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

class DdimInverterTest {

    private static final int[] SHAPE = {1, 4, 6};
    private static final int CLASSES = 3;
    private static final double S = 0.5;
    /** The worst relative error seen per "spacing / prediction", printed for the record. */
    private static final Map<String, Double> WORST = new TreeMap<>();

    static Stream<Arguments> diffusionCases() {
        List<Arguments> cases = new ArrayList<>();
        String[][] models = {{"epsilon", Models.LINEAR, "index"}, {"v_prediction", Models.COSINE, "unit"},
            {"sample", Models.SCALED_LINEAR, "index"}};
        for (Spacing spacing : new Spacing[] {Spacing.UNIFORM, Spacing.QUAD, Spacing.TRAILING}) {
            for (String[] m : models) {
                for (int steps : new int[] {10, 50}) {
                    for (double guidance : new double[] {Double.NaN, 1.0, 3.0}) {
                        cases.add(Arguments.of(spacing, m[0], m[1], m[2], steps, guidance));
                    }
                }
            }
        }
        return cases.stream();
    }

    /** Every prediction type, three spacings, with and without guidance, against a double-precision inversion. */
    @ParameterizedTest(name = "{0} {1} S={4} g={5}")
    @MethodSource("diffusionCases")
    void diffusionInversionMatchesDoublePrecisionReference(Spacing spacing, String prediction, String schedule,
            String input, int steps, double guidance) {
        boolean conditional = !Double.isNaN(guidance);
        ModelCard card = Models.card(prediction, schedule, input, SHAPE, conditional ? CLASSES : 0);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), S);
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).optSpacing(spacing)
                .optGuidance(conditional ? guidance : Double.NaN).build();
        int[] classes = conditional ? new int[] {2, 0, 1} : null;
        float[] images = images(model, card, classes, 3);
        BatchResult result = new DdimInverter(model, options).invert(images, classes);

        double[] ab = ReferenceDdim.alphaBars(card.schedule().kind().id(), 1000,
                card.schedule().betaStart(), card.schedule().betaEnd());
        int[] ascending = spacing.timesteps(1000, steps);
        double worst = 0;
        for (int r = 0; r < 3; r++) {
            assertNull(result.errors()[r]);
            double[] expected = ReferenceDdim.invertDiffusion(model, prediction, ab, ascending, row(images, r, card),
                    conditional ? classes[r] : 0, conditional ? CLASSES : 0, conditional ? guidance : 1.0);
            worst = Math.max(worst, RelativeError.of(result.samples(), r * expected.length, expected));
        }
        record(spacing.id() + " / " + prediction, worst);
        assertTrue(worst < 1e-5, "relative error " + worst);
    }

    @ParameterizedTest(name = "flow S={0} shift={1} {2}")
    @MethodSource("flowCases")
    void flowInversionIsForwardEuler(int steps, double shift, String input) {
        ModelCard card = Models.card("flow_velocity", Models.FLOW, input, SHAPE, CLASSES);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), S);
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).optShift(shift).optGuidance(2.0).build();
        int[] classes = {1, 2, 0};
        float[] images = images(model, card, classes, 3);
        BatchResult result = new DdimInverter(model, options).invert(images, classes);
        double[] times = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            double t = (double) i / steps;
            times[i] = shift * t / (1 + (shift - 1) * t);
        }
        double worst = 0;
        for (int r = 0; r < 3; r++) {
            double[] expected = ReferenceDdim.invertFlow(model, times, row(images, r, card), classes[r], CLASSES, 2.0);
            worst = Math.max(worst, RelativeError.of(result.samples(), r * expected.length, expected));
        }
        record("uniform / flow_velocity", worst);
        assertTrue(worst < 1e-5, "relative error " + worst);
    }

    @AfterAll
    static void printWorstErrors() {
        System.out.println("inversion: max relative error vs double-precision reference (spacing / prediction):");
        WORST.forEach((key, value) -> System.out.printf("  %-28s %.3e%n", key, value));
    }

    private static synchronized void record(String key, double error) {
        WORST.merge(key, error, Math::max);
    }

    static Stream<Arguments> flowCases() {
        return Stream.of(Arguments.of(2, 1.0, "index"), Arguments.of(10, 1.0, "unit"), Arguments.of(50, 3.0, "index"));
    }

    /**
     * For Gaussian data the ODE keeps (x_t - a_t mu) / sqrt(a_t^2 s^2 + b_t^2) fixed, so the exact latent
     * is known: inversion converges to it, and inverting then sampling converges to the identity.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("convergenceCases")
    void inversionConvergesToTheExactLatentAndBack(String prediction, String schedule) {
        ModelCard card = Models.card(prediction, schedule, "index", SHAPE, 0);
        double[][] means = GaussianDenoiser.sineMeans(card, 0.8);
        GaussianDenoiser model = new GaussianDenoiser(card, means, S);
        float[] images = images(model, card, null, 2);
        double previousLatent = Double.POSITIVE_INFINITY;
        double previousRoundTrip = Double.POSITIVE_INFINITY;
        for (int steps : new int[] {10, 20, 50, 100, 200, 500}) {
            SamplerOptions options = SamplerOptions.builder().setSteps(steps).build();
            DdimInverter inverter = new DdimInverter(model, options);
            BatchResult latents = inverter.invert(images, null);
            NoiseLevel top = inverter.levels()[steps];
            double scale = Math.sqrt(top.a() * top.a() * S * S + top.b() * top.b());
            double latentError = 0;
            for (int i = 0; i < images.length; i++) {
                double mu = means[0][i % card.sampleSize()];
                double exact = top.a() * mu + scale * (images[i] - mu) / S;
                latentError = Math.max(latentError, Math.abs(latents.samples()[i] - exact));
            }
            BatchResult back = new DdimSampler(model, options).sample(latents.samples(), new long[2], null);
            double roundTrip = 0;
            for (int i = 0; i < images.length; i++) {
                roundTrip = Math.max(roundTrip, Math.abs(back.samples()[i] - images[i]));
            }
            System.out.printf("%s S=%d: max |latent - exact| %.2e, max |x0 - inverted and sampled| %.2e%n",
                    prediction, steps, latentError, roundTrip);
            assertTrue(latentError < previousLatent, "latent error at S=" + steps + ": " + latentError);
            assertTrue(roundTrip < previousRoundTrip, "round trip error at S=" + steps + ": " + roundTrip);
            previousLatent = latentError;
            previousRoundTrip = roundTrip;
        }
        assertTrue(previousLatent < 0.02, "latent error at S=500: " + previousLatent);
        assertTrue(previousRoundTrip < 0.015, "round trip error at S=500: " + previousRoundTrip);
    }

    static Stream<Arguments> convergenceCases() {
        return Stream.of(Arguments.of("epsilon", Models.LINEAR), Arguments.of("v_prediction", Models.COSINE),
                Arguments.of("flow_velocity", Models.FLOW));
    }

    @Test
    void nonFiniteModelOutputBecomesAnErrorOfThatRequestOnly() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, 0);
        GaussianDenoiser model = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), S);
        Denoiser poisoned = new Denoiser() {
            @Override
            public ModelCard card() {
                return card;
            }

            @Override
            public float[] forward(float[] x, float[] t, long[] y, int batch) {
                float[] out = model.forward(x, t, y, batch);
                if (t[0] > 500) {
                    out[3] = Float.POSITIVE_INFINITY; // request 0, from the first target above t = 500
                }
                return out;
            }

            @Override
            public void close() {}
        };
        BatchResult result = new DdimInverter(poisoned, SamplerOptions.builder().setSteps(10).build())
                .invert(images(model, card, null, 2), null);
        assertEquals("model output is not finite: at inversion step 7 of 10 (t=600)", result.errors()[0]);
        assertNull(result.errors()[1]);
    }

    /** Draws clean samples from each request's class Gaussian, with seeded noise. */
    private static float[] images(GaussianDenoiser model, ModelCard card, int[] classes, int batch) {
        int size = card.sampleSize();
        double[][] means = GaussianDenoiser.sineMeans(card, 0.8);
        float[] images = new float[batch * size];
        for (int r = 0; r < batch; r++) {
            int y = classes == null ? 0 : classes[r];
            for (int i = 0; i < size; i++) {
                images[r * size + i] = (float) (means[y][i] + S * SeededNoise.gaussian(100 + r, 0, i));
            }
        }
        return images;
    }

    private static double[] row(float[] values, int r, ModelCard card) {
        int size = card.sampleSize();
        double[] row = new double[size];
        for (int i = 0; i < size; i++) {
            row[i] = values[r * size + i];
        }
        return row;
    }
}
