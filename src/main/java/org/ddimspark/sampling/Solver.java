package org.ddimspark.sampling;

import java.util.Locale;

/**
 * How a sampler steps from one point of the path to the next ({@code --solver}). Both work on the same
 * points x_t = a_t x0 + b_t noise, for diffusion and flow models alike (docs/CONTRACT.md, Math).
 */
public enum Solver {
    /** The generalised DDIM step: first order, eta &gt;= 0. */
    DDIM("ddim"),
    /**
     * DPM-Solver++(2M) (Lu et al., 2022): the data-prediction multistep solver of second order in the half
     * log-SNR lambda = log(a / b). Its first step and its last (onto the clean point) are first order, where it
     * equals DDIM with eta = 0; every other step extrapolates x0 from the last two predictions,
     * D = x0_i + (x0_i - x0_{i-1}) / (2 r) with r = h_{i-1} / h_i, and takes the DDIM step with D as x0.
     * Deterministic: eta must be 0.
     */
    DPM_SOLVER_2M("dpm++2m"),
    /**
     * The exactly invertible O-BELM (Wang et al., NeurIPS 2024) on the pair of the two latest points, one
     * network call a step ({@link ExactSampler}, {@link ExactInverter}): the solver of {@code invert --inverter
     * exact}, whose latents are pairs that it maps back to the inverted sample. Deterministic: eta must be 0.
     */
    EXACT("exact");

    private final String id;

    Solver(String id) {
        this.id = id;
    }

    /** Returns the option's value, e.g. {@code dpm++2m}. */
    public String id() {
        return id;
    }

    /**
     * Parses {@code --solver}.
     *
     * @param id ddim, dpm++2m or exact
     * @return the solver
     * @throws IllegalArgumentException for any other value
     */
    public static Solver fromId(String id) {
        for (Solver s : values()) {
            if (s.id.equals(id == null ? "" : id.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("--solver must be ddim, dpm++2m or exact, got '" + id + "'");
    }

    /**
     * Returns the half log-SNR of a point, log(a / b): -infinity at pure noise (a = 0), +infinity at the clean
     * point (b = 0).
     *
     * @param a the signal coefficient
     * @param b the noise coefficient
     * @return lambda
     */
    static double lambda(double a, double b) {
        return Math.log(a) - Math.log(b);
    }

    /**
     * Returns the weight w of the previous x0 prediction in the second-order extrapolation
     * D = (1 + w) x0_i - w x0_{i-1}, w = 1 / (2 r), r = h_{i-1} / h_i; 0 (first order) when a step's h is not
     * finite, as at a flow model's pure-noise start.
     *
     * @param lambdaBefore lambda of the previous step's start
     * @param lambdaFrom lambda of this step's start
     * @param lambdaTo lambda of this step's end
     * @return w
     */
    static double previousWeight(double lambdaBefore, double lambdaFrom, double lambdaTo) {
        double previous = lambdaFrom - lambdaBefore;
        double h = lambdaTo - lambdaFrom;
        if (!Double.isFinite(previous) || !Double.isFinite(h) || previous == 0.0) {
            return 0.0;
        }
        return h / (2.0 * previous);
    }
}
