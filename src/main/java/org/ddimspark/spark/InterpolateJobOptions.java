package org.ddimspark.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.ddimspark.model.DeviceChoice;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;

/** The options of an {@code interpolate} job; build them with {@link #builder()}. */
public final class InterpolateJobOptions implements Serializable {

    /** The most frames of a pair. */
    public static final int MAX_FRAMES = 10_000;

    private static final long serialVersionUID = 1L;

    /**
     * Two end points: seeds, or ids of rows of {@link #from()}.
     *
     * @param a the end point at alpha = 0
     * @param b the end point at alpha = 1
     */
    public record Pair(String a, String b) implements Serializable {}

    private final String model;
    private final DeviceChoice device;
    private final String output;
    private final List<Pair> pairs;
    private final String from;
    private final int frames;
    private final Integer classLabel;
    private final SamplerOptions sampler;
    private final int batchSize;
    private final int partitions;
    private final boolean overwrite;

    private InterpolateJobOptions(Builder b) {
        this.model = b.model;
        this.device = b.device;
        this.output = b.output;
        this.pairs = List.copyOf(b.pairs);
        this.from = b.from;
        this.frames = b.frames;
        this.classLabel = b.classLabel;
        this.sampler = b.sampler;
        this.batchSize = b.batchSize;
        this.partitions = b.partitions;
        this.overwrite = b.overwrite;
    }

    /** Returns a builder with the defaults of the command line. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model directory or bundled model name. */
    public String model() {
        return model;
    }

    /** Returns how each task chooses its device ({@code --device}). */
    public DeviceChoice device() {
        return device;
    }

    /** Where the Parquet data set goes. */
    public String output() {
        return output;
    }

    /** The pairs, in order; pair i gives rows {@code p<i>-f<frame>}. */
    public List<Pair> pairs() {
        return pairs;
    }

    /** The earlier job whose rows' latents the pairs name by id, or null when the pairs are seeds. */
    public String from() {
        return from;
    }

    /** Images per pair, end points included. */
    public int frames() {
        return frames;
    }

    /** The class of every frame, or null (the end points' common class with {@link #from()}, else none). */
    public Integer classLabel() {
        return classLabel;
    }

    /** How each frame is sampled (eta = 0). */
    public SamplerOptions sampler() {
        return sampler;
    }

    /** Frames per model forward. */
    public int batchSize() {
        return batchSize;
    }

    /** Spark partitions, or 0 for Spark's default parallelism. */
    public int partitions() {
        return partitions;
    }

    /** Whether an existing output is replaced. */
    public boolean overwrite() {
        return overwrite;
    }

    /**
     * Checks these options against a model before any Spark work.
     *
     * @param card the model's card
     * @throws IllegalArgumentException with a one-line reason
     */
    public void validate(ModelCard card) {
        if (classLabel != null) {
            if (!card.isConditional()) {
                throw new IllegalArgumentException("--class needs a class-conditional model; '" + card.name()
                        + "' is unconditional");
            }
            if (classLabel < 0 || classLabel >= card.numClasses()) {
                throw new IllegalArgumentException("--class must be in 0.." + (card.numClasses() - 1) + " for '"
                        + card.name() + "', got " + classLabel);
            }
        }
        sampler.validate(card, classLabel != null || (from != null && card.isConditional()));
        card.requireBatchFits(batchSize);
    }

    /** Builds {@link InterpolateJobOptions}. */
    public static final class Builder {
        private String model;
        private DeviceChoice device = DeviceChoice.AUTO;
        private String output;
        private final List<Pair> pairs = new ArrayList<>();
        private String from;
        private int frames = 9;
        private Integer classLabel;
        private SamplerOptions sampler = SamplerOptions.builder().build();
        private int batchSize = 16;
        private int partitions;
        private boolean overwrite;

        private Builder() {}

        /** Sets the model directory or bundled model name. */
        public Builder setModel(String model) {
            this.model = model;
            return this;
        }

        /**
         * Sets how each task chooses its device (default {@link DeviceChoice#AUTO}).
         *
         * @param device the choice
         * @return this builder
         */
        public Builder optDevice(DeviceChoice device) {
            this.device = java.util.Objects.requireNonNull(device, "device");
            return this;
        }

        /** Sets where the Parquet data set goes. */
        public Builder setOutput(String output) {
            this.output = output;
            return this;
        }

        /** Adds a pair of end points: seeds, or ids of {@link #optFrom} rows. */
        public Builder addPair(String a, String b) {
            pairs.add(new Pair(a.strip(), b.strip()));
            return this;
        }

        /** Takes the end points' latents from the rows of an earlier job, by id. */
        public Builder optFrom(String uri) {
            this.from = uri;
            return this;
        }

        /** Sets the images per pair, end points included (default 9). */
        public Builder optFrames(int frames) {
            this.frames = frames;
            return this;
        }

        /** Sets the class of every frame. */
        public Builder optClass(Integer classLabel) {
            this.classLabel = classLabel;
            return this;
        }

        /** Sets the path (steps, spacing, shift, guidance); its eta must be 0. */
        public Builder optSampler(SamplerOptions sampler) {
            this.sampler = Objects.requireNonNull(sampler, "sampler");
            return this;
        }

        /** Sets the frames per model forward (default 16). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Sets the number of Spark partitions. */
        public Builder optPartitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /** Sets whether an existing output is replaced. */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException with a one-line reason for a missing or bad value
         */
        public InterpolateJobOptions build() {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("--model is required");
            }
            if (output == null || output.isBlank()) {
                throw new IllegalArgumentException("--output is required");
            }
            if (pairs.isEmpty()) {
                throw new IllegalArgumentException(from == null ? "give --seeds A,B or --pairs FILE"
                        : "give --ids A,B or --pairs FILE");
            }
            if (from == null) {
                for (Pair p : pairs) {
                    for (String seed : new String[] {p.a(), p.b()}) {
                        try {
                            Long.parseLong(seed);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("'" + seed + "' is not a seed (ids of stored latents "
                                    + "need --from)");
                        }
                    }
                }
            }
            if (frames < 2 || frames > MAX_FRAMES) {
                throw new IllegalArgumentException("--frames must be in 2.." + MAX_FRAMES + ", got " + frames);
            }
            if (sampler.eta() != 0.0) {
                throw new IllegalArgumentException("interpolation is deterministic: eta must be 0, got " + sampler.eta());
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
            }
            if (partitions < 0) {
                throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
            }
            return new InterpolateJobOptions(this);
        }
    }
}
