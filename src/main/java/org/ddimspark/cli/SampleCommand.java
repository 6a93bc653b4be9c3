package org.ddimspark.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.spark.ClassMode;
import org.ddimspark.spark.RunReport;
import org.ddimspark.spark.SampleJob;
import org.ddimspark.spark.SampleJobOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ddim sample}: generate images from a range of seeds into Parquet. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate images from seeds with DDIM and write them as Parquet rows.")
final class SampleCommand implements Callable<Integer> {

    @Option(names = "--output", paramLabel = "URI", required = true,
            description = "Where the Parquet data set goes (a path, hdfs:// or s3a://).")
    String output;

    @Mixin
    ModelOption model;

    @Mixin
    DeviceOption device;

    @Option(names = "--count", paramLabel = "N", description = "Number of images (default: 64).")
    Long count;

    @Option(names = "--seed-start", paramLabel = "S", description = "Seed of the first image; image i has seed S + i (default: 0).")
    Long seedStart;

    @Option(names = "--from-latents", paramLabel = "URI",
            description = "Sample the latents stored by an earlier job (its Parquet: id, latent, latent_shape) "
                    + "instead of seeds; rows keep their seed and class_label where they have them.")
    String fromLatents;

    @Option(names = "--requests", paramLabel = "URI",
            description = "Sample a table of requests instead of seeds, one row per image (Parquet; .csv or .json/.jsonl"
                    + " by name): id, and optionally seed, class_label, latent and latent_shape, guidance, steps, eta"
                    + " (README, \"Request tables\").")
    String requests;

    @Option(names = "--embeddings", paramLabel = "URI",
            description = "The table of embeddings (key, cond, cond_shape; Parquet or JSON lines) that the request"
                    + " table's cond_key column points into.")
    String embeddings;

    @Mixin
    PathOptions path;

    @Mixin
    SolverOption solver;

    @Option(names = "--eta", paramLabel = "ETA", defaultValue = "0", description = "0 = deterministic DDIM, 1 = DDPM (default: ${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--class", paramLabel = "C", description = "Class of every image (class-conditional models).")
    Integer classLabel;

    @Option(names = "--all-classes", description = "Image i gets class i mod K.")
    boolean allClasses;

    @Option(names = "--guidance", paramLabel = "G",
            description = "Classifier-free guidance scale (default: the model card's, else 1).")
    Double guidance;

    @Option(names = "--clip-sample", description = "Clip the predicted x0 to the model's value range at every step.")
    boolean clipSample;

    @Option(names = "--dynamic-threshold", paramLabel = "P", defaultValue = "0",
            description = "Dynamic thresholding of x0 at percentile P, e.g. 0.995 (default: off).")
    double thresholdPercentile;

    @Option(names = "--threshold-max", paramLabel = "M", defaultValue = "Infinity",
            description = "Upper bound of the dynamic threshold, in half value ranges (default: none).")
    double thresholdMax;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "16", description = "Images per model forward (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "0", description = "Tasks the requests are split into (default: sized to the work, about 8 batches a task; see README).")
    int partitions;

    @Option(names = "--save-sample", description = "Also store the final x0 (model space) in the 'sample' column.")
    boolean saveSample;

    @Mixin
    WriteOptions write;

    @Mixin
    ErrorRateOption errorRate;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        SampleJobOptions options = options();
        errorRate.validate();
        Map<String, String> inputs = new java.util.LinkedHashMap<>();
        if (options.requests() != null) {
            inputs.put("--requests", options.requests());
        }
        if (options.embeddings() != null) {
            inputs.put("--embeddings", options.embeddings());
        }
        if (options.fromLatents() != null) {
            inputs.put("--from-latents", options.fromLatents());
        }
        ModelCard card = spark.checkBeforeSpark(inputs, options.output(), options.model(), options.device(), options::validate);
        return spark.run(List.of(options.output()), session -> {
            RunReport report = SampleJob.run(session, options, card);
            return errorRate.outcome(report, report.summary(options.output(), SampleJob.CONTACT_SHEET, "contact sheet"));
        });
    }

    /** Builds the job's options from the command line; throws IllegalArgumentException on a bad value. */
    SampleJobOptions options() {
        if ((fromLatents != null || requests != null) && (count != null || seedStart != null)) {
            throw new IllegalArgumentException("--count and --seed-start do not apply to "
                    + (requests != null ? "--requests" : "--from-latents"));
        }
        if (classLabel != null && allClasses) {
            throw new IllegalArgumentException("--class and --all-classes exclude each other");
        }
        SamplerOptions sampler = solver.applyTo(path.sampler())
                .optEta(eta)
                .optGuidance(guidance == null ? Double.NaN : guidance)
                .optClipSample(clipSample)
                .optDynamicThreshold(thresholdPercentile, thresholdMax)
                .build();
        ClassMode classMode = allClasses ? ClassMode.all() : classLabel != null ? ClassMode.fixed(classLabel) : ClassMode.NONE;
        return SampleJobOptions.builder()
                .setModel(model.model)
                .optDevice(device.choice())
                .setOutput(output)
                .optCount(count == null ? 64 : count)
                .optSeedStart(seedStart == null ? 0 : seedStart)
                .optFromLatents(fromLatents)
                .optRequests(requests)
                .optEmbeddings(embeddings)
                .optClassMode(classMode)
                .optBatchSize(batchSize)
                .optPartitions(partitions)
                .optSaveSample(saveSample)
                .optOverwrite(write.overwrite)
                .optResume(write.resume)
                .optRetryErrors(write.retryErrors)
                .optWaveSize(write.waveSize)
                .optSampler(sampler)
                .build();
    }
}
