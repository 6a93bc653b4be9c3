package org.ddimspark.sampling;

import java.util.Arrays;
import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.PredictionType;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.schedule.NoiseLevel;

/**
 * Generates samples from initial latents x_T with the generalised DDIM step (docs/CONTRACT.md, Math), or with
 * DPM-Solver++(2M) ({@link Solver}), for diffusion
 * and rectified-flow models, with classifier-free guidance (both halves in one batched forward),
 * optional clipping or dynamic thresholding of x0, and seeded fresh noise for eta &gt; 0.
 *
 * <p>Each request's result depends only on its own x_T, seed and class: not on the batch it shares.
 */
public final class DdimSampler implements Sampler {

    private final GuidedPrediction prediction;
    private final ModelCard card;
    private final SamplerOptions options;
    private final NoiseLevel[] levels;
    private final int sampleSize;

    /**
     * Creates a sampler.
     *
     * @param denoiser the network
     * @param options how to sample; checked against the model's card
     */
    public DdimSampler(Denoiser denoiser, SamplerOptions options) {
        if (options.solver() == Solver.EXACT) {
            throw new IllegalArgumentException("--solver exact samples with ExactSampler (Sampler.of chooses it)");
        }
        this.prediction = new GuidedPrediction(denoiser);
        this.card = denoiser.card();
        this.options = options;
        this.levels = options.levels(card);
        this.sampleSize = card.sampleSize();
    }

    /** Returns the points of the path this sampler visits, noisiest first, ending at the clean one. */
    public NoiseLevel[] levels() {
        return levels.clone();
    }

    @Override
    public BatchResult sample(float[] latents, long[] seeds, int[] classes) {
        int batch = seeds.length;
        if (latents.length != batch * sampleSize) {
            throw new IllegalArgumentException("expected " + batch + " x " + sampleSize + " latent values, got " + latents.length);
        }
        float[] x = latents.clone();
        String[] errors = new String[batch];
        long[] labels = prediction.labels(classes, batch);
        double guidance = options.guidanceFor(card, classes != null);
        int steps = levels.length - 1;
        PredictionType type = card.prediction();
        double[] x0 = new double[sampleSize];
        double[] noise = new double[sampleSize];
        boolean multistep = options.solver() == Solver.DPM_SOLVER_2M;
        double[] previousX0 = multistep ? new double[batch * sampleSize] : null;
        for (int k = 0; k < steps; k++) {
            NoiseLevel from = levels[k];
            NoiseLevel to = levels[k + 1];
            double[] out = prediction.at(x, from, labels, guidance, batch);
            // DPM-Solver++(2M): second order between its first step and its last, onto the clean point
            double w = multistep && k > 0 && k < steps - 1 ? Solver.previousWeight(
                    Solver.lambda(levels[k - 1].a(), levels[k - 1].b()), Solver.lambda(from.a(), from.b()),
                    Solver.lambda(to.a(), to.b())) : 0.0;
            double sigma = DdimStep.sigma(options.eta(), from, to);
            double noiseCoefficient = DdimStep.noiseCoefficient(to, sigma);
            int stream = SeededNoise.stepStream(k);
            for (int r = 0; r < batch; r++) {
                int base = r * sampleSize;
                if (errors[r] == null && !GuidedPrediction.allFinite(out, base, sampleSize)) {
                    errors[r] = "model output is not finite: at step " + (k + 1) + " of " + steps + " (" + from.label() + ")";
                }
                type.toCleanAndNoise(out, x, base, sampleSize, from.a(), from.b(), x0, noise);
                limit(x0);
                if (multistep) {
                    for (int i = 0; i < sampleSize; i++) {
                        double d = x0[i] + w * (x0[i] - previousX0[base + i]);
                        previousX0[base + i] = x0[i];
                        if (w != 0.0) {
                            x0[i] = d;
                            noise[i] = (x[base + i] - from.a() * d) / from.b();
                        }
                    }
                }
                for (int i = 0; i < sampleSize; i++) {
                    double z = sigma == 0.0 ? 0.0 : SeededNoise.gaussian(seeds[r], stream, i);
                    x[base + i] = (float) DdimStep.next(x0[i], noise[i], z, to, noiseCoefficient, sigma);
                }
            }
        }
        for (int r = 0; r < batch; r++) {
            if (errors[r] == null && !GuidedPrediction.allFinite(x, r * sampleSize, sampleSize)) {
                errors[r] = "sample is not finite: after " + steps + " steps";
            }
        }
        return new BatchResult(x, errors);
    }

    /** Clips or dynamically thresholds one request's x0 in place, as the options say. */
    private void limit(double[] x0) {
        if (!options.clipSample() && options.thresholdPercentile() == 0.0) {
            return;
        }
        double[] range = card.valueRange();
        double centre = (range[0] + range[1]) / 2.0;
        double half = (range[1] - range[0]) / 2.0;
        double s = 1.0;
        if (options.thresholdPercentile() > 0.0) {
            double[] magnitude = new double[x0.length];
            for (int i = 0; i < x0.length; i++) {
                magnitude[i] = Math.abs((x0[i] - centre) / half);
            }
            s = Math.min(Math.max(quantile(magnitude, options.thresholdPercentile()), 1.0), options.thresholdMax());
        }
        for (int i = 0; i < x0.length; i++) {
            double u = (x0[i] - centre) / half;
            u = Math.max(-s, Math.min(s, u)) / s;
            x0[i] = centre + half * u;
        }
    }

    /** The q-quantile with linear interpolation, as torch.quantile and numpy's default compute it. */
    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = q * (sorted.length - 1);
        int lower = (int) Math.floor(position);
        int upper = Math.min(lower + 1, sorted.length - 1);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }
}
