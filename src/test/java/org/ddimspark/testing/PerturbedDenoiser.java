package org.ddimspark.testing;

import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;

/**
 * A denoiser whose raw outputs carry a fixed relative perturbation, {@code out (1 + r z)} with z in [-1, 1] a
 * hash of (time argument, element, class): a model that is no longer the closed form, as no trained network
 * is, but still a deterministic function of its inputs.
 */
public final class PerturbedDenoiser implements Denoiser {

    private final Denoiser model;
    private final double relative;

    /**
     * @param model the model to perturb
     * @param relative r, for example 1e-6
     */
    public PerturbedDenoiser(Denoiser model, double relative) {
        this.model = model;
        this.relative = relative;
    }

    /** z in [-1, 1] for a time argument, an element and a class row (0 for an unconditional model). */
    public static double z(float time, int element, long row) {
        long h = Float.floatToIntBits(time) * 0x9E3779B97F4A7C15L + element * 0xC2B2AE3D27D4EB4FL + row * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53 * 2.0 - 1.0;
    }

    @Override
    public ModelCard card() {
        return model.card();
    }

    @Override
    public float[] forward(float[] x, float[] t, long[] y, int batch) {
        float[] out = model.forward(x, t, y, batch);
        int size = out.length / batch;
        for (int r = 0; r < batch; r++) {
            long row = y == null ? 0 : y[r];
            for (int i = 0; i < size; i++) {
                out[r * size + i] = (float) (out[r * size + i] * (1.0 + relative * z(t[r], i, row)));
            }
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
