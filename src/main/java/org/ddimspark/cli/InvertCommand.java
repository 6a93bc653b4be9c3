package org.ddimspark.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ddimspark.image.ImageDecoder;
import org.ddimspark.image.ImageFit;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.sampling.Solver;
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

    @Option(names = "--inverter", paramLabel = "NAME", defaultValue = "ddim",
            description = "ddim: the latent x_T, approximate (README, Reconstruction); exact: the pair (x_T, x at the"
                    + " next level) of the exactly invertible O-BELM, latent_shape [2, C, H, W], which sample"
                    + " --from-latents gives back to the pixel (default: ${DEFAULT-VALUE}).")
    String inverter;

    @Option(names = "--refine", paramLabel = "N", defaultValue = "" + SamplerOptions.DEFAULT_REFINE,
            description = "--inverter exact: at most N network calls put the pair's first point on the sampler's path,"
                    + " so that x_T looks like noise; 0 is cheaper and as exact (default: ${DEFAULT-VALUE}).")
    int refine;

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

    /** The sampler whose path the inverter walks: the exact solver's for --inverter exact. */
    private SamplerOptions.Builder inverter(SamplerOptions.Builder sampler) {
        switch (inverter.toLowerCase(java.util.Locale.ROOT)) {
            case "ddim":
                if (refine != SamplerOptions.DEFAULT_REFINE) {
                    throw new IllegalArgumentException("--refine is for --inverter exact");
                }
                return sampler;
            case "exact":
                return sampler.optSolver(Solver.EXACT).optRefine(refine);
            default:
                throw new IllegalArgumentException("--inverter must be ddim or exact, got '" + inverter + "'");
        }
    }

    /** Builds the job's options from the command line; throws IllegalArgumentException on a bad value. */
    InvertJobOptions options() {
        return InvertJobOptions.builder()
                .setModel(model.model)
                .optDevice(device.choice())
                .setInput(input)
                .setOutput(output)
                .optSampler(inverter(path.sampler()).build())
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
