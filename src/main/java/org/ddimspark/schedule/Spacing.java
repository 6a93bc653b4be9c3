package org.ddimspark.schedule;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Timestep spacings: which of the T trained timesteps a sampler with S steps visits.
 *
 * <p>{@code uniform} and {@code quad} are those of the DDIM paper's code ({@code range(0, T, T // S)} and
 * {@code int(linspace(0, sqrt(0.8 T), S) ** 2)}; like the paper, {@code uniform} can visit more than S
 * timesteps when S does not divide T, and {@code quad} can repeat one). {@code leading}, {@code trailing}
 * and {@code linspace} are those of diffusers' DDIMScheduler with {@code steps_offset = 0} (for
 * {@code trailing}, exactly S entries: numpy's arange there sometimes adds an entry at -1). A flow model
 * knows only {@code uniform}: t_i = i / S.
 */
public enum Spacing {
    UNIFORM("uniform"),
    QUAD("quad"),
    LEADING("leading"),
    TRAILING("trailing"),
    LINSPACE("linspace");

    private final String id;

    Spacing(String id) {
        this.id = id;
    }

    /** Returns the name used on the command line. */
    public String id() {
        return id;
    }

    /**
     * Returns the visited timesteps of a diffusion model in ascending order (the order of the DDIM
     * paper's {@code seq}); sampling walks them from the last entry down.
     *
     * @param trainTimesteps T
     * @param steps S, 1..T
     * @return the timesteps, each in 0..T-1
     */
    public int[] timesteps(int trainTimesteps, int steps) {
        int t = trainTimesteps;
        int s = steps;
        if (s < 1 || s > t) {
            throw new IllegalArgumentException("steps must be in 1.." + t + ", got " + s);
        }
        int[] seq;
        switch (this) {
            case UNIFORM: {
                int skip = t / s;
                seq = new int[(t + skip - 1) / skip];
                for (int i = 0; i < seq.length; i++) {
                    seq[i] = i * skip;
                }
                break;
            }
            case QUAD: {
                double[] grid = linspace(0.0, Math.sqrt(t * 0.8), s);
                seq = new int[s];
                for (int i = 0; i < s; i++) {
                    seq[i] = (int) (grid[i] * grid[i]);
                }
                break;
            }
            case LEADING: {
                int ratio = t / s;
                seq = new int[s];
                for (int i = 0; i < s; i++) {
                    seq[i] = i * ratio;
                }
                break;
            }
            case TRAILING: {
                // np.round(np.arange(T, 0, -T / S)) - 1, reversed into ascending order. numpy's arange
                // sometimes overshoots by one entry that rounds to -1 (T = 1000, S = 61): take exactly S.
                double ratio = (double) t / s;
                seq = new int[s];
                for (int i = 0; i < s; i++) {
                    seq[s - 1 - i] = (int) Math.rint(t - i * ratio) - 1;
                }
                break;
            }
            case LINSPACE: {
                double[] grid = linspace(0.0, t - 1, s);
                seq = new int[s];
                for (int i = 0; i < s; i++) {
                    seq[i] = (int) Math.rint(grid[i]);
                }
                break;
            }
            default:
                throw new AssertionError(this);
        }
        return seq;
    }

    /**
     * Returns the visited times of a flow model in descending order, t_i = i / S for i = S..0, each
     * mapped by the shift k t / (1 + (k - 1) t) of Stable Diffusion 3 (k = 1: no shift).
     *
     * @param steps S
     * @param shift k &gt; 0
     * @return S + 1 times from 1 down to exactly 0
     */
    public double[] flowTimes(int steps, double shift) {
        if (this != UNIFORM) {
            throw new IllegalArgumentException("a flow model supports only the uniform spacing, got " + id);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        if (!(shift > 0) || Double.isInfinite(shift)) {
            throw new IllegalArgumentException("shift must be a positive number, got " + shift);
        }
        double[] times = new double[steps + 1];
        for (int i = steps; i >= 0; i--) {
            double t = (double) i / steps;
            times[steps - i] = shift * t / (1.0 + (shift - 1.0) * t);
        }
        return times;
    }

    /**
     * Parses a command-line name.
     *
     * @param id the name, for example {@code quad}
     * @return the spacing
     */
    public static Spacing fromId(String id) {
        String key = id == null ? "" : id.toLowerCase(Locale.ROOT);
        for (Spacing spacing : values()) {
            if (spacing.id.equals(key)) {
                return spacing;
            }
        }
        throw new IllegalArgumentException("unknown spacing '" + id + "' (expected one of "
                + Arrays.stream(values()).map(Spacing::id).collect(Collectors.joining(", ")) + ")");
    }

    /** numpy.linspace(start, stop, n), endpoint included, computed the way numpy does. */
    static double[] linspace(double start, double stop, int n) {
        double[] out = new double[n];
        if (n == 1) {
            out[0] = start;
            return out;
        }
        double step = (stop - start) / (n - 1);
        for (int i = 0; i < n; i++) {
            out[i] = start + i * step;
        }
        out[n - 1] = stop;
        return out;
    }
}
