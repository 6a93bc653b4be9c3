package org.ddimspark.sampling;

/**
 * Spherical linear interpolation between two latents, as the DDIM paper interpolates x_T (section 5.3):
 * x(alpha) = sin((1 - alpha) theta) / sin(theta) a + sin(alpha theta) / sin(theta) b, with theta the angle
 * between a and b. It keeps latents at the norm Gaussian noise has, where a straight line would shrink them.
 * The end points are returned exactly; nearly parallel latents fall back to the straight line.
 */
public final class Slerp {

    private static final double PARALLEL = 1e-6;

    private Slerp() {}

    /**
     * Interpolates.
     *
     * @param a the latent at alpha = 0
     * @param b the latent at alpha = 1, as long as {@code a}
     * @param alpha the position, 0..1
     * @return the interpolated latent
     */
    public static float[] between(float[] a, float[] b, double alpha) {
        return between(a, b, alpha, a.length);
    }

    /**
     * Interpolates two pairs of an exact inversion (x_T, then x at the next level): the weights of the slerp of
     * the x_T halves, applied to both halves, so that the interpolated pair is as near the sampler's path as
     * its ends.
     *
     * @param a the pair at alpha = 0
     * @param b the pair at alpha = 1, as long as {@code a}
     * @param alpha the position, 0..1
     * @return the interpolated pair
     */
    public static float[] betweenPairs(float[] a, float[] b, double alpha) {
        if (a.length % 2 != 0) {
            throw new IllegalArgumentException("a pair of latents has an even length, got " + a.length);
        }
        return between(a, b, alpha, a.length / 2);
    }

    /** Slerps with the angle between the first {@code measured} values, applying its weights to all of them. */
    private static float[] between(float[] a, float[] b, double alpha, int measured) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("latents of " + a.length + " and " + b.length + " values");
        }
        if (alpha == 0.0) {
            return a.clone();
        }
        if (alpha == 1.0) {
            return b.clone();
        }
        double dot = 0.0;
        double na = 0.0;
        double nb = 0.0;
        for (int i = 0; i < measured; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        double cos = na == 0.0 || nb == 0.0 ? 1.0 : Math.max(-1.0, Math.min(1.0, dot / Math.sqrt(na * nb)));
        double theta = Math.acos(cos);
        double sin = Math.sin(theta);
        double wa;
        double wb;
        if (sin < PARALLEL) {
            wa = 1.0 - alpha;
            wb = alpha;
        } else {
            wa = Math.sin((1.0 - alpha) * theta) / sin;
            wb = Math.sin(alpha * theta) / sin;
        }
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) (wa * a[i] + wb * b[i]);
        }
        return out;
    }
}
