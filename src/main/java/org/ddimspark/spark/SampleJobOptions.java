package org.ddimspark.spark;

import java.io.Serializable;
import java.util.Objects;
import org.ddimspark.model.DeviceChoice;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;

/**
 * Everything a {@code sample} job needs, small and serialisable, so that it is what task closures
 * capture. Build with {@link #builder()}; {@link #validate(ModelCard)} checks it against the model before
 * Spark starts.
 */
public final class SampleJobOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * The default of {@code --wave-size}, for every job that writes one row per request: small enough that a
     * killed driver loses minutes of work, large enough that a wave's scheduling costs little beside it.
     */
    public static final int DEFAULT_WAVE_SIZE = 10_000;

    private final String model;
    private final DeviceChoice device;
    private final String output;
    private final long count;
    private final long seedStart;
    private final ClassMode classMode;
    private final int batchSize;
    private final int partitions;
    private final int waveSize;
    private final boolean saveSample;
    private final boolean overwrite;
    private final boolean resume;
    private final boolean retryErrors;
    private final SamplerOptions sampler;
    private final String fromLatents;
    private final String requests;
    private final String embeddings;

    private SampleJobOptions(Builder b) {
        this.model = b.model;
        this.device = b.device;
        this.output = b.output;
        this.count = b.count;
        this.seedStart = b.seedStart;
        this.classMode = b.classMode;
        this.batchSize = b.batchSize;
        this.partitions = b.partitions;
        this.waveSize = b.waveSize;
        this.saveSample = b.saveSample;
        this.overwrite = b.overwrite;
        this.resume = b.resume || b.retryErrors;
        this.retryErrors = b.retryErrors;
        this.sampler = b.sampler;
        this.fromLatents = b.fromLatents;
        this.requests = b.requests;
        this.embeddings = b.embeddings;
    }

    /** Returns a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model;
        b.device = device;
        b.output = output;
        b.count = count;
        b.seedStart = seedStart;
        b.classMode = classMode;
        b.batchSize = batchSize;
        b.partitions = partitions;
        b.waveSize = waveSize;
        b.saveSample = saveSample;
        b.overwrite = overwrite;
        b.resume = resume;
        b.retryErrors = retryErrors;
        b.sampler = sampler;
        b.fromLatents = fromLatents;
        b.requests = requests;
        b.embeddings = embeddings;
        return b;
    }

    /** Returns the model directory. */
    public String model() {
        return model;
    }

    /** Returns how each task chooses its device ({@code --device}). */
    public DeviceChoice device() {
        return device;
    }

    /** Returns the output URI of the Parquet data set. */
    public String output() {
        return output;
    }

    /** Returns the number of samples. */
    public long count() {
        return count;
    }

    /** Returns the seed of request 0; request i has seed seedStart + i. */
    public long seedStart() {
        return seedStart;
    }

    /** Returns how classes are assigned. */
    public ClassMode classMode() {
        return classMode;
    }

    /** Returns how many requests go through the model together. */
    public int batchSize() {
        return batchSize;
    }

    /** Returns the number of partitions, or 0 for Spark's default parallelism. */
    public int partitions() {
        return partitions;
    }

    /** Returns the requests of a wave: each wave's rows are committed before the next wave starts. */
    public int waveSize() {
        return waveSize;
    }

    /** Returns whether the final x0 goes into the {@code sample} column. */
    public boolean saveSample() {
        return saveSample;
    }

    /** Returns whether an existing output is replaced. */
    public boolean overwrite() {
        return overwrite;
    }

    /** Returns whether an existing output is completed: its rows kept, only the missing ones computed. */
    public boolean resume() {
        return resume;
    }

    /** Whether the error rows of the resumed output are computed again and replaced (implies resume). */
    public boolean retryErrors() {
        return retryErrors;
    }

    /** Returns the sampler options. */
    public SamplerOptions sampler() {
        return sampler;
    }

    /**
     * Returns the Parquet output of an earlier job whose latents are sampled instead of a seed range, or null.
     */
    public String fromLatents() {
        return fromLatents;
    }

    /**
     * Returns the user's request table that is sampled instead of a seed range (Parquet, CSV or JSON lines:
     * README, "Request tables"), or null.
     */
    public String requests() {
        return requests;
    }

    /** Returns the table of embeddings that a request table's {@code cond_key} points into, or null. */
    public String embeddings() {
        return embeddings;
    }

    /** Returns the table of requests the job reads, {@link #requests()} or {@link #fromLatents()}, or null for a seed range. */
    public String table() {
        return requests != null ? requests : fromLatents;
    }

    /**
     * Checks these options against the model.
     *
     * @param card the model's card
     * @throws IllegalArgumentException with a one-line reason naming the option
     */
    public void validate(ModelCard card) {
        if (classMode.conditioned() && !card.isConditional()) {
            throw new IllegalArgumentException((classMode.kind() == ClassMode.Kind.ALL ? "--all-classes" : "--class")
                    + " needs a class-conditional model; '" + card.name() + "' is unconditional");
        }
        if (classMode.kind() == ClassMode.Kind.FIXED
                && (classMode.fixedClass() < 0 || classMode.fixedClass() >= card.numClasses())) {
            throw new IllegalArgumentException("--class must be in 0.." + (card.numClasses() - 1) + " for '"
                    + card.name() + "', got " + classMode.fixedClass());
        }
        // a table's rows may carry their own classes, which a job-wide --guidance then applies to
        sampler.validate(card, classMode.conditioned() || table() != null);
        card.requireBatchFits(batchSize);
    }

    /** Builds {@link SampleJobOptions}. */
    public static final class Builder {
        private String model;
        private DeviceChoice device = DeviceChoice.AUTO;
        private String output;
        private long count = 64;
        private long seedStart;
        private ClassMode classMode = ClassMode.NONE;
        private int batchSize = 16;
        private int partitions;
        private int waveSize = DEFAULT_WAVE_SIZE;
        private boolean saveSample;
        private boolean overwrite;
        private boolean resume;
        private boolean retryErrors;
        private SamplerOptions sampler = SamplerOptions.builder().build();
        private String fromLatents;
        private String requests;
        private String embeddings;

        private Builder() {}

        /**
         * Sets the table of embeddings (columns {@code key}, {@code cond}, {@code cond_shape}; Parquet or JSON
         * lines) that a request table's {@code cond_key} column points into.
         *
         * @param uri the table, or null for none
         * @return this builder
         */
        public Builder optEmbeddings(String uri) {
            this.embeddings = uri;
            return this;
        }

        /**
         * Samples the rows of a request table (README, "Request tables": {@code id}, and optionally
         * {@code seed}, {@code class_label}, {@code latent}, {@code latent_shape}, {@code guidance},
         * {@code steps}, {@code eta}) instead of a seed range; the count and seed start then do not apply.
         *
         * @param uri the table: Parquet, or {@code .csv} / {@code .json} / {@code .jsonl} by its name; null for none
         * @return this builder
         */
        public Builder optRequests(String uri) {
            this.requests = uri;
            return this;
        }

        /**
         * Samples the latents of an earlier job's rows (column {@code latent}, with {@code id} and
         * {@code latent_shape}) instead of a seed range; the count and seed start then do not apply.
         *
         * @param uri the earlier job's Parquet output, or null for a seed range
         * @return this builder
         */
        public Builder optFromLatents(String uri) {
            this.fromLatents = uri;
            return this;
        }

        /**
         * Sets the model directory.
         *
         * @param model a local directory
         * @return this builder
         */
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

        /**
         * Sets the output URI.
         *
         * @param output a path or URI Spark can write Parquet to
         * @return this builder
         */
        public Builder setOutput(String output) {
            this.output = output;
            return this;
        }

        /**
         * Sets the number of samples.
         *
         * @param count at least 1
         * @return this builder
         */
        public Builder optCount(long count) {
            this.count = count;
            return this;
        }

        /**
         * Sets the seed of the first request.
         *
         * @param seedStart any long
         * @return this builder
         */
        public Builder optSeedStart(long seedStart) {
            this.seedStart = seedStart;
            return this;
        }

        /**
         * Sets the class assignment.
         *
         * @param classMode the mode
         * @return this builder
         */
        public Builder optClassMode(ClassMode classMode) {
            this.classMode = Objects.requireNonNull(classMode, "classMode");
            return this;
        }

        /**
         * Sets the batch size.
         *
         * @param batchSize at least 1
         * @return this builder
         */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the number of partitions.
         *
         * @param partitions at least 1, or 0 for Spark's default parallelism
         * @return this builder
         */
        public Builder optPartitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /**
         * Sets how many requests a wave holds: the rows of each wave are committed before the next starts,
         * so that a driver killed mid-job loses one wave's work at most.
         *
         * @param waveSize at least 1
         * @return this builder
         */
        public Builder optWaveSize(int waveSize) {
            this.waveSize = waveSize;
            return this;
        }

        /**
         * Keeps the final x0 in the {@code sample} column.
         *
         * @param saveSample whether to keep it
         * @return this builder
         */
        public Builder optSaveSample(boolean saveSample) {
            this.saveSample = saveSample;
            return this;
        }

        /**
         * Replaces an existing output instead of failing.
         *
         * @param overwrite whether to replace
         * @return this builder
         */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /**
         * Completes an existing output instead of failing: its rows are kept, and only the requests whose
         * id is missing are computed and appended.
         *
         * @param resume whether to resume
         * @return this builder
         */
        public Builder optResume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /**
         * Sets whether the error rows of an existing output are computed again and replace the old ones, ok
         * rows untouched; implies {@link #optResume resume}.
         *
         * @param retryErrors whether to retry error rows
         * @return this builder
         */
        public Builder optRetryErrors(boolean retryErrors) {
            this.retryErrors = retryErrors;
            return this;
        }

        /**
         * Sets the sampler options.
         *
         * @param sampler the options
         * @return this builder
         */
        public Builder optSampler(SamplerOptions sampler) {
            this.sampler = Objects.requireNonNull(sampler, "sampler");
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException when a value is out of range
         */
        public SampleJobOptions build() {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("--model is required");
            }
            if (output == null || output.isBlank()) {
                throw new IllegalArgumentException("--output is required");
            }
            if (count < 1) {
                throw new IllegalArgumentException("--count must be at least 1, got " + count);
            }
            if (seedStart > Long.MAX_VALUE - (count - 1)) {
                throw new IllegalArgumentException("--seed-start + --count overflows a 64-bit seed");
            }
            if (embeddings != null && requests == null) {
                throw new IllegalArgumentException("--embeddings is the table a request table's cond_key points into:"
                        + " it needs --requests");
            }
            if (fromLatents != null && requests != null) {
                throw new IllegalArgumentException("--requests and --from-latents exclude each other");
            }
            if ((fromLatents != null || requests != null) && classMode.kind() == ClassMode.Kind.ALL) {
                throw new IllegalArgumentException("--all-classes does not combine with "
                        + (requests != null ? "--requests" : "--from-latents") + " (rows keep their own class_label, or take --class)");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
            }
            if (partitions < 0) {
                throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
            }
            if (waveSize < 1) {
                throw new IllegalArgumentException("--wave-size must be at least 1, got " + waveSize);
            }
            if (resume && overwrite) {
                throw new IllegalArgumentException("--resume and --overwrite exclude each other");
            }
            if (retryErrors && overwrite) {
                throw new IllegalArgumentException("--retry-errors and --overwrite exclude each other");
            }
            return new SampleJobOptions(this);
        }
    }
}
