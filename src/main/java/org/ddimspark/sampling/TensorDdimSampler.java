package org.ddimspark.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.PredictionType;
import org.ddimspark.model.TensorDenoiser;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.schedule.NoiseLevel;

/**
 * The DDIM loop of {@link DdimSampler} as tensor operations on the model's device: x_T goes in once, x_t stays
 * on the device between steps, and x0 comes out once (with eta &gt; 0, each step's seeded noise goes in). The
 * step's coefficients are computed in double precision and applied in float32, so a sample differs from
 * {@link DdimSampler}'s in the last bits (within 1e-5 on the closed-form test models), not in its seeds,
 * classes, guidance, clipping or thresholding. A row whose model output is not finite gets the same error as
 * there, found without a round trip per step.
 */
public final class TensorDdimSampler implements Sampler {

    private final TensorDenoiser denoiser;
    private final ModelCard card;
    private final SamplerOptions options;
    private final NoiseLevel[] levels;
    private final GuidedPrediction labels;

    /**
     * Creates a sampler.
     *
     * @param denoiser the network, whose tensors stay on its device
     * @param options how to sample; checked against the model's card
     */
    public TensorDdimSampler(TensorDenoiser denoiser, SamplerOptions options) {
        if (options.solver() == Solver.EXACT) {
            throw new IllegalArgumentException("--solver exact samples with ExactSampler (Sampler.of chooses it)");
        }
        this.denoiser = denoiser;
        this.card = denoiser.card();
        this.options = options;
        this.levels = options.levels(card);
        this.labels = new GuidedPrediction(denoiser);
    }

    @Override
    public BatchResult sample(float[] latents, long[] seeds, int[] classes) {
        int batch = seeds.length;
        int size = card.sampleSize();
        if (latents.length != batch * size) {
            throw new IllegalArgumentException("expected " + batch + " x " + size + " latent values, got " + latents.length);
        }
        long[] y = labels.labels(classes, batch);
        double guidance = options.guidanceFor(card, classes != null);
        boolean guided = y != null && guidance != 1.0;
        int[] s = card.sampleShape();
        Shape shape = new Shape(batch, s[0], s[1], s[2]);
        int steps = levels.length - 1;
        PredictionType type = card.prediction();
        try (NDManager job = denoiser.newScope()) {
            NDArray x = job.create(latents, shape);
            NDArray ys = null;
            if (y != null) {
                long[] rows = y;
                if (guided) {
                    rows = java.util.Arrays.copyOf(y, 2 * batch);
                    java.util.Arrays.fill(rows, batch, 2 * batch, card.numClasses());
                }
                ys = job.create(rows);
            }
            // the first step (1-based) at which each row's model output was not finite, 0 while it has been
            NDArray firstBad = job.zeros(new Shape(batch), DataType.INT32);
            boolean multistep = options.solver() == Solver.DPM_SOLVER_2M;
            NDArray previousX0 = null;
            for (int k = 0; k < steps; k++) {
                NoiseLevel from = levels[k];
                NoiseLevel to = levels[k + 1];
                try (NDManager step = job.newSubManager()) {
                    NDArray input = guided ? x.concat(x, 0) : x;
                    NDArray raw = denoiser.forward(input, (float) from.modelTime(), ys, step);
                    NDArray out = raw;
                    if (guided) {
                        NDArray conditional = raw.get("0:{}", batch);
                        NDArray unconditional = raw.get("{}:", batch);
                        out = unconditional.add(conditional.sub(unconditional).mul((float) guidance));
                    }
                    NDArray bad = out.isNaN().logicalOr(out.isInfinite()).reshape(batch, -1).toType(DataType.INT32, false)
                            .max(new int[] {1}).mul(k + 1);
                    NDArray[] pair = cleanAndNoise(type, out, x, from);
                    NDArray x0 = limit(pair[0], batch);
                    NDArray noiseOut = pair[1];
                    if (multistep) {
                        // DPM-Solver++(2M), as DdimSampler: the DDIM step with the extrapolated x0
                        double w = k > 0 && k < steps - 1 ? Solver.previousWeight(
                                Solver.lambda(levels[k - 1].a(), levels[k - 1].b()), Solver.lambda(from.a(), from.b()),
                                Solver.lambda(to.a(), to.b())) : 0.0;
                        NDArray current = x0;
                        if (w != 0.0) {
                            x0 = current.add(current.sub(previousX0).mul((float) w));
                            noiseOut = x.sub(x0.mul((float) from.a())).div((float) from.b());
                        }
                        current.attach(job);
                        if (previousX0 != null) {
                            previousX0.close();
                        }
                        previousX0 = current;
                    }
                    double sigma = DdimStep.sigma(options.eta(), from, to);
                    double noiseCoefficient = DdimStep.noiseCoefficient(to, sigma);
                    NDArray next = x0.mul((float) to.a()).add(noiseOut.mul((float) noiseCoefficient));
                    if (sigma != 0.0) {
                        next = next.add(step.create(noise(seeds, SeededNoise.stepStream(k), size), shape).mul((float) sigma));
                    }
                    NDArray firstBadNext = firstBad.eq(0).logicalAnd(bad.gt(0)).toType(DataType.INT32, false).mul(bad)
                            .add(firstBad);
                    next.attach(job);
                    firstBadNext.attach(job);
                    x.close();
                    firstBad.close();
                    x = next;
                    firstBad = firstBadNext;
                }
            }
            float[] samples = x.toFloatArray();
            int[] badSteps = firstBad.toIntArray();
            String[] errors = new String[batch];
            for (int r = 0; r < batch; r++) {
                if (badSteps[r] > 0) {
                    errors[r] = "model output is not finite: at step " + badSteps[r] + " of " + steps + " ("
                            + levels[badSteps[r] - 1].label() + ")";
                } else if (!GuidedPrediction.allFinite(samples, r * size, size)) {
                    errors[r] = "sample is not finite: after " + steps + " steps";
                }
            }
            return new BatchResult(samples, errors);
        }
    }

    /** x0 and the noise of a model output at a level, as {@link PredictionType#toCleanAndNoise}. */
    private static NDArray[] cleanAndNoise(PredictionType type, NDArray out, NDArray x, NoiseLevel level) {
        float a = (float) level.a();
        float b = (float) level.b();
        return switch (type) {
            case EPSILON -> new NDArray[] {x.sub(out.mul(b)).div(a), out};
            case V_PREDICTION -> new NDArray[] {x.mul(a).sub(out.mul(b)), x.mul(b).add(out.mul(a))};
            case SAMPLE -> new NDArray[] {out, x.sub(out.mul(a)).div(b)};
            case FLOW_VELOCITY -> new NDArray[] {x.sub(out.mul(b)), x.add(out.mul(a))};
        };
    }

    /** Clips or dynamically thresholds each row's x0, as the options say ({@link DdimSampler}). */
    private NDArray limit(NDArray x0, int batch) {
        if (!options.clipSample() && options.thresholdPercentile() == 0.0) {
            return x0;
        }
        double[] range = card.valueRange();
        float centre = (float) ((range[0] + range[1]) / 2.0);
        float half = (float) ((range[1] - range[0]) / 2.0);
        NDArray u = x0.sub(centre).div(half);
        if (options.thresholdPercentile() == 0.0) {
            return u.clip(-1, 1).mul(half).add(centre);
        }
        // the q-quantile of |u| per row, with linear interpolation between the sorted neighbours
        NDArray sorted = u.abs().reshape(batch, -1).sort(1);
        long n = sorted.getShape().get(1);
        double position = options.thresholdPercentile() * (n - 1);
        long lower = (long) Math.floor(position);
        long upper = Math.min(lower + 1, n - 1);
        NDArray low = sorted.get(":, {}", lower);
        NDArray quantile = low.add(sorted.get(":, {}", upper).sub(low).mul((float) (position - lower)));
        NDArray limit = quantile.maximum(1f).minimum((float) Math.min(options.thresholdMax(), Float.MAX_VALUE))
                .reshape(batch, 1, 1, 1);
        return u.maximum(limit.neg()).minimum(limit).div(limit).mul(half).add(centre);
    }

    /** The seeded fresh noise of one step for every row, as {@link DdimSampler} draws it. */
    private static float[] noise(long[] seeds, int stream, int size) {
        float[] z = new float[seeds.length * size];
        for (int r = 0; r < seeds.length; r++) {
            for (int i = 0; i < size; i++) {
                z[r * size + i] = (float) SeededNoise.gaussian(seeds[r], stream, i);
            }
        }
        return z;
    }
}
