package org.ddimspark.sampling;

import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.PredictionType;
import org.ddimspark.schedule.NoiseLevel;

/**
 * The exactly invertible sampler ({@link Solver#EXACT}): O-BELM on the pair of the two latest points
 * ({@link BelmPath}; docs/CONTRACT.md, Math), one network call a step, on the JVM in double precision (states
 * and coefficients; the network is handed float32), also when the network runs on a GPU. It starts from x_T with one DDIM step
 * (eta = 0), or from a pair (x_T, x at the next level) that {@link ExactInverter} made, which it maps back to
 * the inverted sample.
 *
 * <p>Each request's result depends only on its own latent and class: not on the batch it shares.
 */
public final class ExactSampler implements Sampler {

    private final GuidedPrediction prediction;
    private final ModelCard card;
    private final SamplerOptions options;
    private final BelmPath path;
    private final int sampleSize;

    /**
     * Creates a sampler.
     *
     * @param denoiser the network
     * @param options how to sample; the solver must be {@link Solver#EXACT}
     */
    public ExactSampler(Denoiser denoiser, SamplerOptions options) {
        if (options.solver() != Solver.EXACT) {
            throw new IllegalArgumentException("ExactSampler needs --solver exact, got " + options.solver().id());
        }
        this.prediction = new GuidedPrediction(denoiser);
        this.card = denoiser.card();
        this.options = options;
        this.path = new BelmPath(options.levels(card), !card.schedule().kind().isDiffusion());
        this.sampleSize = card.sampleSize();
    }

    /**
     * Samples a batch from x_T, or from the pairs an exact inversion made.
     *
     * @param latents {@code batch * C * H * W} floats (each request's x_T), or {@code batch * 2 * C * H * W}
     *     (each request's pair: x_T, then x at the sampler's second level); not modified
     * @param seeds one per request (the sampler draws no noise: it only counts the batch)
     * @param classes each request's class, or null for unconditional requests
     * @return the samples and per-request errors
     */
    @Override
    public BatchResult sample(float[] latents, long[] seeds, int[] classes) {
        int batch = seeds.length;
        int n = batch * sampleSize;
        boolean pairs = latents.length == 2 * n;
        if (!pairs && latents.length != n) {
            throw new IllegalArgumentException("expected " + batch + " x " + sampleSize + " latent values, or "
                    + batch + " pairs of them, got " + latents.length);
        }
        String[] errors = new String[batch];
        long[] labels = prediction.labels(classes, batch);
        double guidance = options.guidanceFor(card, classes != null);
        int steps = path.steps();
        // the states stay in double between steps: only the network's inputs are rounded to float32
        double[] previous = new double[n];
        double[] current;
        if (pairs) {
            current = new double[n];
            for (int r = 0; r < batch; r++) {
                for (int i = 0; i < sampleSize; i++) {
                    previous[r * sampleSize + i] = latents[2 * r * sampleSize + i];
                    current[r * sampleSize + i] = latents[(2 * r + 1) * sampleSize + i];
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                previous[i] = latents[i];
            }
            current = firstStep(previous, labels, guidance, batch, errors);
        }
        for (int k = 1; k < steps; k++) {
            double[] next = step(previous, current, k, labels, guidance, batch, errors);
            previous = current;
            current = next;
        }
        float[] samples = toFloats(current);
        for (int r = 0; r < batch; r++) {
            if (errors[r] == null && !GuidedPrediction.allFinite(samples, r * sampleSize, sampleSize)) {
                errors[r] = "sample is not finite: after " + steps + " steps";
            }
        }
        return new BatchResult(samples, errors);
    }

    /** The DDIM step (eta = 0) from x_T to the second level. */
    private double[] firstStep(double[] x, long[] labels, double guidance, int batch, String[] errors) {
        double[][] predicted = predict(x, 0, labels, guidance, batch, errors);
        NoiseLevel to = path.level(1);
        double[] next = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            next[i] = to.a() * predicted[0][i] + to.b() * predicted[1][i];
        }
        return next;
    }

    /** The O-BELM step from levels (k - 1, k) to k + 1. */
    private double[] step(double[] previous, double[] current, int k, long[] labels, double guidance, int batch,
            String[] errors) {
        double[][] predicted = predict(current, k, labels, guidance, batch, errors);
        double p = path.previousWeight(k);
        double q = path.currentWeight(k);
        double r = path.gradientWeight(k);
        double[] next = new double[current.length];
        for (int i = 0; i < current.length; i++) {
            next[i] = p * previous[i] + q * current[i] + r * path.gradient(k, predicted[0][i], predicted[1][i]);
        }
        return next;
    }

    static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** Evaluates the network at level k and returns every element's predicted (x0, noise). */
    private double[][] predict(double[] x, int k, long[] labels, double guidance, int batch, String[] errors) {
        return predict(prediction, path, card.prediction(), x, k, labels, guidance, batch, errors,
                "step " + (k + 1) + " of " + path.steps());
    }

    /**
     * Evaluates the network on a batch at level k of a path and returns every element's predicted x0 and noise;
     * a request whose output is not finite gets its first error.
     */
    static double[][] predict(GuidedPrediction prediction, BelmPath path, PredictionType type, double[] state, int k,
            long[] labels, double guidance, int batch, String[] errors, String where) {
        NoiseLevel level = path.level(k);
        float[] x = toFloats(state);
        double[] out = prediction.at(x, level, labels, guidance, batch);
        int size = x.length / batch;
        double[] x0 = new double[size];
        double[] noise = new double[size];
        double[][] predicted = new double[2][x.length];
        for (int r = 0; r < batch; r++) {
            int base = r * size;
            if (errors[r] == null && !GuidedPrediction.allFinite(out, base, size)) {
                errors[r] = "model output is not finite: at " + where + " (" + level.label() + ")";
            }
            type.toCleanAndNoise(out, x, base, size, level.a(), level.b(), x0, noise);
            System.arraycopy(x0, 0, predicted[0], base, size);
            System.arraycopy(noise, 0, predicted[1], base, size);
        }
        return predicted;
    }
}
