package org.ddimspark.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.ddimspark.testing.PerturbedDenoiser;
import org.ddimspark.testing.ReferenceBelm;
import org.ddimspark.testing.ReferenceDdim;
import org.ddimspark.testing.RelativeError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exact solver ({@link ExactInverter}, {@link ExactSampler}) against the independent double-precision
 * O-BELM of {@link ReferenceBelm}, on the closed-form models: every prediction type, spacings, flows with
 * shifts, guided and not, and with a fixed 1e-6 relative perturbation of the model's outputs.
 */
class ExactSolverTest {

    private static final int[] SHAPE = {1, 4, 6};
    private static final int CLASSES = 3;
    private static final double S = 0.5;
    private static final int BATCH = 3;
    /** The worst figures per case kind, printed for the record. */
    private static final Map<String, double[]> WORST = new TreeMap<>();

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        String[][] models = {{"epsilon", Models.LINEAR, "index"}, {"v_prediction", Models.COSINE, "unit"},
            {"sample", Models.SCALED_LINEAR, "index"}, {"flow_velocity", Models.FLOW, "unit"},
            {"flow_velocity", Models.FLOW, "index"}};
        for (String[] m : models) {
            boolean flow = m[0].equals("flow_velocity");
            for (Spacing spacing : flow ? new Spacing[] {Spacing.UNIFORM} : new Spacing[] {Spacing.UNIFORM, Spacing.QUAD}) {
                for (double shift : flow ? new double[] {1.0, 3.0} : new double[] {1.0}) {
                    for (int steps : new int[] {1, 2, 10, 50}) {
                        for (double guidance : new double[] {Double.NaN, 1.0, 3.0}) {
                            for (double perturbation : new double[] {0.0, 1e-6}) {
                                cases.add(Arguments.of(m[0], m[1], m[2], spacing, shift, steps, guidance, perturbation));
                            }
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    /**
     * Inverts three images and samples their pairs back: the latents agree with the reference's, and the round
     * trip gives back the images, in float32 to MSE 1e-11 and max error 5e-5, the perturbed model as well as the
     * closed form, in the reference's float64 to MSE 1e-20.
     */
    @ParameterizedTest(name = "{0} {3} shift={4} S={5} g={6} noise={7}")
    @MethodSource("cases")
    void roundTripMatchesTheDoublePrecisionReference(String prediction, String schedule, String input, Spacing spacing,
            double shift, int steps, double guidance, double perturbation) {
        boolean conditional = !Double.isNaN(guidance);
        ModelCard card = Models.card(prediction, schedule, input, SHAPE, conditional ? CLASSES : 0);
        GaussianDenoiser gaussian = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), S);
        Denoiser model = perturbation == 0.0 ? gaussian : new PerturbedDenoiser(gaussian, perturbation);
        // the reference starts from the DDIM inversion step's point, unrefined
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).optSpacing(spacing).optShift(shift)
                .optGuidance(conditional ? guidance : Double.NaN).optSolver(Solver.EXACT).optRefine(0).build();
        int[] classes = conditional ? new int[] {2, 0, 1} : null;
        float[] images = images(card, classes);
        BatchResult pairs = new ExactInverter(model, options).invert(images, classes);
        BatchResult back = new ExactSampler(model, options).sample(pairs.samples(), new long[BATCH], classes);

        int size = card.sampleSize();
        assertEquals(2 * BATCH * size, pairs.samples().length);
        double latentError = 0;
        double referenceRoundTrip = 0;
        for (int r = 0; r < BATCH; r++) {
            assertNull(pairs.errors()[r]);
            assertNull(back.errors()[r]);
            ReferenceBelm reference = reference(gaussian, card, spacing, shift, steps,
                    conditional ? classes[r] : -1, conditional ? CLASSES : 0, conditional ? guidance : 1.0, perturbation);
            double[] image = new double[size];
            for (int i = 0; i < size; i++) {
                image[i] = images[r * size + i];
            }
            double[] expected = reference.invert(image);
            latentError = Math.max(latentError, RelativeError.of(pairs.samples(), 2 * r * size, expected));
            referenceRoundTrip = Math.max(referenceRoundTrip, mse(reference.sample(expected, size), image));
        }
        double mse = 0;
        double max = 0;
        for (int i = 0; i < images.length; i++) {
            double d = back.samples()[i] - images[i];
            mse += d * d / images.length;
            max = Math.max(max, Math.abs(d));
        }
        record((prediction.equals("flow_velocity") ? "flow" : prediction) + (perturbation > 0 ? " perturbed" : ""),
                latentError, mse, max, referenceRoundTrip);
        // the steps grow in sigma-bar towards the noise, and the inversion amplifies float32 rounding by 1 / A a
        // step (A = h0^2 / h1^2 < 1): (h_first / h_last)^2 in all, more on a diffusion model (its last step, to
        // alpha-bar = 1, is small) than on a flow
        double latentTolerance = prediction.equals("flow_velocity") ? 1e-4 : 5e-2;
        assertTrue(latentError < latentTolerance, "latent relative error " + latentError);
        assertTrue(referenceRoundTrip < 1e-20, "reference round trip MSE " + referenceRoundTrip);
        assertTrue(mse < 1e-11, "round trip MSE " + mse);
        assertTrue(max < 5e-5, "round trip max error " + max);
    }

    /** The cases of sampling from noise: the closed form alone (the perturbation is a test of inversion). */
    static Stream<Arguments> samplingCases() {
        return cases().filter(c -> (double) c.get()[7] == 0.0);
    }

    /** Sampling from x_T (a DDIM step, then O-BELM) agrees with the reference, guided and not. */
    @ParameterizedTest(name = "{0} {3} shift={4} S={5} g={6}")
    @MethodSource("samplingCases")
    void samplingFromNoiseMatchesTheReference(String prediction, String schedule, String input, Spacing spacing,
            double shift, int steps, double guidance, double perturbation) {
        boolean conditional = !Double.isNaN(guidance);
        ModelCard card = Models.card(prediction, schedule, input, SHAPE, conditional ? CLASSES : 0);
        GaussianDenoiser gaussian = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), S);
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).optSpacing(spacing).optShift(shift)
                .optGuidance(conditional ? guidance : Double.NaN).optSolver(Solver.EXACT).build();
        int[] classes = conditional ? new int[] {1, 2, 0} : null;
        int size = card.sampleSize();
        float[] latents = new float[BATCH * size];
        for (int r = 0; r < BATCH; r++) {
            SeededNoise.fill(40 + r, SeededNoise.LATENT_STREAM, latents, r * size, size);
        }
        Sampler sampler = Sampler.of(gaussian, options);
        assertTrue(sampler instanceof ExactSampler);
        BatchResult result = sampler.sample(latents, new long[] {40, 41, 42}, classes);
        double worst = 0;
        for (int r = 0; r < BATCH; r++) {
            assertNull(result.errors()[r]);
            double[] xT = new double[size];
            for (int i = 0; i < size; i++) {
                xT[i] = latents[r * size + i];
            }
            double[] expected = reference(gaussian, card, spacing, shift, steps, conditional ? classes[r] : -1,
                    conditional ? CLASSES : 0, conditional ? guidance : 1.0, 0.0).sample(xT, size);
            worst = Math.max(worst, RelativeError.of(result.samples(), r * size, expected));
        }
        assertTrue(worst < 1e-5, "relative error " + worst);
    }

    /**
     * The perturbation is not too small to matter: the perturbed model's latents differ from the closed form's
     * by far more than float rounding, yet its round trip is as exact.
     */
    @Test
    void perturbationChangesTheLatentsButNotTheRoundTrip() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, 0);
        GaussianDenoiser gaussian = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), S);
        SamplerOptions options = SamplerOptions.builder().setSteps(10).optSolver(Solver.EXACT).build();
        float[] images = images(card, null);
        float[] plain = new ExactInverter(gaussian, options).invert(images, null).samples();
        Denoiser perturbed = new PerturbedDenoiser(gaussian, 1e-6);
        float[] moved = new ExactInverter(perturbed, options).invert(images, null).samples();
        double difference = 0;
        for (int i = 0; i < plain.length; i++) {
            difference = Math.max(difference, Math.abs(plain[i] - moved[i]) / Math.max(Math.abs(plain[i]), 1e-3));
        }
        assertTrue(difference > 1e-6, "the perturbation moved the latents by " + difference);
        float[] back = new ExactSampler(perturbed, options).sample(moved, new long[BATCH], null).samples();
        for (int i = 0; i < images.length; i++) {
            assertEquals(images[i], back[i], 5e-6);
        }
    }

    /**
     * For Gaussian data the ODE keeps (x_t - a_t mu) / sqrt(a_t^2 s^2 + b_t^2) fixed, so the exact x_T is
     * known: at few steps the (refined) pair's x_T is much nearer to it than DDIM inversion's.
     */
    @Test
    void exactLatentIsNearTheTrueOneAtFewSteps() {
        ModelCard card = Models.card("flow_velocity", Models.FLOW, "unit", SHAPE, 0);
        double[][] means = GaussianDenoiser.sineMeans(card, 0.8);
        GaussianDenoiser model = new GaussianDenoiser(card, means, S);
        float[] images = images(card, null);
        int size = card.sampleSize();
        double[] errors = new double[3];
        double[] ddimErrors = new double[3];
        int[] stepCounts = {10, 20, 40};
        for (int n = 0; n < stepCounts.length; n++) {
            SamplerOptions ddim = SamplerOptions.builder().setSteps(stepCounts[n]).build();
            SamplerOptions exact = ddim.toBuilder().optSolver(Solver.EXACT).build();
            float[] pairs = new ExactInverter(model, exact).invert(images, null).samples();
            float[] latents = new DdimInverter(model, ddim).invert(images, null).samples();
            for (int r = 0; r < BATCH; r++) {
                for (int i = 0; i < size; i++) {
                    double mu = means[0][i];
                    // at t = 1: a = 0, b = 1, so x_T = (x0 - mu) / s
                    double truth = (images[r * size + i] - mu) / S;
                    errors[n] = Math.max(errors[n], Math.abs(pairs[2 * r * size + i] - truth));
                    ddimErrors[n] = Math.max(ddimErrors[n], Math.abs(latents[r * size + i] - truth));
                }
            }
        }
        System.out.printf("exact x_T error at S = 10, 20, 40: %.3e %.3e %.3e (DDIM inversion %.3e %.3e %.3e)%n",
                errors[0], errors[1], errors[2], ddimErrors[0], ddimErrors[1], ddimErrors[2]);
        // at S = 10 the pair's x_T is ten times nearer the exact latent than DDIM inversion's; with more steps the
        // inversion's amplification of the two-step method's second mode, (h_first / h_last)^2, grows as S^4 and
        // takes the advantage back (README, "Lossless inversion")
        assertTrue(errors[0] < ddimErrors[0] / 5, "O-BELM is more accurate than DDIM at S = 10");
        assertTrue(errors[2] < 0.2, "S = 40: " + errors[2]);
    }

    /**
     * On a diffusion model the refined first point puts the pair on the sampler's path: x_T comes out near the
     * exact latent of the Gaussian data, where the unrefined pair's x_T is far off (the inversion amplifies the
     * two-step method's second mode); both round trips are exact, and a request's pair does not depend on its batch.
     */
    @Test
    void refinedFirstPointGivesTheTrueLatent() {
        // sharp data (s = 0.01): near t = 0 the noise prediction changes fast with x, as a trained network's does
        double sharp = 0.01;
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, 0);
        double[][] means = GaussianDenoiser.sineMeans(card, 0.8);
        GaussianDenoiser model = new GaussianDenoiser(card, means, sharp);
        int size = card.sampleSize();
        float[] images = new float[BATCH * size];
        for (int r = 0; r < BATCH; r++) {
            for (int i = 0; i < size; i++) {
                images[r * size + i] = (float) (means[0][i] + sharp * SeededNoise.gaussian(100 + r, 0, i));
            }
        }
        SamplerOptions refined = SamplerOptions.builder().setSteps(10).optSolver(Solver.EXACT).build();
        SamplerOptions plain = refined.toBuilder().optRefine(0).build();
        double[] worst = new double[2];
        SamplerOptions[] both = {plain, refined};
        NoiseLevel top = refined.levels(card)[0];
        double scale = Math.sqrt(top.a() * top.a() * sharp * sharp + top.b() * top.b());
        for (int o = 0; o < 2; o++) {
            float[] pairs = new ExactInverter(model, both[o]).invert(images, null).samples();
            float[] back = new ExactSampler(model, both[o]).sample(pairs, new long[BATCH], null).samples();
            for (int r = 0; r < BATCH; r++) {
                for (int i = 0; i < size; i++) {
                    double mu = means[0][i];
                    double exact = top.a() * mu + scale * (images[r * size + i] - mu) / sharp;
                    worst[o] = Math.max(worst[o], Math.abs(pairs[2 * r * size + i] - exact));
                    assertEquals(images[r * size + i], back[r * size + i], 2e-6);
                }
            }
        }
        System.out.printf("x_T error against the exact latent at S = 10: unrefined %.3e, refined %.3e%n", worst[0],
                worst[1]);
        assertTrue(worst[0] > 1.0, "unrefined " + worst[0]);
        assertTrue(worst[1] < 0.5, "refined " + worst[1]);
        // request 1 alone gets the same bits as in the batch of three
        float[] alone = new ExactInverter(model, refined).invert(java.util.Arrays.copyOfRange(images, size, 2 * size),
                null).samples();
        float[] batch = new ExactInverter(model, refined).invert(images, null).samples();
        assertArrayEquals(alone, java.util.Arrays.copyOfRange(batch, 2 * size, 4 * size));
    }

    @Test
    void optionsRefuseNoiseAndClipping() {
        IllegalArgumentException eta = assertThrows(IllegalArgumentException.class,
                () -> SamplerOptions.builder().optSolver(Solver.EXACT).optEta(0.5).build());
        assertEquals("--solver exact is deterministic: --eta must be 0, got 0.5", eta.getMessage());
        IllegalArgumentException clip = assertThrows(IllegalArgumentException.class,
                () -> SamplerOptions.builder().optSolver(Solver.EXACT).optClipSample(true).build());
        assertTrue(clip.getMessage().startsWith("--solver exact keeps every step invertible"));
        assertEquals(Solver.EXACT, Solver.fromId("EXACT"));
        assertTrue(SamplerOptions.builder().optSolver(Solver.DDIM).build().solverChosen());
        assertTrue(!SamplerOptions.builder().build().solverChosen());
        assertEquals("--refine must be in 0..1000, got -1", assertThrows(IllegalArgumentException.class,
                () -> SamplerOptions.builder().optRefine(-1).build()).getMessage());
        assertEquals("steps=10, eta=0.0, spacing=uniform, guidance=model default, solver=exact, refine=5",
                SamplerOptions.builder().setSteps(10).optSolver(Solver.EXACT).optRefine(5).build().toString());
    }

    @Test
    void nonFiniteOutputIsThatRequestsError() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", SHAPE, CLASSES);
        GaussianDenoiser gaussian = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), S);
        Denoiser broken = new Denoiser() {
            @Override
            public ModelCard card() {
                return card;
            }

            @Override
            public float[] forward(float[] x, float[] t, long[] y, int batch) {
                float[] out = gaussian.forward(x, t, y, batch);
                int size = out.length / batch;
                for (int r = 0; r < batch; r++) {
                    if (y[r] == 1 && t[r] < 500) {
                        out[r * size] = Float.NaN;
                    }
                }
                return out;
            }

            @Override
            public void close() {}
        };
        SamplerOptions options = SamplerOptions.builder().setSteps(10).optGuidance(1.0).optSolver(Solver.EXACT).build();
        int[] classes = {0, 1, 2};
        BatchResult pairs = new ExactInverter(broken, options).invert(images(card, classes), classes);
        assertNull(pairs.errors()[0]);
        assertEquals("model output is not finite: at inversion step 1 of 10 (t=0)", pairs.errors()[1]);
        assertNull(pairs.errors()[2]);
        BatchResult back = new ExactSampler(broken, options).sample(pairs.samples(), new long[3], classes);
        // row 1's pair is not finite already: the first network call of the pair's sampling (step 2) says so
        assertEquals("model output is not finite: at step 2 of 10 (t=800)", back.errors()[1]);
        assertNull(back.errors()[2]);
        assertThrows(IllegalArgumentException.class,
                () -> new ExactSampler(gaussian, options).sample(new float[5], new long[1], null));
        assertThrows(IllegalArgumentException.class,
                () -> new DdimSampler(gaussian, options));
    }

    /** The reference for one request of a closed-form model. */
    private static ReferenceBelm reference(GaussianDenoiser model, ModelCard card, Spacing spacing, double shift,
            int steps, int y, int nullRow, double guidance, double perturbation) {
        String prediction = card.prediction().id();
        // quad at many steps repeats timestep 0: the path visits it once
        int[] ascending = prediction.equals("flow_velocity") ? null
                : java.util.Arrays.stream(spacing.timesteps(1000, steps)).distinct().toArray();
        if (ascending != null) {
            steps = ascending.length;
        }
        double[] a = new double[steps + 1];
        double[] b = new double[steps + 1];
        float[] time = new float[steps + 1];
        a[0] = 1.0;
        boolean index = card.timestepInput().id().equals("index");
        if (prediction.equals("flow_velocity")) {
            for (int i = 1; i <= steps; i++) {
                double t = (double) i / steps;
                t = shift * t / (1 + (shift - 1) * t);
                a[i] = 1 - t;
                b[i] = t;
                time[i] = (float) (index ? t * 1000.0 : t);
            }
        } else {
            double[] ab = ReferenceDdim.alphaBars(card.schedule().kind().id(), 1000, card.schedule().betaStart(),
                    card.schedule().betaEnd());
            for (int i = 1; i <= steps; i++) {
                int t = ascending[i - 1];
                a[i] = Math.sqrt(ab[t]);
                b[i] = Math.sqrt(1 - ab[t]);
                time[i] = index ? t : (float) (t / 999.0);
            }
        }
        return new ReferenceBelm(ReferenceBelm.gaussian(model, prediction, y, nullRow, guidance, perturbation),
                prediction, a, b, time, 0.0f);
    }

    private static float[] images(ModelCard card, int[] classes) {
        double[][] means = GaussianDenoiser.sineMeans(card, 0.8);
        int size = card.sampleSize();
        float[] images = new float[BATCH * size];
        for (int r = 0; r < BATCH; r++) {
            int y = classes == null ? 0 : classes[r];
            for (int i = 0; i < size; i++) {
                images[r * size + i] = (float) (means[y][i] + S * SeededNoise.gaussian(100 + r, 0, i));
            }
        }
        return images;
    }

    private static double mse(double[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += (x[i] - y[i]) * (x[i] - y[i]);
        }
        return sum / x.length;
    }

    private static synchronized void record(String key, double latent, double mse, double max, double reference) {
        double[] w = WORST.computeIfAbsent(key, k -> new double[4]);
        w[0] = Math.max(w[0], latent);
        w[1] = Math.max(w[1], mse);
        w[2] = Math.max(w[2], max);
        w[3] = Math.max(w[3], reference);
    }

    @AfterAll
    static void printWorst() {
        System.out.println("exact solver: latent rel. error vs reference, float32 round trip MSE and max, float64 MSE:");
        WORST.forEach((k, w) -> System.out.printf("  %-24s %.3e  %.3e  %.3e  %.3e%n", k, w[0], w[1], w[2], w[3]));
    }
}
