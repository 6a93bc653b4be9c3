package org.ddimspark.schedule;

import java.io.Serializable;
import java.util.Objects;

/**
 * A trained noise schedule: its kind, the number T of trained timesteps and, for the beta schedules, the
 * first and last beta. It turns a spacing and a number of steps into the {@link NoiseLevel}s a sampler
 * visits. Immutable: its alpha-bar table is computed once, when it is made (or read back), and shared by
 * every thread of an executor.
 */
public final class NoiseSchedule implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A flow model given {@link TimestepInput#INDEX} sees t * this. */
    public static final double FLOW_INDEX_SCALE = 1000.0;

    /** The largest T a schedule may have: its alpha-bar table is T doubles. */
    public static final int MAX_TRAIN_TIMESTEPS = 1_000_000;

    private final ScheduleKind kind;
    private final int trainTimesteps;
    private final double betaStart;
    private final double betaEnd;
    /** alpha-bar_t for t = 0..T-1; null for a flow schedule. */
    private final transient double[] alphaBars;

    /**
     * Creates a schedule.
     *
     * @param kind the kind
     * @param trainTimesteps T, at least 1
     * @param betaStart the first beta (linear and scaled_linear)
     * @param betaEnd the last beta (linear and scaled_linear)
     */
    public NoiseSchedule(ScheduleKind kind, int trainTimesteps, double betaStart, double betaEnd) {
        this.kind = Objects.requireNonNull(kind, "kind");
        if (trainTimesteps < 1 || trainTimesteps > MAX_TRAIN_TIMESTEPS) {
            throw new IllegalArgumentException("num_train_timesteps must be in 1.." + MAX_TRAIN_TIMESTEPS + ", got "
                    + trainTimesteps);
        }
        if (kind == ScheduleKind.LINEAR || kind == ScheduleKind.SCALED_LINEAR) {
            if (!(betaStart > 0 && betaStart <= betaEnd && betaEnd < 1)) {
                throw new IllegalArgumentException("beta_start and beta_end must satisfy 0 < beta_start <= beta_end < 1,"
                        + " got " + betaStart + " and " + betaEnd);
            }
        }
        this.trainTimesteps = trainTimesteps;
        this.betaStart = betaStart;
        this.betaEnd = betaEnd;
        this.alphaBars = kind.isDiffusion() ? cumulativeProduct(betas()) : null;
    }

    /** A schedule read back from its serialized form is made anew, with its table. */
    private Object readResolve() {
        return new NoiseSchedule(kind, trainTimesteps, betaStart, betaEnd);
    }

    /** Returns the kind. */
    public ScheduleKind kind() {
        return kind;
    }

    /** Returns T, the number of trained timesteps. */
    public int trainTimesteps() {
        return trainTimesteps;
    }

    /** Returns the first beta. */
    public double betaStart() {
        return betaStart;
    }

    /** Returns the last beta. */
    public double betaEnd() {
        return betaEnd;
    }

    /**
     * Returns alpha-bar_t = prod_{i &lt;= t} (1 - beta_i) for t = 0..T-1 (diffusion schedules only).
     *
     * @return a copy of the table
     */
    public double[] alphaBars() {
        return alphaBarTable().clone();
    }

    /**
     * Returns the betas of a diffusion schedule.
     *
     * @return T betas
     */
    public double[] betas() {
        int t = trainTimesteps;
        double[] betas = new double[t];
        switch (kind) {
            case LINEAR: {
                double[] grid = Spacing.linspace(betaStart, betaEnd, t);
                System.arraycopy(grid, 0, betas, 0, t);
                break;
            }
            case SCALED_LINEAR: {
                double[] grid = Spacing.linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), t);
                for (int i = 0; i < t; i++) {
                    betas[i] = grid[i] * grid[i];
                }
                break;
            }
            case COSINE: {
                for (int i = 0; i < t; i++) {
                    double t1 = (double) i / t;
                    double t2 = (double) (i + 1) / t;
                    betas[i] = Math.min(1.0 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
                }
                break;
            }
            default:
                throw new IllegalStateException("a " + kind.id() + " schedule has no betas");
        }
        return betas;
    }

    /**
     * Returns the levels a sampler visits, noisiest first, ending with {@link NoiseLevel#CLEAN}. A
     * diffusion model visits the timesteps of {@code spacing} from the largest down; a flow model visits
     * t_i = shifted(i / S) for i = S..1.
     *
     * @param spacing the spacing
     * @param steps S
     * @param shift the flow time shift (1 = none; diffusion schedules require 1)
     * @param input what the network is given as time
     * @return the levels
     */
    public NoiseLevel[] samplingLevels(Spacing spacing, int steps, double shift, TimestepInput input) {
        if (kind == ScheduleKind.RECTIFIED_FLOW) {
            double[] times = spacing.flowTimes(steps, shift);
            NoiseLevel[] levels = new NoiseLevel[times.length];
            for (int i = 0; i < times.length; i++) {
                levels[i] = i == times.length - 1 ? NoiseLevel.CLEAN : flowLevel(times[i], input);
            }
            return levels;
        }
        if (shift != 1.0) {
            throw new IllegalArgumentException("shift applies to flow models only; a " + kind.id()
                    + " schedule needs shift = 1");
        }
        int[] seq = spacing.timesteps(trainTimesteps, steps);
        NoiseLevel[] levels = new NoiseLevel[seq.length + 1];
        for (int i = 0; i < seq.length; i++) {
            levels[i] = diffusionLevel(seq[seq.length - 1 - i], input);
        }
        levels[seq.length] = NoiseLevel.CLEAN;
        return levels;
    }

    /**
     * Returns the level of trained timestep {@code t} of a diffusion schedule.
     *
     * @param t the timestep, 0..T-1
     * @param input what the network is given as time
     * @return the level
     */
    public NoiseLevel diffusionLevel(int t, TimestepInput input) {
        double alphaBar = alphaBarTable()[t];
        double modelTime = input == TimestepInput.INDEX ? t
                : trainTimesteps == 1 ? 0.0 : (double) t / (trainTimesteps - 1);
        return new NoiseLevel(Math.sqrt(alphaBar), Math.sqrt(1.0 - alphaBar), modelTime, "t=" + t);
    }

    /**
     * Returns the level of time {@code t} of a flow schedule.
     *
     * @param t the time in [0, 1]
     * @param input what the network is given as time
     * @return the level
     */
    public static NoiseLevel flowLevel(double t, TimestepInput input) {
        double modelTime = input == TimestepInput.INDEX ? t * FLOW_INDEX_SCALE : t;
        return new NoiseLevel(1.0 - t, t, modelTime, "t=" + t);
    }

    private double[] alphaBarTable() {
        if (kind == ScheduleKind.RECTIFIED_FLOW) {
            throw new IllegalStateException("a rectified_flow schedule has no alpha-bar table");
        }
        return alphaBars;
    }

    private static double[] cumulativeProduct(double[] betas) {
        double[] table = new double[betas.length];
        double product = 1.0;
        for (int i = 0; i < betas.length; i++) {
            product *= 1.0 - betas[i];
            table[i] = product;
        }
        return table;
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2.0);
        return c * c;
    }

    @Override
    public String toString() {
        return kind.isDiffusion()
                ? kind.id() + "(T=" + trainTimesteps + (kind == ScheduleKind.COSINE ? "" : ", beta=" + betaStart + ".." + betaEnd) + ")"
                : kind.id();
    }
}
