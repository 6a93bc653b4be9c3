package org.ddimspark.sampling;

import org.ddimspark.schedule.NoiseLevel;

/**
 * The generalised DDIM step between two points of the path x = a x0 + b noise (DDIM paper, eq. 12 and
 * 16; docs/CONTRACT.md, Math). For a variance-preserving model a = sqrt(alpha-bar), b = sqrt(1 - alpha-bar); for a
 * rectified flow a = 1 - t, b = t, where eta = 0 gives the Euler step x_s = x_t + (s - t) v.
 */
public final class DdimStep {

    private DdimStep() {}

    /**
     * Returns the standard deviation of the fresh noise of a step from {@code from} to {@code to}:
     * sigma = eta (b_s / b_t) sqrt(b_t^2 - (a_t b_s / a_s)^2), which is eq. 16 for a diffusion model
     * and keeps the marginal of x_s for any eta in [0, 1].
     *
     * @param eta 0 (deterministic DDIM) .. 1 (DDPM posterior variance)
     * @param from the current point t
     * @param to the next, less noisy point s
     * @return sigma, 0 when eta = 0 or when s is the clean end point
     */
    public static double sigma(double eta, NoiseLevel from, NoiseLevel to) {
        if (eta == 0.0 || to.b() == 0.0) {
            return 0.0;
        }
        double bridge = from.a() * to.b() / to.a();
        double variance = from.b() * from.b() - bridge * bridge;
        return eta * (to.b() / from.b()) * Math.sqrt(Math.max(variance, 0.0));
    }

    /**
     * Returns the coefficient of the predicted noise in x_s: sqrt(b_s^2 - sigma^2).
     *
     * @param to the next point s
     * @param sigma the step's sigma
     * @return the coefficient
     */
    public static double noiseCoefficient(NoiseLevel to, double sigma) {
        return Math.sqrt(Math.max(to.b() * to.b() - sigma * sigma, 0.0));
    }

    /**
     * Returns x_s = a_s x0 + sqrt(b_s^2 - sigma^2) noise + sigma z for one element (eq. 12).
     *
     * @param x0 the predicted clean sample
     * @param noise the predicted noise
     * @param z fresh standard normal noise (ignored when sigma = 0)
     * @param to the next point s
     * @param noiseCoefficient {@link #noiseCoefficient(NoiseLevel, double)}
     * @param sigma the step's sigma
     * @return x_s
     */
    public static double next(double x0, double noise, double z, NoiseLevel to, double noiseCoefficient, double sigma) {
        double xs = to.a() * x0 + noiseCoefficient * noise;
        return sigma == 0.0 ? xs : xs + sigma * z;
    }
}
