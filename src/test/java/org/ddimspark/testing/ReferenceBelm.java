package org.ddimspark.testing;

/**
 * An independent double-precision O-BELM (Wang et al., "BELM: Bidirectional Explicit Linear Multi-step Sampler
 * for Exact Inversion", NeurIPS 2024, eq. for O-BELM) written in the paper's own terms: levels indexed i = 0
 * (clean) .. N (noisiest), x-bar = x / sqrt(alpha-bar), sigma-bar = sqrt(1 - alpha-bar) / sqrt(alpha-bar), h_i =
 * sigma-bar_i - sigma-bar_{i-1}, and
 * <pre>
 * x-bar_{i-1} = h_i^2 / h_{i+1}^2 x-bar_{i+1} + (h_{i+1}^2 - h_i^2) / h_{i+1}^2 x-bar_i - h_i (h_i + h_{i+1}) / h_{i+1} eps(x_i, i)
 * </pre>
 * Nothing is shared with
 * the library: every state, coefficient and model output is a double. A flow's step from its start (t = 1,
 * where x-bar has no value) is O-BELM in (t, x) with the velocity.
 */
public final class ReferenceBelm {

    /** A model's raw (guided) output for one element, in double. */
    public interface Output {
        /**
         * @param x the element's value
         * @param element its index in the sample
         * @param a the level's signal coefficient
         * @param b its noise coefficient
         * @param time the network's time argument there
         * @return the raw output
         */
        double at(double x, int element, double a, double b, float time);
    }

    private final Output model;
    private final String prediction;
    private final boolean flow;
    /** a, b and the network's time of level i, 0 = clean. */
    private final double[] a;
    private final double[] b;
    private final float[] time;
    private final float cleanTime;

    /**
     * @param model the model's output
     * @param prediction its prediction type
     * @param a the signal coefficient of each level, clean first (a = 1)
     * @param b the noise coefficient of each level, clean first (b = 0)
     * @param time the network's time argument of each level (unused at the clean level for a diffusion model)
     * @param cleanTime a flow model's time argument at t = 0
     */
    public ReferenceBelm(Output model, String prediction, double[] a, double[] b, float[] time, float cleanTime) {
        this.model = model;
        this.prediction = prediction;
        this.flow = prediction.equals("flow_velocity");
        this.a = a;
        this.b = b;
        this.time = time;
        this.cleanTime = cleanTime;
    }

    /** Whether the step at level i works in (t, x) with the velocity: a flow's step from its start, where a = 0. */
    private boolean velocityCoordinates(int i) {
        return flow && !(a[i + 1] > 0);
    }

    private double sigmaBar(int i, boolean velocity) {
        return velocity ? b[i] : b[i] / a[i];
    }

    private double bar(double x, int i, boolean velocity) {
        return velocity ? x : x / a[i];
    }

    private double unbar(double xBar, int i, boolean velocity) {
        return velocity ? xBar : xBar * a[i];
    }

    /** The (x0, eps) that a raw output o means at x on level (aa, bb), as docs/CONTRACT.md's Math defines them. */
    private double[] cleanAndNoise(double o, double x, double aa, double bb) {
        switch (prediction) {
            case "epsilon": return new double[] {(x - bb * o) / aa, o};
            case "sample": return new double[] {o, (x - aa * o) / bb};
            case "v_prediction": return new double[] {aa * x - bb * o, bb * x + aa * o};
            default: return new double[] {x - bb * o, x + aa * o};
        }
    }

    /** eps at x on level i, or with {@code velocity} the velocity eps - x0. */
    private double direction(double x, int element, int i, boolean velocity) {
        double[] pair = cleanAndNoise(model.at(x, element, a[i], b[i], time[i]), x, a[i], b[i]);
        return velocity ? pair[1] - pair[0] : pair[1];
    }

    /** h_i = sigma-bar_i - sigma-bar_{i-1}, the paper's step below level i. */
    private double stepBelow(int i, boolean velocity) {
        return sigmaBar(i, velocity) - sigmaBar(i - 1, velocity);
    }

    /** The O-BELM update at level i: x_{i-1} from x_{i+1} and x_i. */
    private double[] down(double[] upper, double[] middle, int i) {
        boolean v = velocityCoordinates(i);
        double hi = stepBelow(i, v);
        double hn = stepBelow(i + 1, v);
        double[] out = new double[middle.length];
        for (int e = 0; e < middle.length; e++) {
            double eps = direction(middle[e], e, i, v);
            double xBar = hi * hi / (hn * hn) * bar(upper[e], i + 1, v) + (hn * hn - hi * hi) / (hn * hn) * bar(middle[e], i, v)
                    - hi * (hi + hn) / hn * eps;
            out[e] = unbar(xBar, i - 1, v);
        }
        return out;
    }

    /** The same update solved for x_{i+1}. */
    private double[] up(double[] lower, double[] middle, int i) {
        boolean v = velocityCoordinates(i);
        double hi = stepBelow(i, v);
        double hn = stepBelow(i + 1, v);
        double[] out = new double[middle.length];
        for (int e = 0; e < middle.length; e++) {
            double eps = direction(middle[e], e, i, v);
            double xBar = (bar(lower[e], i - 1, v) - (hn * hn - hi * hi) / (hn * hn) * bar(middle[e], i, v)
                    + hi * (hi + hn) / hn * eps) * (hn * hn) / (hi * hi);
            out[e] = unbar(xBar, i + 1, v);
        }
        return out;
    }

    /**
     * Samples from x_N (one DDIM step to level N - 1 first) or from a pair (x_N, x_{N-1}).
     *
     * @param latent x_N, or x_N then x_{N-1}
     * @param size C * H * W
     * @return x_0
     */
    public double[] sample(double[] latent, int size) {
        int n = a.length - 1;
        double[] upper = java.util.Arrays.copyOf(latent, size);
        double[] middle;
        if (latent.length == 2 * size) {
            middle = java.util.Arrays.copyOfRange(latent, size, 2 * size);
        } else {
            middle = new double[size];
            for (int e = 0; e < size; e++) {
                // DDIM's step (eta = 0) from level N to N - 1
                double[] pair = cleanAndNoise(model.at(upper[e], e, a[n], b[n], time[n]), upper[e], a[n], b[n]);
                middle[e] = a[n - 1] * pair[0] + b[n - 1] * pair[1];
            }
        }
        for (int i = n - 1; i >= 1; i--) {
            double[] lower = down(upper, middle, i);
            upper = middle;
            middle = lower;
        }
        return middle;
    }

    /**
     * Inverts a clean sample into the pair (x_N, x_{N-1}); the first step to level 1 is DDIM's inversion step
     * (a diffusion model asked at level 1 on x_0, a flow model at t = 0).
     *
     * @param x0 the clean sample
     * @return x_N then x_{N-1}
     */
    public double[] invert(double[] x0) {
        int n = a.length - 1;
        int size = x0.length;
        double[] lower = x0.clone();
        double[] middle = new double[size];
        for (int e = 0; e < size; e++) {
            if (flow) {
                middle[e] = x0[e] + b[1] * model.at(x0[e], e, 1.0, 0.0, cleanTime);
            } else {
                double o = model.at(x0[e], e, a[1], b[1], time[1]);
                middle[e] = a[1] * x0[e] + b[1] * cleanAndNoise(o, x0[e], a[1], b[1])[1];
            }
        }
        for (int i = 1; i < n; i++) {
            double[] upper = up(lower, middle, i);
            lower = middle;
            middle = upper;
        }
        double[] pair = java.util.Arrays.copyOf(middle, 2 * size);
        System.arraycopy(lower, 0, pair, size, size);
        return pair;
    }

    /**
     * The closed-form model's guided raw output in double, each half perturbed as {@link PerturbedDenoiser}
     * perturbs it.
     *
     * @param model the closed-form model
     * @param prediction its prediction type
     * @param y the class row of the conditional half, or -1 for an unconditional request
     * @param nullRow the class row of the unconditional half
     * @param guidance the guidance scale (1: the conditional half alone)
     * @param relative the relative perturbation, 0 for none
     * @return the output
     */
    public static Output gaussian(GaussianDenoiser model, String prediction, int y, int nullRow, double guidance,
            double relative) {
        return (x, element, aa, bb, t) -> {
            int row = y < 0 ? nullRow : y;
            double conditional = ReferenceDdim.output(model, prediction, x, element, row, aa, bb)
                    * (1.0 + relative * PerturbedDenoiser.z(t, element, row));
            if (guidance == 1.0) {
                return conditional;
            }
            double unconditional = ReferenceDdim.output(model, prediction, x, element, nullRow, aa, bb)
                    * (1.0 + relative * PerturbedDenoiser.z(t, element, nullRow));
            return unconditional + guidance * (conditional - unconditional);
        };
    }
}
