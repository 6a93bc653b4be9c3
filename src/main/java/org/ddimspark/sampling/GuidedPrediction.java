package org.ddimspark.sampling;

import java.util.Arrays;
import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.schedule.NoiseLevel;

/**
 * One evaluation of the network at a level, with classifier-free guidance: both halves in one batched
 * forward, combined on the raw outputs as {@code out_uncond + g (out_cond - out_uncond)} (docs/CONTRACT.md, Math).
 */
final class GuidedPrediction {

    private final Denoiser denoiser;
    private final ModelCard card;
    private final int sampleSize;

    GuidedPrediction(Denoiser denoiser) {
        this.denoiser = denoiser;
        this.card = denoiser.card();
        this.sampleSize = card.sampleSize();
    }

    /**
     * Evaluates the network.
     *
     * @param x the batch, {@code batch * C * H * W} values
     * @param level where the network is told the batch is
     * @param labels each request's class ({@link #labels}), or null for an unconditional model
     * @param guidance the guidance scale; 1 runs the conditional half only
     * @param batch the number of requests
     * @return the (guided) raw outputs, laid out as {@code x}
     */
    double[] at(float[] x, NoiseLevel level, long[] labels, double guidance, int batch) {
        boolean guided = labels != null && guidance != 1.0;
        int rows = guided ? 2 * batch : batch;
        float[] t = new float[rows];
        Arrays.fill(t, (float) level.modelTime());
        float[] input = x;
        long[] y = labels;
        if (guided) {
            input = Arrays.copyOf(x, 2 * x.length);
            System.arraycopy(x, 0, input, x.length, x.length);
            y = Arrays.copyOf(labels, 2 * batch);
            Arrays.fill(y, batch, 2 * batch, card.numClasses());
        }
        float[] raw = denoiser.forward(input, t, y, rows);
        if (raw.length != rows * sampleSize) {
            throw new IllegalStateException("model '" + card.name() + "' returned " + raw.length + " values for "
                    + rows + " x " + sampleSize + " inputs: its output shape does not match sample_shape");
        }
        double[] out = new double[x.length];
        if (guided) {
            for (int i = 0; i < x.length; i++) {
                double conditional = raw[i];
                double unconditional = raw[x.length + i];
                out[i] = unconditional + guidance * (conditional - unconditional);
            }
        } else {
            for (int i = 0; i < x.length; i++) {
                out[i] = raw[i];
            }
        }
        return out;
    }

    /**
     * Returns the class input of each request: its class, or the null class {@code num_classes} for a
     * request without one; null for an unconditional model.
     *
     * @param classes each request's class, or null when no request has one
     * @param batch the number of requests
     * @throws IllegalArgumentException for a class on an unconditional model or a class out of range
     */
    long[] labels(int[] classes, int batch) {
        if (!card.isConditional()) {
            if (classes != null) {
                throw new IllegalArgumentException("model '" + card.name() + "' is unconditional: it takes no class");
            }
            return null;
        }
        if (classes != null && classes.length != batch) {
            throw new IllegalArgumentException("expected " + batch + " classes, got " + classes.length);
        }
        long[] y = new long[batch];
        for (int r = 0; r < batch; r++) {
            int c = classes == null ? card.numClasses() : classes[r];
            // an embedding-conditioned model also takes ids past the null class: embeddings of the requests
            // themselves, which its denoiser holds (Denoiser#useRequestEmbeddings)
            boolean requestEmbedding = c > card.numClasses() && card.conditioning() != null;
            if (c < 0 || c > card.numClasses() && !requestEmbedding) {
                throw new IllegalArgumentException("class " + c + " is outside 0.." + (card.numClasses() - 1));
            }
            y[r] = c;
        }
        return y;
    }

    /** Returns whether {@code count} values from {@code offset} are all finite. */
    static boolean allFinite(double[] values, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            if (!Double.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }

    /** Returns whether {@code count} values from {@code offset} are all finite. */
    static boolean allFinite(float[] values, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            if (!Float.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }
}
