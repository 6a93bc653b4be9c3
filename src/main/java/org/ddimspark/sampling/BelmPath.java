package org.ddimspark.sampling;

import org.ddimspark.schedule.NoiseLevel;

/**
 * The sampler's levels in the coordinates of the exactly invertible solver ({@link Solver#EXACT};
 * docs/CONTRACT.md, Math): the probability-flow ODE dy/ds = g. A diffusion model uses y = x / a, s = b / a and
 * g = the predicted noise (DDIM is Euler in these); a flow model y = x, s = t (= b) and g = noise - x0, the
 * velocity (its t = 1 start has a = 0, where x / a has no value).
 *
 * <p>O-BELM (Wang et al., "BELM: Bidirectional Explicit Linear Multi-step Sampler for Exact Inversion",
 * NeurIPS 2024) takes the step from the two latest points to the next one,
 * {@code y_{k+1} = A y_{k-1} + (1 - A) y_k + B g(x_k)}, with h1 = s_{k-1} - s_k, h0 = s_k - s_{k+1},
 * A = h0^2 / h1^2 and B = -h0 (h0 + h1) / h1: the explicit two-step method of second order. The same
 * relation solved for y_{k-1} is explicit too, which makes the pair (x_{k-1}, x_k) exactly invertible at one
 * network call a step; with equal steps it is the leapfrog scheme y_{k+1} = y_{k-1} - 2 h g(x_k).
 */
final class BelmPath {

    private final NoiseLevel[] levels;
    private final boolean flow;
    private final double[] time;
    private final double[] scale;

    /**
     * @param levels the sampler's levels, noisiest first, ending at the clean point
     * @param flow whether the model is a rectified flow
     */
    BelmPath(NoiseLevel[] levels, boolean flow) {
        this.levels = distinct(levels);
        this.flow = flow;
        this.time = new double[this.levels.length];
        this.scale = new double[this.levels.length];
        for (int k = 0; k < this.levels.length; k++) {
            NoiseLevel level = this.levels[k];
            scale[k] = flow ? 1.0 : level.a();
            time[k] = flow ? level.b() : level.b() / level.a();
            if (!(scale[k] > 0.0) || !Double.isFinite(time[k])) {
                throw new IllegalArgumentException("--solver exact needs a > 0 at every level of a diffusion model;"
                        + " level " + level.label() + " has a = " + level.a());
            }
        }
    }

    /**
     * The levels without repeats: a spacing may visit a timestep twice (quad at many steps starts 0, 0, 1),
     * where DDIM's step is the identity and a two-step method's step ratio has no value.
     */
    private static NoiseLevel[] distinct(NoiseLevel[] levels) {
        java.util.List<NoiseLevel> kept = new java.util.ArrayList<>();
        for (NoiseLevel level : levels) {
            if (kept.isEmpty() || kept.get(kept.size() - 1).b() != level.b()) {
                kept.add(level);
            }
        }
        return kept.toArray(new NoiseLevel[0]);
    }

    /** Returns the number of steps S. */
    int steps() {
        return levels.length - 1;
    }

    /** Returns level k, 0 the noisiest. */
    NoiseLevel level(int k) {
        return levels[k];
    }

    /** Returns x / y at level k: a for a diffusion model, 1 for a flow. */
    double scale(int k) {
        return scale[k];
    }

    /** Returns s at level k. */
    double time(int k) {
        return time[k];
    }

    /** Returns the ODE's right-hand side g from the prediction's (x0, noise). */
    double gradient(double x0, double noise) {
        return flow ? noise - x0 : noise;
    }

    /** Returns A of the step from levels (k - 1, k) to k + 1. */
    double previousWeight(int k) {
        double h1 = time[k - 1] - time[k];
        double h0 = time[k] - time[k + 1];
        return h0 * h0 / (h1 * h1);
    }

    /** Returns B of the step from levels (k - 1, k) to k + 1. */
    double gradientWeight(int k) {
        double h1 = time[k - 1] - time[k];
        double h0 = time[k] - time[k + 1];
        return -h0 * (h0 + h1) / h1;
    }
}
