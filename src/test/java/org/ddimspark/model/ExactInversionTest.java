package org.ddimspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.ddimspark.image.ImageFit;
import org.ddimspark.image.ModelSpace;
import org.ddimspark.image.PngCodec;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.DdimInverter;
import org.ddimspark.sampling.ExactInverter;
import org.ddimspark.sampling.ExactSampler;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.sampling.Solver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Exact inversion on the bundled models and the 20 Fashion-MNIST test images of the test resources: every
 * 8-bit pixel comes back at S = 10, and in model space the round trip's MSE is below 1e-11 and its largest
 * error below 5e-5 (README, "Reconstruction"; {@code jobs/table2.sh} measures the first 100 test images).
 */
class ExactInversionTest {

    private static final Path IMAGES = Path.of("src/test/resources/fashion-mnist");

    @ParameterizedTest(name = "{0} S={1}")
    @CsvSource({"fashion-mnist-ddpm, 10", "fashion-mnist-flow, 10", "fashion-mnist-flow, 20"})
    void everyPixelComesBack(String name, int steps) throws Exception {
        Path dir = BundledModels.resolve(name);
        ModelCard card = ModelCard.load(dir);
        int size = card.sampleSize();
        int n = 20;
        float[] images = new float[n * size];
        for (int r = 0; r < n; r++) {
            byte[] png = Files.readAllBytes(IMAGES.resolve(String.format("t10k-%05d.png", r)));
            ModelSpace.fromImage(PngCodec.decode(png), card.sampleShape(), card.valueRange(), ImageFit.fromId("error"),
                    images, r * size);
        }
        SamplerOptions options = SamplerOptions.builder().setSteps(steps).optSolver(Solver.EXACT).build();
        try (TorchScriptModel model = TorchScriptModel.load(dir); Denoiser denoiser = model.newDenoiser()) {
            BatchResult pairs = new ExactInverter(denoiser, options).invert(images, null);
            BatchResult back = new ExactSampler(denoiser, options).sample(pairs.samples(), new long[n], null);
            double mse = 0;
            double max = 0;
            int pixelsOff = 0;
            double low = card.valueRange()[0];
            double high = card.valueRange()[1];
            for (int i = 0; i < images.length; i++) {
                double d = back.samples()[i] - images[i];
                mse += d * d / images.length;
                max = Math.max(max, Math.abs(d));
                if (PngCodec.toPixel(back.samples()[i], low, high) != PngCodec.toPixel(images[i], low, high)) {
                    pixelsOff++;
                }
            }
            double sum = 0;
            double squares = 0;
            for (int r = 0; r < n; r++) {
                assertNull(pairs.errors()[r]);
                assertNull(back.errors()[r]);
                for (int i = 0; i < size; i++) {
                    double v = pairs.samples()[2 * r * size + i];
                    sum += v;
                    squares += v * v;
                }
            }
            double mean = sum / (n * size);
            // beside DDIM inversion's x_T, for the record
            float[] ddim = new DdimInverter(denoiser, SamplerOptions.builder().setSteps(steps).build())
                    .invert(images, null).samples();
            double ddimSquares = 0;
            for (float v : ddim) {
                ddimSquares += (double) v * v;
            }
            // how much the inversion amplifies the two-step method's second mode: (h_first / h_last)^2 in s = b / a
            org.ddimspark.schedule.NoiseLevel[] levels = options.levels(card);
            int last = levels.length - 1;
            double first = levels[0].a() > 0 ? levels[0].b() / levels[0].a() - levels[1].b() / levels[1].a() : Double.NaN;
            double lastStep = levels[last - 1].b() / levels[last - 1].a() - levels[last].b() / levels[last].a();
            System.out.printf("%s S=%d: first step in b / a %.4g, last %.4g, ratio %.4g (squared %.3g)%n", name, steps,
                    first, lastStep, first / lastStep, first * first / (lastStep * lastStep));
            // the unrefined pair's x_T, which round trips as exactly, for the record
            float[] unrefined = new ExactInverter(denoiser, options.toBuilder().optRefine(0).build()).invert(images, null)
                    .samples();
            double uSum = 0;
            double uSquares = 0;
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < size; i++) {
                    double v = unrefined[2 * r * size + i];
                    uSum += v;
                    uSquares += v * v;
                }
            }
            double uMean = uSum / (n * size);
            System.out.printf("%s S=%d: unrefined x_T std %.3f%n", name, steps,
                    Math.sqrt(uSquares / (n * size) - uMean * uMean));
            System.out.printf("%s S=%d: round trip MSE %.3e, max %.3e, pixels off %d; x_T mean %.3f, std %.3f"
                    + " (DDIM inversion's x_T: rms %.3f)%n", name, steps, mse, max, pixelsOff, mean,
                    Math.sqrt(squares / (n * size) - mean * mean), Math.sqrt(ddimSquares / ddim.length));
            assertEquals(0, pixelsOff, "8-bit pixels that did not come back");
            assertTrue(mse < 1e-11, "model-space MSE " + mse);
            assertTrue(max < 5e-5, "model-space max error " + max);
        }
    }
}
