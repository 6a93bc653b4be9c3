package org.ddimspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.ddimspark.evaluation.ImageClassifier;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.DdimSampler;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.testing.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The trained Fashion-MNIST models that ship in the jar. */
class BundledModelsTest {

    @Test
    void aDirectoryResolvesToItselfAndAnUnknownNameIsAnError() {
        Path dir = Models.dir("gaussian-eps");
        assertEquals(dir, BundledModels.resolve(dir.toString()));
        assertEquals("--model no-such-model: no such directory, and not a bundled model (fashion-mnist-ddpm,"
                + " fashion-mnist-flow, fashion-mnist-latent-flow)",
                assertThrows(InvalidModelException.class, () -> BundledModels.resolve("no-such-model")).getMessage());
        assertThrows(InvalidModelException.class, () -> BundledModels.resolve("../models/fashion-mnist-ddpm"));
    }

    @Test
    void anExtractedModelThatWasSwappedIsExtractedAgainBeforeItLoads() throws IOException {
        Path dir = BundledModels.resolve("fashion-mnist-ddpm");
        String sha = ModelCard.load(dir).sha256();
        Files.write(dir.resolve("model.pt"), Files.readAllBytes(Models.dir("gaussian-eps").resolve("model.pt")));
        Path again = BundledModels.resolve("fashion-mnist-ddpm");
        assertEquals(dir, again);
        assertEquals(sha, ModelCard.load(again).sha256(), "the jar's model, not the swapped file");
        Files.delete(dir.resolve("model.pt"));
        assertEquals(sha, ModelCard.load(BundledModels.resolve("fashion-mnist-ddpm")).sha256(), "a missing file is restored");
    }

    /** How many images the classifier puts in the class asked for; images in the model's value range. */
    private static int recognised(ImageClassifier classifier, ModelCard card, float[] images, int[] classes) {
        double[] from = card.valueRange();
        double[] to = classifier.valueRange();
        float[] x = new float[images.length];
        for (int i = 0; i < x.length; i++) {
            double unit = Math.min(1, Math.max(0, (images[i] - from[0]) / (from[1] - from[0])));
            x[i] = (float) (to[0] + unit * (to[1] - to[0]));
        }
        int[] predicted = classifier.classify(x, classes.length).predicted();
        int correct = 0;
        for (int r = 0; r < classes.length; r++) {
            correct += predicted[r] == classes[r] ? 1 : 0;
        }
        return correct;
    }

    @Test
    void aModelCacheOthersMayWriteIntoIsRefused(@TempDir Path tmp) throws IOException {
        String before = System.getProperty("ddim.model.cache");
        System.setProperty("ddim.model.cache", tmp.toString());
        try {
            Path root = BundledModels.cacheRoot();
            assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(root));
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
            IOException shared = assertThrows(IOException.class, BundledModels::cacheRoot);
            assertTrue(shared.getMessage().startsWith("the model cache " + root + " is not a private folder (owner "),
                    shared.getMessage());
            assertThrows(java.io.UncheckedIOException.class, () -> BundledModels.resolve("fashion-mnist-flow"));
        } finally {
            if (before == null) {
                System.clearProperty("ddim.model.cache");
            } else {
                System.setProperty("ddim.model.cache", before);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fashion-mnist-ddpm", "fashion-mnist-flow", "fashion-mnist-latent-flow"})
    void loadsByNameChecksAndDrawsImagesThatAreNotBlank(String name) throws IOException {
        Path dir = BundledModels.resolve(name);
        assertEquals(dir, BundledModels.resolve(name), "extracted once");
        ModelCard card = ModelCard.load(dir);
        assertTrue(dir.getFileName().toString().startsWith(name + "-" + card.sha256().substring(0, 16)));
        assertEquals(name, card.name());
        assertEquals(10, card.numClasses());
        assertEquals(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                "Bag", "Ankle boot"), card.classNames());
        assertEquals(name.endsWith("flow") ? PredictionType.FLOW_VELOCITY : PredictionType.EPSILON, card.prediction());
        assertTrue(Files.size(dir.resolve(ModelCard.MODEL_FILE)) < 8 << 20, "at most 8 MB");
        try (TorchScriptModel model = TorchScriptModel.load(dir); Denoiser denoiser = model.newDenoiser()) {
            // the latent model: a flow on its autoencoder's 4 x 7 x 7 latents, conditioned on class embeddings
            boolean latent = card.latent() != null;
            assertEquals(name.contains("latent"), latent);
            assertTrue(model.check().startsWith(latent ? "forward of [2, 4, 7, 7] at " : "forward of [2, 1, 28, 28] at "),
                    model.check());
            // one image of every class, 10 steps, the card's guidance
            int n = 10;
            long[] seeds = new long[n];
            int[] classes = new int[n];
            float[] latents = new float[n * card.sampleSize()];
            for (int r = 0; r < n; r++) {
                seeds[r] = r;
                classes[r] = r;
                SeededNoise.fill(seeds[r], SeededNoise.LATENT_STREAM, latents, r * card.sampleSize(), card.sampleSize());
            }
            BatchResult result = new DdimSampler(denoiser, SamplerOptions.builder().setSteps(10).build())
                    .sample(latents, seeds, classes);
            for (int r = 0; r < n; r++) {
                assertEquals(null, result.errors()[r]);
            }
            // the bundled classifier must recognise the garment asked for: noise or a blur would not pass
            try (ImageClassifier classifier = ImageClassifier.load(BundledModels.CLASSIFIER)) {
                int correct = recognised(classifier, card, denoiser.images(result.samples(), n), classes);
                assertTrue(correct >= 8, name + ": the classifier recognised " + correct + " of 10 classes");
                // the same check on the noise the samples started from (decoded, for the latent model) does fail
                int onNoise = recognised(classifier, card, denoiser.images(latents, n), classes);
                assertTrue(onNoise < 8, "noise passed as " + onNoise + " of 10 classes");
            }
        }
    }
}
