package org.ddimspark.sampling;

import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.PredictionType;
import org.ddimspark.schedule.NoiseLevel;
import org.ddimspark.schedule.NoiseSchedule;

/**
 * DDIM inversion (eta = 0): clean samples in, their latents x_T out, walking the sampler's levels upwards
 * so that {@link DdimSampler} with the same options maps the latent back (docs/CONTRACT.md, Math).
 *
 * <p>Each step from the less noisy point s to the noisier t predicts the noise, then applies the DDIM map
 * x_t = a_t x0 + b_t noise with x0 = (x_s - b_s noise) / a_s. A diffusion model is evaluated on x_s at
 * the target t (the convention of diffusers' DDIMInverseScheduler and of null-text inversion): its output
 * is read as the prediction it makes at t, which for epsilon models is the noise itself. A flow model is
 * evaluated at the current s, which makes the step the forward Euler step x_t = x_s + (t - s) v.
 */
public final class DdimInverter implements Inverter {

    private final GuidedPrediction prediction;
    private final ModelCard card;
    private final SamplerOptions options;
    private final NoiseLevel[] levels;
    private final int sampleSize;

    /**
     * Creates an inverter.
     *
     * @param denoiser the network
     * @param options the sampler options whose path to invert; eta, clipping and thresholding are not used
     */
    public DdimInverter(Denoiser denoiser, SamplerOptions options) {
        this.prediction = new GuidedPrediction(denoiser);
        this.card = denoiser.card();
        this.options = options;
        this.sampleSize = card.sampleSize();
        NoiseLevel[] down = options.levels(card);
        this.levels = new NoiseLevel[down.length];
        boolean flow = !card.schedule().kind().isDiffusion();
        for (int i = 0; i < down.length; i++) {
            NoiseLevel level = down[down.length - 1 - i];
            // a flow model is evaluated at the current point, the clean one included: give it its time, 0
            levels[i] = flow && level.isClean() ? NoiseSchedule.flowLevel(0.0, card.timestepInput()) : level;
        }
    }

    /** Returns the points of the path this inverter visits, clean first, ending at the noisiest. */
    public NoiseLevel[] levels() {
        return levels.clone();
    }

    @Override
    public BatchResult invert(float[] samples, int[] classes) {
        if (samples.length % sampleSize != 0) {
            throw new IllegalArgumentException("expected a multiple of " + sampleSize + " values, got " + samples.length);
        }
        int batch = samples.length / sampleSize;
        float[] x = samples.clone();
        String[] errors = new String[batch];
        long[] labels = prediction.labels(classes, batch);
        double guidance = options.guidanceFor(card, classes != null);
        int steps = levels.length - 1;
        for (int k = 0; k < steps; k++) {
            step(x, k, labels, guidance, batch, errors);
        }
        for (int r = 0; r < batch; r++) {
            if (errors[r] == null && !GuidedPrediction.allFinite(x, r * sampleSize, sampleSize)) {
                errors[r] = "latent is not finite: after " + steps + " inversion steps";
            }
        }
        return new BatchResult(x, errors);
    }

    /**
     * Takes inversion step k in place: from levels()[k] to levels()[k + 1]. A request whose network output is
     * not finite gets its first error.
     */
    void step(float[] x, int k, long[] labels, double guidance, int batch, String[] errors) {
        boolean flow = !card.schedule().kind().isDiffusion();
        PredictionType type = card.prediction();
        int steps = levels.length - 1;
        double[] x0 = new double[sampleSize];
        double[] noise = new double[sampleSize];
        NoiseLevel from = levels[k];
        NoiseLevel to = levels[k + 1];
        NoiseLevel evaluated = flow ? from : to;
        double[] out = prediction.at(x, evaluated, labels, guidance, batch);
        for (int r = 0; r < batch; r++) {
            int base = r * sampleSize;
            if (errors[r] == null && !GuidedPrediction.allFinite(out, base, sampleSize)) {
                errors[r] = "model output is not finite: at inversion step " + (k + 1) + " of " + steps
                        + " (" + evaluated.label() + ")";
            }
            type.toCleanAndNoise(out, x, base, sampleSize, evaluated.a(), evaluated.b(), x0, noise);
            for (int i = 0; i < sampleSize; i++) {
                double clean = evaluated == from ? x0[i] : (x[base + i] - from.b() * noise[i]) / from.a();
                x[base + i] = (float) (to.a() * clean + to.b() * noise[i]);
            }
        }
    }
}
