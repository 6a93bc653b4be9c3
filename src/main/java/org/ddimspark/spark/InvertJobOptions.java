package org.ddimspark.spark;

import java.io.Serializable;
import java.util.Objects;
import org.ddimspark.image.ImageDecoder;
import org.ddimspark.image.ImageFit;
import org.ddimspark.model.DeviceChoice;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;

/** The options of an {@code invert} job; build them with {@link #builder()}. */
public final class InvertJobOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The default of {@code --max-bytes}: 256 MiB. */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    /** The largest {@code --max-bytes}: a file is read into one Java array. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 16;

    private final String model;
    private final DeviceChoice device;
    private final String input;
    private final String output;
    private final SamplerOptions sampler;
    private final ImageFit fit;
    private final long maxPixels;
    private final long maxBytes;
    private final boolean reconstruct;
    private final int batchSize;
    private final int partitions;
    private final int waveSize;
    private final boolean overwrite;
    private final boolean resume;
    private final boolean retryErrors;

    private InvertJobOptions(Builder b) {
        this.model = b.model;
        this.device = b.device;
        this.input = b.input;
        this.output = b.output;
        this.sampler = b.sampler;
        this.fit = b.fit;
        this.maxPixels = b.maxPixels;
        this.maxBytes = b.maxBytes;
        this.reconstruct = b.reconstruct;
        this.batchSize = b.batchSize;
        this.partitions = b.partitions;
        this.waveSize = b.waveSize;
        this.overwrite = b.overwrite;
        this.resume = b.resume || b.retryErrors;
        this.retryErrors = b.retryErrors;
    }

    /** Returns a builder with the defaults of the command line. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model;
        b.device = device;
        b.input = input;
        b.output = output;
        b.sampler = sampler;
        b.fit = fit;
        b.maxPixels = maxPixels;
        b.maxBytes = maxBytes;
        b.reconstruct = reconstruct;
        b.batchSize = batchSize;
        b.partitions = partitions;
        b.waveSize = waveSize;
        b.overwrite = overwrite;
        b.resume = resume;
        b.retryErrors = retryErrors;
        return b;
    }

    /** The model directory or bundled model name. */
    public String model() {
        return model;
    }

    /** Returns how each task chooses its device ({@code --device}). */
    public DeviceChoice device() {
        return device;
    }

    /** The folder or glob of input images. */
    public String input() {
        return input;
    }

    /** Where the Parquet data set goes. */
    public String output() {
        return output;
    }

    /** The path to invert (steps, spacing, shift); eta is 0 and there is no guidance. */
    public SamplerOptions sampler() {
        return sampler;
    }

    /** How images of another size are fitted. */
    public ImageFit fit() {
        return fit;
    }

    /** The most pixels an input may announce. */
    public long maxPixels() {
        return maxPixels;
    }

    /** The largest file read, in bytes: larger ones become error rows without being read. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Whether each latent is decoded back and compared with its input. */
    public boolean reconstruct() {
        return reconstruct;
    }

    /** Images per model forward. */
    public int batchSize() {
        return batchSize;
    }

    /** Spark partitions, or 0 for as the input's files fall. */
    public int partitions() {
        return partitions;
    }

    /** Returns the requests of a wave: each wave's rows are committed before the next wave starts. */
    public int waveSize() {
        return waveSize;
    }

    /** Whether an existing output is replaced. */
    public boolean overwrite() {
        return overwrite;
    }

    /** Whether an existing output is completed: its rows kept, only the files whose id it lacks inverted. */
    public boolean resume() {
        return resume;
    }

    /** Whether the error rows of the resumed output are computed again and replaced (implies resume). */
    public boolean retryErrors() {
        return retryErrors;
    }

    /**
     * Checks these options against a model before any Spark work.
     *
     * @param card the model's card
     * @throws IllegalArgumentException with a one-line reason
     */
    public void validate(ModelCard card) {
        if (card.latent() != null && card.latent().encoder() == null) {
            throw new IllegalArgumentException("invert of latent model '" + card.name() + "' needs an encoder (field"
                    + " 'latent.encoder' of its model.json): images enter its latent space through it");
        }
        int channels = card.imageShape()[0];
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("invert takes images into models of 1 or 3 channels; '" + card.name()
                    + "' has " + channels);
        }
        sampler.validate(card, false);
        card.requireBatchFits(batchSize);
    }

    /** Builds {@link InvertJobOptions}. */
    public static final class Builder {
        private String model;
        private DeviceChoice device = DeviceChoice.AUTO;
        private String input;
        private String output;
        private SamplerOptions sampler = SamplerOptions.builder().build();
        private ImageFit fit = ImageFit.CENTER_CROP;
        private long maxPixels = ImageDecoder.DEFAULT_MAX_PIXELS;
        private long maxBytes = DEFAULT_MAX_BYTES;
        private boolean reconstruct;
        private int batchSize = 16;
        private int partitions;
        private int waveSize = SampleJobOptions.DEFAULT_WAVE_SIZE;
        private boolean overwrite;
        private boolean resume;
        private boolean retryErrors;

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

        /** Sets the folder or glob of input images. */
        public Builder setInput(String input) {
            this.input = input;
            return this;
        }

        /** Sets where the Parquet data set goes. */
        public Builder setOutput(String output) {
            this.output = output;
            return this;
        }

        /** Sets the path to invert; its eta must be 0. */
        public Builder optSampler(SamplerOptions sampler) {
            this.sampler = Objects.requireNonNull(sampler, "sampler");
            return this;
        }

        /** Sets how images of another size are fitted (default center-crop). */
        public Builder optFit(ImageFit fit) {
            this.fit = Objects.requireNonNull(fit, "fit");
            return this;
        }

        /** Sets the most pixels an input may announce (default 2^24). */
        public Builder optMaxPixels(long maxPixels) {
            this.maxPixels = maxPixels;
            return this;
        }

        /** Sets the largest file read, in bytes (default 256 MiB, at most {@link #MAX_BYTES}). */
        public Builder optMaxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        /** Sets whether each latent is decoded back and compared with its input. */
        public Builder optReconstruct(boolean reconstruct) {
            this.reconstruct = reconstruct;
            return this;
        }

        /** Sets the images per model forward (default 16). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Sets the number of Spark partitions (default 0: as the input's files fall). */
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

        /** Sets whether an existing output is replaced. */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /**
         * Sets whether an existing output is completed instead of failing: its rows are kept, and only the
         * files whose id it lacks (new files, or those a killed run did not commit) are inverted and appended.
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
         * Builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException with a one-line reason for a missing or bad value
         */
        public InvertJobOptions build() {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("--model is required");
            }
            if (input == null || input.isBlank()) {
                throw new IllegalArgumentException("--input is required");
            }
            if (output == null || output.isBlank()) {
                throw new IllegalArgumentException("--output is required");
            }
            if (sampler.eta() != 0.0) {
                throw new IllegalArgumentException("inversion is deterministic: eta must be 0, got " + sampler.eta());
            }
            if (maxPixels < 1) {
                throw new IllegalArgumentException("--max-pixels must be at least 1, got " + maxPixels);
            }
            if (maxBytes < 1 || maxBytes > MAX_BYTES) {
                throw new IllegalArgumentException("--max-bytes must be in 1.." + MAX_BYTES + ", got " + maxBytes);
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
            return new InvertJobOptions(this);
        }
    }
}
