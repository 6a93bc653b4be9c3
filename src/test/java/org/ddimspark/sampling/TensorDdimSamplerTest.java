package org.ddimspark.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.schedule.Spacing;
import org.ddimspark.testing.GaussianDenoiser;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.RelativeError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The on-device DDIM loop, run here on the engine's CPU device (the same tensor operations a GPU runs), against
 * the double-precision loop on the Java closed form of the same models: within 1e-5 for every prediction type,
 * with guidance, fresh noise, clipping and dynamic thresholding, batches that do not fill the forward batch, and
 * the same per-row errors. On a GPU host, {@code -Dddim.test.device=gpu} runs the same checks on GPU 0
 * ({@code jobs/gpu-check.sh}).
 */
class TensorDdimSamplerTest {

    /** The device the tensor loop runs on: the CPU unless {@code ddim.test.device} says {@code gpu}. */
    private static final Device DEVICE = Device.fromName(System.getProperty("ddim.test.device", "cpu"));

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : new String[] {"gaussian-eps", "gaussian-v", "gaussian-x0-cond", "gaussian-flow-cond",
                "gaussian-embedding", "gaussian-pooled", "gaussian-latent"}) {
            for (double eta : new double[] {0.0, 0.6}) {
                cases.add(Arguments.of(name, 30, eta, "none"));
            }
            cases.add(Arguments.of(name, 10, 0.3, "clip"));
            cases.add(Arguments.of(name, 10, 0.0, "threshold"));
            cases.add(Arguments.of(name, 20, 0.0, "dpm++2m"));
        }
        cases.add(Arguments.of("gaussian-eps", 50, 1.0, "none"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} S={1} eta={2} {3}")
    @MethodSource("cases")
    void staysWithin1e5OfTheDoublePrecisionLoop(String name, int steps, double eta, String limit) {
        try (TorchScriptModel model = TorchScriptModel.load(Models.dir(name), ModelCard.load(Models.dir(name)), DEVICE);
                TorchScriptDenoiser denoiser = model.newDenoiser()) {
            ModelCard card = model.card();
            GaussianDenoiser exact = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8),
                    name.equals("gaussian-x0-cond") ? 0.3 : 0.5);
            // five rows: not a multiple of most forward batches, so the last chunk is padded
            long[] seeds = {3, 4, 5, -9, 1L << 40};
            int size = card.sampleSize();
            float[] latents = new float[seeds.length * size];
            for (int r = 0; r < seeds.length; r++) {
                SeededNoise.fill(seeds[r], SeededNoise.LATENT_STREAM, latents, r * size, size);
            }
            int[] classes = card.isConditional() ? new int[] {0, 1, 2, 3, 1} : null;
            SamplerOptions.Builder options = SamplerOptions.builder().setSteps(steps).optEta(eta)
                    .optSpacing(card.schedule().kind().isDiffusion() ? Spacing.QUAD : Spacing.UNIFORM)
                    .optGuidance(card.isConditional() ? 1.7 : Double.NaN)
                    .optClipSample(limit.equals("clip"))
                    .optSolver(limit.equals("dpm++2m") ? Solver.DPM_SOLVER_2M : Solver.DDIM);
            if (limit.equals("threshold")) {
                options.optDynamicThreshold(0.9, 1.2);
            }
            float[] before = latents.clone();
            BatchResult onDevice = new TensorDdimSampler(denoiser, options.build()).sample(latents, seeds, classes);
            BatchResult reference = new DdimSampler(exact, options.build()).sample(latents, seeds, classes);
            assertArrayEquals(before, latents, "x_T is not modified");
            for (String error : onDevice.errors()) {
                assertNull(error);
            }
            double error = RelativeError.of(onDevice.samples(), reference.samples());
            assertTrue(error < 1e-5, name + ": relative difference " + error);
        }
    }

    /** A row whose model output turns NaN fails alone, with the message of the double-precision loop. */
    @Test
    void aNonFiniteRowGetsTheSameErrorAsOnTheJvm() {
        try (TorchScriptModel model = TorchScriptModel.load(Models.dir("nan-on-class-1"),
                        ModelCard.load(Models.dir("nan-on-class-1")), DEVICE);
                TorchScriptDenoiser denoiser = model.newDenoiser()) {
            int size = model.card().sampleSize();
            long[] seeds = {1, 2, 3};
            float[] latents = new float[seeds.length * size];
            for (int r = 0; r < seeds.length; r++) {
                SeededNoise.fill(seeds[r], SeededNoise.LATENT_STREAM, latents, r * size, size);
            }
            int[] classes = {0, 1, 2};
            SamplerOptions options = SamplerOptions.builder().setSteps(8).optEta(0.5).build();
            BatchResult onDevice = new TensorDdimSampler(denoiser, options).sample(latents, seeds, classes);
            BatchResult onJvm = new DdimSampler(denoiser, options).sample(latents, seeds, classes);
            assertArrayEquals(onJvm.errors(), onDevice.errors());
            assertTrue(onDevice.errors()[1] != null && onDevice.errors()[0] == null && onDevice.errors()[2] == null,
                    String.join(" | ", String.valueOf(onDevice.errors()[1])));
            assertTrue(RelativeError.of(java.util.Arrays.copyOf(onDevice.samples(), size),
                    java.util.Arrays.copyOf(onJvm.samples(), size)) < 1e-5);
        }
    }

    /** The JVM loop for a model on the CPU (the same bits on every machine); the tensor loop only on a GPU. */
    @Test
    void theTensorLoopIsChosenForGpuModelsOnly() {
        try (TorchScriptModel model = TorchScriptModel.load(Models.dir("gaussian-eps"),
                        ModelCard.load(Models.dir("gaussian-eps")), DEVICE);
                TorchScriptDenoiser denoiser = model.newDenoiser()) {
            assertEquals(DEVICE.isGpu(), denoiser.onGpu());
            Class<? extends Sampler> expected = DEVICE.isGpu() ? TensorDdimSampler.class : DdimSampler.class;
            assertEquals(expected, Sampler.of(denoiser, SamplerOptions.builder().setSteps(4).build()).getClass());
        }
    }
}
