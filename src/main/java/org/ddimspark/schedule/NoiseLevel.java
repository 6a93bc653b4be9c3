package org.ddimspark.schedule;

/**
 * One point of the path x = a x0 + b noise, and what the network is given as its time there.
 *
 * @param a the signal coefficient (sqrt(alpha-bar) for diffusion, 1 - t for flow)
 * @param b the noise coefficient (sqrt(1 - alpha-bar) for diffusion, t for flow)
 * @param modelTime the network's time argument, or NaN for the clean end point, which is never evaluated
 * @param label a readable name for reports and errors, for example {@code t=999} or {@code t=0.75}
 */
public record NoiseLevel(double a, double b, double modelTime, String label) {

    /** The clean end point: alpha-bar = 1 for diffusion, t = 0 for flow. */
    public static final NoiseLevel CLEAN = new NoiseLevel(1.0, 0.0, Double.NaN, "clean");

    /** Returns whether this is the clean end point (b = 0, no network evaluation). */
    public boolean isClean() {
        return b == 0.0;
    }
}
