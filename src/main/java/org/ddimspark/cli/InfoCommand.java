package org.ddimspark.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.schedule.NoiseLevel;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.schedule.Spacing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ddim info}: print what a model card says and check the model with one forward pass. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the model card and check the model with one forward pass.")
final class InfoCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", required = true,
            description = "Model directory holding model.pt and model.json.")
    String model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        ModelCard card = ModelCard.load(Path.of(model));
        out.println("model       " + card.name());
        out.println("sha256      " + card.sha256() + " (model.pt)");
        out.println("prediction  " + card.prediction().id());
        out.println("schedule    " + card.schedule());
        out.println("time input  " + card.timestepInput().id());
        out.println("sample      " + Arrays.toString(card.sampleShape()) + " in " + Arrays.toString(card.valueRange()));
        out.println("classes     " + (card.isConditional() ? card.numClasses()
                + (card.classNames().isEmpty() ? "" : " " + card.classNames()) + ", guidance " + card.guidance()
                : "none (unconditional)"));
        int batch = 2;
        // the noisiest point of the path: the first one a sampler evaluates
        NoiseLevel first = SamplerOptions.builder().setSteps(1)
                .optSpacing(card.schedule().kind().isDiffusion() ? Spacing.TRAILING : Spacing.UNIFORM).build().levels(card)[0];
        float[] x = new float[batch * card.sampleSize()];
        for (int r = 0; r < batch; r++) {
            SeededNoise.fill(r, SeededNoise.LATENT_STREAM, x, r * card.sampleSize(), card.sampleSize());
        }
        float[] t = new float[batch];
        Arrays.fill(t, (float) first.modelTime());
        long[] y = card.isConditional() ? new long[] {0, card.numClasses()} : null;
        long started = System.nanoTime();
        try (TorchScriptModel loaded = TorchScriptModel.load(Path.of(model));
                TorchScriptDenoiser denoiser = loaded.newDenoiser()) {
            float[] output = denoiser.forward(x, t, y, batch);
            double ms = (System.nanoTime() - started) / 1e6;
            if (output.length != x.length) {
                throw new IllegalArgumentException("model.pt returned " + output.length + " values for an input of "
                        + x.length + " ([" + batch + ", " + card.sampleShape()[0] + ", " + card.sampleShape()[1] + ", "
                        + card.sampleShape()[2] + "]): its output does not match sample_shape");
            }
            for (float v : output) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("model.pt returned a non-finite value on seeded noise at " + first.label());
                }
            }
            out.printf("check       ok: forward of [%d, %d, %d, %d] at %s on %s, load and forward %.0f ms%n", batch,
                    card.sampleShape()[0], card.sampleShape()[1], card.sampleShape()[2], first.label(), loaded.device(), ms);
        }
        return 0;
    }
}
