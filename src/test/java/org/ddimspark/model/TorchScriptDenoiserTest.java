package org.ddimspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.DdimSampler;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.schedule.Spacing;
import org.ddimspark.testing.GaussianDenoiser;
import org.ddimspark.testing.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The TorchScript closed-form models on DJL's PyTorch engine against the same formula in Java. */
class TorchScriptDenoiserTest {

    @TempDir
    Path tmp;

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
            double maxDiff = 0;
            double maxRef = 0;
            for (int i = 0; i < latents.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(viaDjl.samples()[i] - viaJava.samples()[i]));
                maxRef = Math.max(maxRef, Math.abs(viaJava.samples()[i]));
            }
            assertTrue(maxDiff / maxRef < 1e-5, name + ": relative difference " + maxDiff / maxRef);
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
            assertTrue(message.startsWith("model.pt fails on an input of [2, 1, 8, 8] at t=999 (sample_shape, "
                    + "timestep_input and num_classes of model.json must match it): "), message);
            assertTrue(message.contains("must match the size of tensor"), message);
            assertEquals(-1, message.indexOf('\n'));
        }
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
        return ModelCard.sha256(new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
