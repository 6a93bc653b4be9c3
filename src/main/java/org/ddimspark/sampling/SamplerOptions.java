package org.ddimspark.sampling;

import java.io.Serializable;
import java.util.Objects;
import org.ddimspark.model.ModelCard;
import org.ddimspark.schedule.NoiseLevel;
import org.ddimspark.schedule.Spacing;

/**
 * How to sample: steps, eta, spacing, flow shift, classifier-free guidance, clipping and dynamic
 * thresholding of the predicted x0. Immutable; build with {@link #builder()}.
 */
public final class SamplerOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int steps;
    private final double eta;
    private final Spacing spacing;
    private final double shift;
    private final double guidance;
    private final boolean clipSample;
    private final double thresholdPercentile;
    private final double thresholdMax;
    private final Solver solver;
    private final boolean solverChosen;
    private final int refine;

    private SamplerOptions(Builder b) {
        this.steps = b.steps;
        this.eta = b.eta;
        this.spacing = b.spacing;
        this.shift = b.shift;
        this.guidance = b.guidance;
        this.clipSample = b.clipSample;
        this.thresholdPercentile = b.thresholdPercentile;
        this.thresholdMax = b.thresholdMax;
        this.solver = b.solver;
        this.solverChosen = b.solverChosen;
        this.refine = b.refine;
    }

    /** Returns a builder with the defaults: 50 steps, eta 0, uniform spacing, no shift, the model's guidance. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.steps = steps;
        b.eta = eta;
        b.spacing = spacing;
        b.shift = shift;
        b.guidance = guidance;
        b.clipSample = clipSample;
        b.thresholdPercentile = thresholdPercentile;
        b.thresholdMax = thresholdMax;
        b.solver = solver;
        b.solverChosen = solverChosen;
        b.refine = refine;
        return b;
    }

    /** Returns the solver, {@link Solver#DDIM} unless chosen. */
    public Solver solver() {
        return solver;
    }

    /**
     * Returns whether the solver was chosen ({@code --solver}) rather than left at its default: a stored exact
     * pair is sampled with {@link Solver#EXACT} unless another solver was chosen, which refuses it.
     */
    public boolean solverChosen() {
        return solverChosen;
    }

    /**
     * Returns how many network calls an exact inversion spends at most on the first point above the clean
     * sample ({@code invert --refine}; {@link ExactInverter}).
     */
    public int refine() {
        return refine;
    }

    /** The default of {@link #refine()}. */
    public static final int DEFAULT_REFINE = 20;

    /** Returns S, the number of sampling steps asked for. */
    public int steps() {
        return steps;
    }

    /** Returns eta in [0, 1]. */
    public double eta() {
        return eta;
    }

    /** Returns the timestep spacing. */
    public Spacing spacing() {
        return spacing;
    }

    /** Returns the flow time shift (1 = none). */
    public double shift() {
        return shift;
    }

    /** The most steps of a flow model (a diffusion model's are its trained timesteps). */
    public static final int MAX_FLOW_STEPS = 100_000;

    /** Returns the guidance scale, or NaN for the model's recommended one. */
    public double guidance() {
        return guidance;
    }

    /** Returns whether x0 is clipped to the model's value range. */
    public boolean clipSample() {
        return clipSample;
    }

    /** Returns the dynamic thresholding percentile in (0, 1), or 0 when off. */
    public double thresholdPercentile() {
        return thresholdPercentile;
    }

    /** Returns the upper bound of the dynamic threshold, in half value ranges. */
    public double thresholdMax() {
        return thresholdMax;
    }

    /**
     * Returns the guidance scale used for a model: this option, or the card's recommendation when unset.
     * Requests without a class always use 1: with no class both halves of the guidance are the same.
     *
     * @param card the model's card
     * @param conditioned whether the requests carry a class
     * @return the scale
     */
    public double guidanceFor(ModelCard card, boolean conditioned) {
        if (!conditioned) {
            return 1.0;
        }
        return Double.isNaN(guidance) ? card.guidance() : guidance;
    }

    /**
     * Returns these options with the guidance scale a model actually uses ({@link #guidanceFor}).
     *
     * @param card the model's card
     * @param conditioned whether the requests carry a class
     * @return the resolved options
     */
    public SamplerOptions resolve(ModelCard card, boolean conditioned) {
        return toBuilder().optGuidance(guidanceFor(card, conditioned)).build();
    }

    /**
     * Returns the points of the path that a sampler with these options visits on a model, noisiest first,
     * ending at the clean end point.
     *
     * @param card the model's card
     * @return the levels
     */
    public NoiseLevel[] levels(ModelCard card) {
        return card.schedule().samplingLevels(spacing, steps, shift, card.timestepInput());
    }

    /**
     * Checks these options against a model.
     *
     * @param card the model's card
     * @param conditioned whether the requests carry a class
     * @throws IllegalArgumentException with a one-line reason naming the option
     */
    public void validate(ModelCard card, boolean conditioned) {
        boolean diffusion = card.schedule().kind().isDiffusion();
        int maxSteps = diffusion ? card.schedule().trainTimesteps() : MAX_FLOW_STEPS;
        if (steps < 1 || steps > maxSteps) {
            throw new IllegalArgumentException("--steps must be in 1.." + maxSteps
                    + (diffusion ? " (the model's trained timesteps)" : " for a flow model") + ", got " + steps);
        }
        if (!diffusion && spacing != Spacing.UNIFORM) {
            throw new IllegalArgumentException("--spacing " + spacing.id() + " is for diffusion models; flow model '"
                    + card.name() + "' takes uniform (with --shift)");
        }
        if (diffusion && shift != 1.0) {
            throw new IllegalArgumentException("--shift is for flow models; '" + card.name() + "' is a diffusion model");
        }
        if (solver == Solver.EXACT && diffusion) {
            for (NoiseLevel level : levels(card)) {
                if (!(level.a() > 0.0)) {
                    throw new IllegalArgumentException("--solver exact needs a > 0 at every level; model '" + card.name()
                            + "' has a = " + level.a() + " at " + level.label() + " (a zero-terminal-SNR schedule)");
                }
            }
        }
        if (!Double.isNaN(guidance) && guidance != 1.0) {
            if (!card.isConditional()) {
                throw new IllegalArgumentException("--guidance needs a class-conditional model; '" + card.name()
                        + "' is unconditional");
            }
            if (!conditioned) {
                throw new IllegalArgumentException("--guidance needs --class or --all-classes");
            }
        }
    }

    @Override
    public String toString() {
        return "steps=" + steps + ", eta=" + eta + ", spacing=" + spacing.id() + (shift != 1.0 ? ", shift=" + shift : "")
                + ", guidance=" + (Double.isNaN(guidance) ? "model default" : guidance)
                + (clipSample ? ", clip_sample" : "")
                + (thresholdPercentile > 0 ? ", dynamic_threshold=" + thresholdPercentile + " (max " + thresholdMax + ")" : "")
                + (solver != Solver.DDIM ? ", solver=" + solver.id() : "")
                + (solver == Solver.EXACT && refine != DEFAULT_REFINE ? ", refine=" + refine : "");
    }

    /** Builds {@link SamplerOptions}. */
    public static final class Builder {
        private int steps = 50;
        private double eta;
        private Spacing spacing = Spacing.UNIFORM;
        private double shift = 1.0;
        private double guidance = Double.NaN;
        private boolean clipSample;
        private double thresholdPercentile;
        private double thresholdMax = Double.POSITIVE_INFINITY;
        private Solver solver = Solver.DDIM;
        private boolean solverChosen;
        private int refine = DEFAULT_REFINE;

        private Builder() {}

        /**
         * Sets the number of sampling steps S.
         *
         * @param steps S, at least 1
         * @return this builder
         */
        public Builder setSteps(int steps) {
            this.steps = steps;
            return this;
        }

        /**
         * Sets eta: 0 is deterministic DDIM, 1 the DDPM posterior variance.
         *
         * @param eta in [0, 1]
         * @return this builder
         */
        public Builder optEta(double eta) {
            this.eta = eta;
            return this;
        }

        /**
         * Sets the timestep spacing.
         *
         * @param spacing the spacing
         * @return this builder
         */
        public Builder optSpacing(Spacing spacing) {
            this.spacing = Objects.requireNonNull(spacing, "spacing");
            return this;
        }

        /**
         * Sets the flow time shift k: t -&gt; k t / (1 + (k - 1) t).
         *
         * @param shift k &gt; 0
         * @return this builder
         */
        public Builder optShift(double shift) {
            this.shift = shift;
            return this;
        }

        /**
         * Sets the classifier-free guidance scale; NaN keeps the model's recommendation.
         *
         * @param guidance the scale, 1 = conditional only
         * @return this builder
         */
        public Builder optGuidance(double guidance) {
            this.guidance = guidance;
            return this;
        }

        /**
         * Clips the predicted x0 to the model's value range at every step.
         *
         * @param clipSample whether to clip
         * @return this builder
         */
        public Builder optClipSample(boolean clipSample) {
            this.clipSample = clipSample;
            return this;
        }

        /**
         * Turns on the dynamic thresholding of Imagen (Saharia et al. 2022): per sample, s = the
         * percentile of |x0| (in half value ranges about the range's centre), s = clamp(s, 1, max), and
         * x0 = clamp(x0, -s, s) / s.
         *
         * @param percentile in (0, 1), for example 0.995; 0 turns it off
         * @param max the upper bound of s, at least 1 (infinity: none)
         * @return this builder
         */
        public Builder optDynamicThreshold(double percentile, double max) {
            this.thresholdPercentile = percentile;
            this.thresholdMax = max;
            return this;
        }

        /**
         * Sets the solver (default {@link Solver#DDIM}).
         *
         * @param solver the solver; {@link Solver#DPM_SOLVER_2M} and {@link Solver#EXACT} need eta = 0
         * @return this builder
         */
        public Builder optSolver(Solver solver) {
            this.solver = java.util.Objects.requireNonNull(solver, "solver");
            this.solverChosen = true;
            return this;
        }

        /**
         * Sets how many network calls an exact inversion spends at most on its first point (default 20): 0
         * keeps the DDIM inversion step's point, which inverts as exactly but leaves a diffusion model's x_T
         * far from a normal sample.
         *
         * @param refine at least 0
         * @return this builder
         */
        public Builder optRefine(int refine) {
            this.refine = refine;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException when a value is out of range
         */
        public SamplerOptions build() {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
            }
            if (!(eta >= 0.0 && eta <= 1.0)) {
                throw new IllegalArgumentException("--eta must be in [0, 1], got " + eta);
            }
            if (!(shift > 0.0) || Double.isInfinite(shift)) {
                throw new IllegalArgumentException("--shift must be a positive number, got " + shift);
            }
            if (!Double.isNaN(guidance) && (!(guidance >= 0.0) || Double.isInfinite(guidance))) {
                throw new IllegalArgumentException("--guidance must be a finite number >= 0, got " + guidance);
            }
            if (!(thresholdPercentile >= 0.0 && thresholdPercentile < 1.0)) {
                throw new IllegalArgumentException("--dynamic-threshold must be in (0, 1), got " + thresholdPercentile);
            }
            if (!(thresholdMax >= 1.0)) {
                throw new IllegalArgumentException("--threshold-max must be at least 1, got " + thresholdMax);
            }
            if (solver != Solver.DDIM && eta != 0.0) {
                throw new IllegalArgumentException("--solver " + solver.id() + " is deterministic: --eta must be 0, got "
                        + eta);
            }
            if (refine < 0 || refine > 1000) {
                throw new IllegalArgumentException("--refine must be in 0..1000, got " + refine);
            }
            if (solver == Solver.EXACT && (clipSample || thresholdPercentile > 0)) {
                throw new IllegalArgumentException("--solver exact keeps every step invertible: --clip-sample and"
                        + " --dynamic-threshold would not be");
            }
            if (clipSample && thresholdPercentile > 0) {
                throw new IllegalArgumentException("--clip-sample and --dynamic-threshold exclude each other");
            }
            return new SamplerOptions(this);
        }
    }
}
