package org.ddimspark.sampling;

import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.schedule.NoiseLevel;

/**
 * Exact inversion ({@link Solver#EXACT}; docs/CONTRACT.md, Math): clean samples in, the pairs (x_T, x at the
 * sampler's second level) out, from which {@link ExactSampler} with the same options gives back the sample up
 * to float32 rounding, whatever the network's own error.
 *
 * <p>The first step takes the clean sample one level up to the point from which the sampler's DDIM step leads
 * back to it (the DDIM inversion step's point, refined by up to {@link SamplerOptions#refine()} network calls);
 * every other step solves the O-BELM update of {@link BelmPath} for its older point,
 * {@code x_{k-1} = (x_{k+1} - Q x_k - R g(x_k)) / P}, evaluating the network at the same points and
 * levels as the sampler will. S steps cost S network calls and the refinement's, and sampling the pair back S - 1.
 */
public final class ExactInverter implements Inverter {

    private final GuidedPrediction prediction;
    private final ModelCard card;
    private final SamplerOptions options;
    private final BelmPath path;
    private final DdimInverter start;
    private final int sampleSize;

    /**
     * Creates an inverter.
     *
     * @param denoiser the network
     * @param options the options of the exact sampler that is to map the pairs back
     */
    public ExactInverter(Denoiser denoiser, SamplerOptions options) {
        if (options.solver() != Solver.EXACT) {
            throw new IllegalArgumentException("ExactInverter needs --solver exact, got " + options.solver().id());
        }
        this.prediction = new GuidedPrediction(denoiser);
        this.card = denoiser.card();
        this.options = options;
        this.path = new BelmPath(options.levels(card), !card.schedule().kind().isDiffusion());
        this.start = new DdimInverter(denoiser, options);
        this.sampleSize = card.sampleSize();
    }

    @Override
    public int latentLength(int sampleSize) {
        return 2 * sampleSize;
    }

    /**
     * Inverts a batch.
     *
     * @param samples each request's clean sample in model space, {@code batch * C * H * W} floats; not modified
     * @param classes each request's class, or null for unconditional requests
     * @return each request's pair, x_T then x at the second level ({@code 2 * C * H * W} values), and errors
     */
    @Override
    public BatchResult invert(float[] samples, int[] classes) {
        if (samples.length % sampleSize != 0) {
            throw new IllegalArgumentException("expected a multiple of " + sampleSize + " values, got " + samples.length);
        }
        int batch = samples.length / sampleSize;
        String[] errors = new String[batch];
        long[] labels = prediction.labels(classes, batch);
        double guidance = options.guidanceFor(card, classes != null);
        int steps = path.steps();
        // lower: x at level k + 1, upper: x at level k (level 0 is x_T, level S the clean sample); in double
        float[] first = samples.clone();
        start.step(first, 0, labels, guidance, batch, errors);
        double[] lower = new double[samples.length];
        for (int i = 0; i < samples.length; i++) {
            lower[i] = samples[i];
        }
        double[] upper = firstPoint(first, samples, labels, guidance, batch, errors);
        for (int k = steps - 1; k >= 1; k--) {
            double[][] predicted = ExactSampler.predict(prediction, path, card.prediction(), upper, k, labels, guidance,
                    batch, errors, "inversion step " + (steps - k + 1) + " of " + steps);
            double p = path.previousWeight(k);
            double q = path.currentWeight(k);
            double r = path.gradientWeight(k);
            double[] older = new double[upper.length];
            for (int i = 0; i < upper.length; i++) {
                older[i] = (lower[i] - q * upper[i] - r * path.gradient(k, predicted[0][i], predicted[1][i])) / p;
            }
            lower = upper;
            upper = older;
        }
        float[] pairs = new float[2 * batch * sampleSize];
        for (int r = 0; r < batch; r++) {
            for (int i = 0; i < sampleSize; i++) {
                pairs[2 * r * sampleSize + i] = (float) upper[r * sampleSize + i];
                pairs[(2 * r + 1) * sampleSize + i] = (float) lower[r * sampleSize + i];
            }
            if (errors[r] == null && !GuidedPrediction.allFinite(pairs, 2 * r * sampleSize, 2 * sampleSize)) {
                errors[r] = "latent is not finite: after " + steps + " inversion steps";
            }
        }
        return new BatchResult(pairs, errors);
    }

    /** A request's first point is final when one more refinement moves no element by more than this. */
    static final double TOLERANCE = 1e-5;

    /**
     * Returns the point x_{S-1} one level above each clean sample x_S from which the sampler's DDIM step
     * leads back to x_S: x_{S-1} = a x_S + b noise(x_{S-1}) at level S - 1, solved by Anderson-accelerated
     * fixed-point iteration from the DDIM inversion step's point, each request until it moves by less than
     * {@link #TOLERANCE} or for {@link SamplerOptions#refine()} network calls. Any x_{S-1} inverts exactly; this one
     * starts the pair on the sampler's path, where the second mode of the two-step method, which inversion
     * amplifies by 1 / A a step, is not excited.
     */
    private double[] firstPoint(float[] guess, float[] samples, long[] labels, double guidance, int batch,
            String[] errors) {
        int steps = path.steps();
        double[] x = new double[guess.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = guess[i];
        }
        AndersonAcceleration anderson = new AndersonAcceleration(batch, sampleSize, 5);
        boolean[] done = new boolean[batch];
        NoiseLevel level = path.level(steps - 1);
        for (int iteration = 0; iteration < options.refine(); iteration++) {
            double[] noise = ExactSampler.predict(prediction, path, card.prediction(), x, steps - 1, labels, guidance,
                    batch, errors, "inversion step 1 of " + steps)[1];
            boolean all = true;
            for (int r = 0; r < batch; r++) {
                if (done[r]) {
                    continue;
                }
                int base = r * sampleSize;
                double[] row = java.util.Arrays.copyOfRange(x, base, base + sampleSize);
                double[] image = new double[sampleSize];
                double moved = 0;
                for (int i = 0; i < sampleSize; i++) {
                    image[i] = level.a() * samples[base + i] + level.b() * noise[base + i];
                    moved = Math.max(moved, Math.abs(image[i] - row[i]));
                }
                if (errors[r] != null || !(moved > TOLERANCE)) {
                    done[r] = true;
                    if (errors[r] == null) {
                        System.arraycopy(image, 0, x, base, sampleSize);
                    }
                    continue;
                }
                all = false;
                System.arraycopy(anderson.next(r, row, image), 0, x, base, sampleSize);
            }
            if (all) {
                break;
            }
        }
        return x;
    }
}
