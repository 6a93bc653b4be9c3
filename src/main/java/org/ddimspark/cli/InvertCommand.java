package org.ddimspark.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ddimspark.image.ImageDecoder;
import org.ddimspark.image.ImageFit;
import org.ddimspark.model.ModelCard;
import org.ddimspark.spark.InvertJob;
import org.ddimspark.spark.InvertJobOptions;
import org.ddimspark.spark.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ddim invert}: turn every image of a folder or glob into its DDIM latent. */
@Command(name = "invert", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Invert images to their DDIM latents x_T (eta = 0), optionally reconstruct and measure them, "
                + "and write them as Parquet rows.")
final class InvertCommand implements Callable<Integer> {

    @Option(names = "--input", paramLabel = "URI", required = true,
            description = "A folder (read recursively) or glob of PNG, JPEG, BMP or GIF files, on any Hadoop file system.")
    String input;

    @Option(names = "--output", paramLabel = "URI", required = true,
            description = "Where the Parquet data set goes (a path, hdfs:// or s3a://).")
    String output;

    @Mixin
    ModelOption model;

    @Mixin
    DeviceOption device;

    @Mixin
    PathOptions path;

    @Option(names = "--reconstruct",
            description = "Sample each latent back with the same steps: the reconstruction in 'image', its MSE and PSNR.")
    boolean reconstruct;

    @Option(names = "--fit", paramLabel = "MODE", defaultValue = "center-crop",
            description = "Images of another size: error, center-crop, pad or stretch, then an area (shrink) or "
                    + "bilinear (enlarge) resize (default: ${DEFAULT-VALUE}).")
    String fit;

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "" + ImageDecoder.DEFAULT_MAX_PIXELS,
            description = "Larger images (from their header, before decoding) become error rows (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Option(names = "--max-bytes", paramLabel = "N", defaultValue = "" + InvertJobOptions.DEFAULT_MAX_BYTES,
            description = "Larger files (by their listed length, before they are read) become error rows (default: ${DEFAULT-VALUE}).")
    long maxBytes;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "16", description = "Images per model forward (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "0",
            description = "Tasks the files are split into (default: sized to the work, about 8 batches a task; see README).")
    int partitions;

    @Mixin
    WriteOptions write;

    @Mixin
    ErrorRateOption errorRate;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        InvertJobOptions options = options();
        errorRate.validate();
        ModelCard card = spark.checkBeforeSpark(Map.of("--input", options.input()), options.output(), options.model(), options.device(),
                options::validate);
        return spark.run(List.of(options.output()), session -> {
            RunReport report = InvertJob.run(session, options, card);
            return errorRate.outcome(report, report.summary(options.output()));
        });
    }

    /** Builds the job's options from the command line; throws IllegalArgumentException on a bad value. */
    InvertJobOptions options() {
        return InvertJobOptions.builder()
                .setModel(model.model)
                .optDevice(device.choice())
                .setInput(input)
                .setOutput(output)
                .optSampler(path.sampler().build())
                .optFit(ImageFit.fromId(fit))
                .optMaxPixels(maxPixels)
                .optMaxBytes(maxBytes)
                .optReconstruct(reconstruct)
                .optBatchSize(batchSize)
                .optPartitions(partitions)
                .optOverwrite(write.overwrite)
                .optResume(write.resume)
                .optRetryErrors(write.retryErrors)
                .optWaveSize(write.waveSize)
                .build();
    }
}
