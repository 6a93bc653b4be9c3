package org.ddimspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.DdimSampler;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.schedule.Spacing;
import org.ddimspark.testing.GaussianDenoiser;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.ReferenceDdim;
import org.ddimspark.testing.RelativeError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The TorchScript closed-form models on DJL's PyTorch engine against the same formula in Java. */
class TorchScriptDenoiserTest {

    @TempDir
    Path tmp;

    /**
     * A model traced elsewhere with a float64 constant in its timestep embedding (a pattern of many DDPM
     * codebases) runs, and gives the same bits on every call: the graph optimizer's first, profiling runs
     * compute what its optimized runs compute.
     */
    @Test
    void aTracedModelWithAFloat64ConstantRunsAndRepeatsItsBits() {
        try (TorchScriptModel model = TorchScriptModel.load(Models.dir("traced-sinusoidal"));
                TorchScriptDenoiser denoiser = model.newDenoiser()) {
            assertEquals("forward of [2, 1, 16, 16] at t=999 on cpu()", model.check());
            int size = model.card().sampleSize();
            float[] x = new float[4 * size];
            SeededNoise.fill(7, SeededNoise.LATENT_STREAM, x, 0, x.length);
            float[] t = {999, 500, 20, 0};
            long[] y = {0, 1, 2, 3};
            float[] first = denoiser.forward(x, t, y, 4);
            for (float v : first) {
                assertTrue(Float.isFinite(v));
            }
            for (int call = 0; call < 5; call++) {
                assertArrayEquals(first, denoiser.forward(x, t, y, 4), "call " + (call + 2));
            }
        }
    }

    /**
     * The outputs are read in the tensor's logical order whatever its memory layout: a transposed view and a
     * view at a storage offset both give out = 2 x exactly, in full chunks and in a padded last one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"strided-output", "offset-output"})
    void anOutputViewIsReadInItsLogicalOrder(String name) {
        try (TorchScriptModel model = TorchScriptModel.load(Models.dir(name));
                TorchScriptDenoiser denoiser = model.newDenoiser(4)) {
            int size = model.card().sampleSize();
            int rows = 7;
            float[] x = new float[rows * size];
            SeededNoise.fill(11, SeededNoise.LATENT_STREAM, x, 0, x.length);
            float[] out = denoiser.forward(x, new float[rows], null, rows);
            float[] expected = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                expected[i] = 2 * x[i];
            }
            assertArrayEquals(expected, out);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gaussian-eps", "gaussian-v", "gaussian-x0-cond", "gaussian-flow-cond"})
    void sampledThroughDjlEqualsTheJavaClosedForm(String name) {
        try (TorchScriptModel model = TorchScriptModel.load(Models.dir(name));
                TorchScriptDenoiser denoiser = model.newDenoiser()) {
            ModelCard card = model.card();
            assertEquals("forward of [2, " + card.sampleShape()[0] + ", " + card.sampleShape()[1] + ", "
                    + card.sampleShape()[2] + "] at " + (card.schedule().kind().isDiffusion() ? "t=999" : "t=1.0")
                    + " on cpu()", model.check());
            GaussianDenoiser exact = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8),
                    name.equals("gaussian-x0-cond") ? 0.3 : 0.5);
            long[] seeds = {3, 4, 5};
            int size = card.sampleSize();
            float[] latents = new float[seeds.length * size];
            for (int r = 0; r < seeds.length; r++) {
                SeededNoise.fill(seeds[r], SeededNoise.LATENT_STREAM, latents, r * size, size);
            }
            int[] classes = card.isConditional() ? new int[] {0, 1, 2} : null;
            SamplerOptions options = SamplerOptions.builder().setSteps(25).optEta(0.4)
                    .optSpacing(card.schedule().kind().isDiffusion() ? Spacing.QUAD : Spacing.UNIFORM)
                    .optGuidance(card.isConditional() ? 1.7 : Double.NaN).build();
            BatchResult viaDjl = new DdimSampler(denoiser, options).sample(latents, seeds, classes);
            BatchResult viaJava = new DdimSampler(exact, options).sample(latents, seeds, classes);
            double error = RelativeError.of(viaDjl.samples(), viaJava.samples());
            assertTrue(error < 1e-5, name + ": relative difference " + error);
        }
    }

    static Stream<Arguments> everySpacing() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : new String[] {"gaussian-eps", "gaussian-v", "gaussian-x0-cond"}) {
            for (Spacing spacing : Spacing.values()) {
                cases.add(Arguments.of(name, spacing));
            }
        }
        cases.add(Arguments.of("gaussian-flow-cond", Spacing.UNIFORM));
        return cases.stream();
    }

    /** The TorchScript model through DJL against the independent double-precision DDIM, eta = 0, S = 20. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everySpacing")
    void torchScriptSamplingMatchesTheDoublePrecisionReference(String name, Spacing spacing) {
        try (TorchScriptModel model = TorchScriptModel.load(Models.dir(name));
                TorchScriptDenoiser denoiser = model.newDenoiser()) {
            ModelCard card = model.card();
            boolean conditional = card.isConditional();
            GaussianDenoiser exact = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8),
                    name.equals("gaussian-x0-cond") ? 0.3 : 0.5);
            long seed = 11;
            int size = card.sampleSize();
            float[] latent = SeededNoise.latent(seed, size);
            double guidance = conditional ? 2.5 : 1.0;
            SamplerOptions options = SamplerOptions.builder().setSteps(20).optSpacing(spacing)
                    .optGuidance(conditional ? guidance : Double.NaN).build();
            float[] actual = new DdimSampler(denoiser, options)
                    .sample(latent, new long[] {seed}, conditional ? new int[] {1} : null).samples();
            double[] xT = new double[size];
            for (int i = 0; i < size; i++) {
                xT[i] = latent[i];
            }
            double[] expected;
            if (card.schedule().kind().isDiffusion()) {
                double[] ab = ReferenceDdim.alphaBars(card.schedule().kind().id(), 1000,
                        card.schedule().betaStart(), card.schedule().betaEnd());
                int[] ascending = spacing.timesteps(1000, 20);
                int[] descending = new int[ascending.length];
                for (int i = 0; i < ascending.length; i++) {
                    descending[i] = ascending[ascending.length - 1 - i];
                }
                expected = ReferenceDdim.sampleDiffusion(exact, card.prediction().id(), ab,
                        descending, xT, seed, 0.0, conditional ? 1 : 0, card.numClasses(), guidance);
            } else {
                double[] times = new double[21];
                for (int i = 0; i <= 20; i++) {
                    times[i] = (20 - i) / 20.0;
                }
                expected = ReferenceDdim.sampleFlow(exact, times, xT, seed, 0.0, 1,
                        card.numClasses(), guidance);
            }
            double error = RelativeError.of(actual, 0, expected);
            assertTrue(error < 1e-5, name + " " + spacing + ": relative error " + error);
        }
    }

    /** Spark runs the model on its task threads: a UNet must give the same finite output on any thread. */
    @Test
    void aUnetGivesTheSameOutputOnEveryThreadAndForAnyBatch() throws InterruptedException {
        try (TorchScriptModel model = TorchScriptModel.load(BundledModels.resolve("fashion-mnist-flow"))) {
            int size = model.card().sampleSize();
            int batch = 5;
            float[] x = new float[batch * size];
            for (int r = 0; r < batch; r++) {
                SeededNoise.fill(r, SeededNoise.LATENT_STREAM, x, r * size, size);
            }
            float[] t = {1000f, 1000f, 600f, 300f, 10f};
            long[] y = {0, 5, 10, 7, 9};
            float[] main;
            try (TorchScriptDenoiser denoiser = model.newDenoiser()) {
                main = denoiser.forward(x, t, y, batch);
            }
            // four threads at once on the one shared model, as an executor's task threads run it
            float[][] others = new float[4][];
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(others.length);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int k = 0; k < others.length; k++) {
                int index = k;
                Thread thread = new Thread(() -> {
                    try (TorchScriptDenoiser denoiser = model.newDenoiser()) {
                        together.await();
                        for (int repeat = 0; repeat < 3; repeat++) { // past the graph executor's profiling runs
                            others[index] = denoiser.forward(x, t, y, batch);
                        }
                    } catch (Exception | Error e) {
                        failures.add(e);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertTrue(failures.isEmpty(), failures.toString());
            for (float v : main) {
                assertTrue(Float.isFinite(v));
            }
            for (float[] other : others) {
                assertArrayEquals(main, other);
            }
            // one row alone gives the same bits as in the batch of five: the network always sees full chunks
            try (TorchScriptDenoiser denoiser = model.newDenoiser()) {
                float[] alone = denoiser.forward(java.util.Arrays.copyOfRange(x, 3 * size, 4 * size), new float[] {300f},
                        new long[] {7}, 1);
                assertArrayEquals(java.util.Arrays.copyOfRange(main, 3 * size, 4 * size), alone);
            }
        }
    }

    @Test
    void aModelThatDoesNotFitItsCardFailsTheCheckInOneLine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("wrong-shape"));
        Files.copy(Models.dir("gaussian-eps").resolve("model.pt"), dir.resolve("model.pt"));
        String card = Files.readString(Models.dir("gaussian-eps").resolve("model.json"))
                .replaceAll("\"sample_shape\": \\[[^]]*]", "\"sample_shape\": [1, 8, 8]");
        Files.writeString(dir.resolve("model.json"), card);
        try (TorchScriptModel model = TorchScriptModel.load(dir)) {
            String message = assertThrows(InvalidModelException.class, model::check).getMessage();
            assertTrue(message.startsWith("model.pt fails on an input of [2, 1, 8, 8] at t=999 on cpu() (sample_shape, "
                    + "timestep_input and num_classes of model.json must match it): "), message);
            assertTrue(message.contains("must match the size of tensor"), message);
            assertEquals(-1, message.indexOf('\n'));
        }
    }

    @Test
    void aLatentModelIsCheckedThroughItsDecoder() throws IOException {
        try (TorchScriptModel model = TorchScriptModel.load(Models.dir("gaussian-latent"))) {
            String check = model.check();
            assertTrue(check.startsWith("forward of [2, 4, 4, 4] at ") && check.endsWith(" on cpu(), decoded to [2, 1, 8, 8]"),
                    check);
        }
        Path dir = Files.createDirectories(tmp.resolve("wrong-image-shape"));
        for (String file : List.of("model.pt", "decoder.pt", "encoder.pt")) {
            Files.copy(Models.dir("gaussian-latent").resolve(file), dir.resolve(file));
        }
        Files.writeString(dir.resolve("model.json"), Files.readString(Models.dir("gaussian-latent").resolve("model.json"))
                .replaceAll("\"image_shape\": \\[[^]]*]", "\"image_shape\": [1, 8, 4]"));
        try (TorchScriptModel model = TorchScriptModel.load(dir)) {
            String message = assertThrows(InvalidModelException.class, model::check).getMessage();
            assertTrue(message.startsWith("decoder.pt fails on the network's output of [2, 4, 4, 4] (the decoder must turn"
                    + " it into [2, 1, 8, 4], latent.image_shape of model.json): "), message);
            assertTrue(message.contains("returned shape (16, 1, 8, 8) for 16 inputs of (4, 4, 4): it must return (1, 8, 4) each"),
                    message);
            assertEquals(-1, message.indexOf('\n'));
        }
    }

    @Test
    void aGraphFixedOnAnotherDeviceIsNamedAsTheCause() {
        // the line torch gives when a traced model's CPU constant meets a GPU input (seen with traced-sinusoidal,
        // which torch.jit.trace made on the CPU, on a GPU: docs/benchmarks/gpu-pytorch-h200.md)
        String line = TorchScriptModel.usefulLine(new IllegalStateException("The following operation failed in the"
                + " TorchScript interpreter.\nTraceback of TorchScript, serialized code (most recent call last):\n"
                + "  File \"code/__torch__.py\", line 14, in forward\nRuntimeError: Expected all tensors to be on the"
                + " same device, but found at least two devices, cuda:0 and cpu!\n"));
        assertEquals("RuntimeError: Expected all tensors to be on the same device, but found at least two devices,"
                + " cuda:0 and cpu!", line);
        assertTrue(TorchScriptModel.likelyCause(line).startsWith("a tensor in its graph is fixed on another device"));
        assertTrue(TorchScriptModel.likelyCause("RuntimeError: The size of tensor a (8) must match the size of tensor b")
                .startsWith("sample_shape, timestep_input and num_classes"));
    }

    @Test
    void aFileThatIsNotTorchScriptIsABadModel() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("not-torchscript"));
        Files.writeString(dir.resolve("model.pt"), "not a zip");
        Files.writeString(dir.resolve("model.json"), Files.readString(Models.dir("gaussian-eps").resolve("model.json"))
                .replaceAll("\"sha256\": \"[0-9a-f]+\"", "\"sha256\": \"" + sha256("not a zip") + "\""));
        String message = assertThrows(InvalidModelException.class, () -> TorchScriptModel.load(dir)).getMessage();
        assertTrue(message.startsWith("cannot load " + dir.resolve("model.pt") + " as TorchScript: "), message);
    }

    private static String sha256(String text) throws IOException {
        return ModelCard.sha256(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }
}
