package org.ddimspark.sampling;

import java.util.ArrayList;
import java.util.List;
import org.ddimspark.schedule.NoiseLevel;

/**
 * The steps of the exactly invertible solver ({@link Solver#EXACT}; docs/CONTRACT.md, Math) on the sampler's
 * levels: O-BELM (Wang et al., "BELM: Bidirectional Explicit Linear Multi-step Sampler for Exact Inversion",
 * NeurIPS 2024) on the probability-flow ODE dy/ds = g in DDIM's coordinates y = x / a, s = b / a, g = the
 * predicted noise, for diffusion and flow models alike. From the two latest points,
 * {@code y_{k+1} = A y_{k-1} + (1 - A) y_k + B g(x_k)} with h1 = s_{k-1} - s_k, h0 = s_k - s_{k+1},
 * A = h0^2 / h1^2 and B = -h0 (h0 + h1) / h1: the explicit two-step method of second order. The same relation
 * solved for y_{k-1} is explicit too, which makes the pair (x_{k-1}, x_k) exactly invertible at one network
 * call a step.
 *
 * <p>A flow model's start t = 1 has a = 0, where y has no value: the one step from it is O-BELM in (t, x)
 * with the velocity for g, the leapfrog x_2 = x_0 - 2 h v(x_1) on equal steps. Each step is kept as
 * {@code x_{k+1} = P x_{k-1} + Q x_k + R g(x_k)}.
 */
final class BelmPath {

    private final NoiseLevel[] levels;
    private final double[] previous;
    private final double[] current;
    private final double[] gradient;
    private final boolean[] velocity;

    /**
     * @param levels the sampler's levels, noisiest first, ending at the clean point
     * @param flow whether the model is a rectified flow
     * @throws IllegalArgumentException when a level other than a flow's start has a = 0
     */
    BelmPath(NoiseLevel[] levels, boolean flow) {
        this.levels = distinct(levels);
        int n = this.levels.length;
        for (int k = 0; k < n; k++) {
            if (!(this.levels[k].a() > 0.0) && !(flow && k == 0)) {
                throw new IllegalArgumentException("--solver exact needs a > 0 at every level but a flow's start;"
                        + " level " + this.levels[k].label() + " has a = " + this.levels[k].a());
            }
        }
        this.previous = new double[n];
        this.current = new double[n];
        this.gradient = new double[n];
        this.velocity = new boolean[n];
        for (int k = 1; k < n - 1; k++) {
            NoiseLevel before = this.levels[k - 1];
            NoiseLevel now = this.levels[k];
            NoiseLevel after = this.levels[k + 1];
            velocity[k] = !(before.a() > 0.0);
            double sBefore = velocity[k] ? before.b() : before.b() / before.a();
            double sNow = velocity[k] ? now.b() : now.b() / now.a();
            double sAfter = velocity[k] ? after.b() : after.b() / after.a();
            double h1 = sBefore - sNow;
            double h0 = sNow - sAfter;
            double a = h0 * h0 / (h1 * h1);
            double b = -h0 * (h0 + h1) / h1;
            // y = x / a in DDIM's coordinates, y = x in the flow's (t, x)
            double scaleBefore = velocity[k] ? 1.0 : before.a();
            double scaleNow = velocity[k] ? 1.0 : now.a();
            double scaleAfter = velocity[k] ? 1.0 : after.a();
            previous[k] = scaleAfter * a / scaleBefore;
            current[k] = scaleAfter * (1.0 - a) / scaleNow;
            gradient[k] = scaleAfter * b;
        }
    }

    /**
     * The levels without repeats: a spacing may visit a timestep twice (quad at many steps starts 0, 0, 1),
     * where DDIM's step is the identity and a two-step method's step ratio has no value.
     */
    private static NoiseLevel[] distinct(NoiseLevel[] levels) {
        List<NoiseLevel> kept = new ArrayList<>();
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

    /** Returns P of step k: the weight of x_{k-1} in x_{k+1}. */
    double previousWeight(int k) {
        return previous[k];
    }

    /** Returns Q of step k: the weight of x_k in x_{k+1}. */
    double currentWeight(int k) {
        return current[k];
    }

    /** Returns R of step k: the weight of g(x_k) in x_{k+1}. */
    double gradientWeight(int k) {
        return gradient[k];
    }

    /** Returns g of step k from the prediction's (x0, noise) at x_k: the noise, or a flow's velocity noise - x0. */
    double gradient(int k, double x0, double noise) {
        return velocity[k] ? noise - x0 : noise;
    }
}
