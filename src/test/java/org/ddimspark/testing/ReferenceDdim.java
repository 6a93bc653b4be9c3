package org.ddimspark.testing;

import org.ddimspark.noise.SeededNoise;

/**
 * An independent double-precision DDIM written straight from the paper's equations (DDIM eq. 12 and 16)
 * and the flow formulas of docs/CONTRACT.md (Math), for the closed-form Gaussian model: alpha-bars, timesteps, model
 * outputs, guidance and steps all in double, nothing shared with the library but the seeded noise.
 */
public final class ReferenceDdim {

    private ReferenceDdim() {}

    /** alpha-bar by a plain cumulative product of 1 - beta. */
    public static double[] alphaBars(String kind, int t, double betaStart, double betaEnd) {
        double[] ab = new double[t];
        double product = 1.0;
        for (int i = 0; i < t; i++) {
            double beta;
            if (kind.equals("linear")) {
                beta = betaStart + (betaEnd - betaStart) * i / (t - 1);
            } else if (kind.equals("scaled_linear")) {
                double r = Math.sqrt(betaStart) + (Math.sqrt(betaEnd) - Math.sqrt(betaStart)) * i / (t - 1);
                beta = r * r;
            } else {
                double f1 = Math.pow(Math.cos(((double) i / t + 0.008) / 1.008 * Math.PI / 2), 2);
                double f2 = Math.pow(Math.cos(((double) (i + 1) / t + 0.008) / 1.008 * Math.PI / 2), 2);
                beta = Math.min(1 - f2 / f1, 0.999);
            }
            product *= 1 - beta;
            ab[i] = product;
        }
        return ab;
    }

    /** The model's raw output in double for prediction type {@code prediction} at (a, b). */
    static double output(GaussianDenoiser model, String prediction, double x, int element, int y, double a, double b) {
        double[] pair = model.cleanAndNoise(x, element, y, a, b);
        switch (prediction) {
            case "epsilon": return pair[1];
            case "sample": return pair[0];
            case "v_prediction": return a * pair[1] - b * pair[0];
            default: return pair[1] - pair[0];
        }
    }

    /**
     * DDIM sampling of one request on a variance-preserving model, in double.
     *
     * @param timesteps the visited timesteps, descending
     * @param y the class row for the conditional half, or -1 (unconditional request)
     * @param nullRow the class row of the unconditional half
     * @param guidance the guidance scale (1: no unconditional half)
     * @return x0
     */
    public static double[] sampleDiffusion(GaussianDenoiser model, String prediction, double[] ab, int[] timesteps,
            double[] xT, long seed, double eta, int y, int nullRow, double guidance) {
        double[] x = xT.clone();
        for (int k = 0; k < timesteps.length; k++) {
            double abT = ab[timesteps[k]];
            double abPrev = k + 1 < timesteps.length ? ab[timesteps[k + 1]] : 1.0;
            double sqrtAb = Math.sqrt(abT);
            double sqrtOneMinus = Math.sqrt(1 - abT);
            double sigma = eta * Math.sqrt((1 - abPrev) / (1 - abT)) * Math.sqrt(1 - abT / abPrev);
            double[] next = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double out = guided(model, prediction, x[i], i, y, nullRow, guidance, sqrtAb, sqrtOneMinus);
                double eps;
                switch (prediction) {
                    case "epsilon": eps = out; break;
                    case "sample": eps = (x[i] - sqrtAb * out) / sqrtOneMinus; break;
                    default: eps = sqrtAb * out + sqrtOneMinus * x[i]; break; // v_prediction
                }
                double x0 = (x[i] - sqrtOneMinus * eps) / sqrtAb;                       // eq. 12, "predicted x0"
                double direction = Math.sqrt(Math.max(1 - abPrev - sigma * sigma, 0)) * eps; // "direction to x_t"
                double z = sigma == 0 ? 0 : SeededNoise.gaussian(seed, k + 1, i);
                next[i] = Math.sqrt(abPrev) * x0 + direction + sigma * z;
            }
            x = next;
        }
        return x;
    }

    /**
     * Flow sampling of one request: the Euler step x_s = x_t + (s - t) v when eta = 0, and the general
     * formula of docs/CONTRACT.md otherwise.
     *
     * @param times the visited times, descending from 1 to 0
     */
    public static double[] sampleFlow(GaussianDenoiser model, double[] times, double[] xT, long seed, double eta,
            int y, int nullRow, double guidance) {
        double[] x = xT.clone();
        for (int k = 0; k + 1 < times.length; k++) {
            double t = times[k];
            double s = times[k + 1];
            double sigma = eta == 0 || s == 0 ? 0
                    : eta * (s / t) * Math.sqrt(t * t - Math.pow((1 - t) * s / (1 - s), 2));
            double[] next = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double v = guided(model, "flow_velocity", x[i], i, y, nullRow, guidance, 1 - t, t);
                if (eta == 0) {
                    next[i] = x[i] + (s - t) * v;
                } else {
                    double x0 = x[i] - t * v;
                    double noise = x[i] + (1 - t) * v;
                    double z = SeededNoise.gaussian(seed, k + 1, i);
                    next[i] = (1 - s) * x0 + Math.sqrt(s * s - sigma * sigma) * noise + sigma * z;
                }
            }
            x = next;
        }
        return x;
    }

    /**
     * DDIM inversion of one request on a variance-preserving model, in double: from the clean x0 up the
     * timesteps, each step asking the model for its noise at the noisier target t on the current x_s.
     *
     * @param timesteps the visited timesteps, ascending
     */
    public static double[] invertDiffusion(GaussianDenoiser model, String prediction, double[] ab, int[] timesteps,
            double[] x0, int y, int nullRow, double guidance) {
        double[] x = x0.clone();
        double abS = 1.0;
        for (int t : timesteps) {
            double abT = ab[t];
            double sqrtAb = Math.sqrt(abT);
            double sqrtOneMinus = Math.sqrt(1 - abT);
            for (int i = 0; i < x.length; i++) {
                double out = guided(model, prediction, x[i], i, y, nullRow, guidance, sqrtAb, sqrtOneMinus);
                double eps;
                switch (prediction) {
                    case "epsilon": eps = out; break;
                    case "sample": eps = (x[i] - sqrtAb * out) / sqrtOneMinus; break;
                    default: eps = sqrtAb * out + sqrtOneMinus * x[i]; break; // v_prediction
                }
                double clean = (x[i] - Math.sqrt(1 - abS) * eps) / Math.sqrt(abS);
                x[i] = sqrtAb * clean + sqrtOneMinus * eps;
            }
            abS = abT;
        }
        return x;
    }

    /**
     * Flow inversion of one request: forward Euler steps x_t = x_s + (t - s) v(x_s, s).
     *
     * @param times the visited times, ascending from 0 to 1
     */
    public static double[] invertFlow(GaussianDenoiser model, double[] times, double[] x0, int y, int nullRow,
            double guidance) {
        double[] x = x0.clone();
        for (int k = 0; k + 1 < times.length; k++) {
            double s = times[k];
            double t = times[k + 1];
            for (int i = 0; i < x.length; i++) {
                x[i] += (t - s) * guided(model, "flow_velocity", x[i], i, y, nullRow, guidance, 1 - s, s);
            }
        }
        return x;
    }

    /**
     * DPM-Solver++(2M) of one request, in double, written as diffusers' DPMSolverMultistepScheduler computes it
     * (algorithm_type "dpmsolver++", solver_type "midpoint", final_sigmas_type "zero", so that the first and the
     * last step are first order): x_t = (b_t / b_s0) x - a_t (exp(-h) - 1) D0 - 0.5 a_t (exp(-h) - 1) D1,
     * D0 = m0, D1 = (m0 - m1) / r0, r0 = h_0 / h, lambda = log a - log b.
     *
     * @param a the signal coefficient of each visited point, noisiest first, ending at the clean point (a = 1 or
     *     1 - 0 for flows)
     * @param b the noise coefficient of each point, ending at 0
     * @param prediction the model's prediction type
     * @return x0
     */
    public static double[] sampleDpmSolver2M(GaussianDenoiser model, String prediction, double[] a, double[] b,
            double[] xT, int y, int nullRow, double guidance) {
        double[] x = xT.clone();
        double[] previous = null;
        int steps = a.length - 1;
        for (int k = 0; k < steps; k++) {
            double[] m0 = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double out = guided(model, prediction, x[i], i, y, nullRow, guidance, a[k], b[k]);
                switch (prediction) {
                    case "epsilon": m0[i] = (x[i] - b[k] * out) / a[k]; break;
                    case "sample": m0[i] = out; break;
                    case "v_prediction": m0[i] = a[k] * x[i] - b[k] * out; break;
                    default: m0[i] = x[i] - b[k] * out; break; // flow velocity
                }
            }
            double lambdaT = Math.log(a[k + 1]) - Math.log(b[k + 1]);
            double lambdaS0 = Math.log(a[k]) - Math.log(b[k]);
            double h = lambdaT - lambdaS0;
            double[] next = new double[x.length];
            boolean firstOrder = k == 0 || k == steps - 1;
            for (int i = 0; i < x.length; i++) {
                double scaled = b[k + 1] == 0 ? 0 : b[k + 1] / b[k] * x[i];
                if (firstOrder) {
                    next[i] = scaled - a[k + 1] * (Math.exp(-h) - 1.0) * m0[i];
                } else {
                    double lambdaS1 = Math.log(a[k - 1]) - Math.log(b[k - 1]);
                    double r0 = (lambdaS0 - lambdaS1) / h;
                    double d1 = (m0[i] - previous[i]) / r0;
                    next[i] = scaled - a[k + 1] * (Math.exp(-h) - 1.0) * m0[i]
                            - 0.5 * a[k + 1] * (Math.exp(-h) - 1.0) * d1;
                }
            }
            previous = m0;
            x = next;
        }
        return x;
    }

    static double guided(GaussianDenoiser model, String prediction, double x, int i, int y, int nullRow,
            double guidance, double a, double b) {
        int row = y < 0 ? nullRow : y;
        double conditional = output(model, prediction, x, i, row, a, b);
        if (guidance == 1.0) {
            return conditional;
        }
        double unconditional = output(model, prediction, x, i, nullRow, a, b);
        return unconditional + guidance * (conditional - unconditional);
    }
}
