package org.ddimspark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ddimspark.model.ModelCard;
import org.ddimspark.spark.InterpolateJob;
import org.ddimspark.spark.InterpolateJobOptions;
import org.ddimspark.spark.RunReport;
import org.ddimspark.spark.SampleJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ddim interpolate}: slerp between two latents and sample the frames. */
@Command(name = "interpolate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Interpolate spherically between the x_T of two seeds (or two stored latents) and sample "
                + "each frame with DDIM (eta = 0): the end frames are the plain samples of the end points.")
final class InterpolateCommand implements Callable<Integer> {

    @Option(names = "--output", paramLabel = "URI", required = true,
            description = "Where the Parquet data set goes (a path, hdfs:// or s3a://).")
    String output;

    @Option(names = "--seeds", paramLabel = "A,B", split = ",", description = "Two seeds: one pair.")
    List<String> seeds;

    @Option(names = "--from", paramLabel = "URI",
            description = "An earlier job's Parquet output whose rows' latents the end points name by id.")
    String from;

    @Option(names = "--ids", paramLabel = "A,B", split = ",", description = "Two ids of --from rows: one pair.")
    List<String> ids;

    @Option(names = "--pairs", paramLabel = "FILE",
            description = "Many pairs: a text file with one 'A,B' per line (seeds, or ids with --from); '#' starts a comment.")
    Path pairs;

    @Option(names = "--frames", paramLabel = "F", defaultValue = "9", description = "Images per pair, end points included (default: ${DEFAULT-VALUE}).")
    int frames;

    @Mixin
    ModelOption model;

    @Mixin
    DeviceOption device;

    @Mixin
    PathOptions path;

    @Mixin
    SolverOption solver;

    @Option(names = "--class", paramLabel = "C",
            description = "Class of every frame (class-conditional models; default: the end points' common class with --from, else none).")
    Integer classLabel;

    @Option(names = "--guidance", paramLabel = "G", description = "Classifier-free guidance scale (default: the model card's, else 1).")
    Double guidance;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "16", description = "Frames per model forward (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "0", description = "Tasks the requests are split into (default: sized to the work, about 8 batches a task; see README).")
    int partitions;

    @Option(names = "--overwrite", description = "Replace the output if it exists (default: fail).")
    boolean overwrite;

    @Mixin
    ErrorRateOption errorRate;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        InterpolateJobOptions options = options();
        errorRate.validate();
        Map<String, String> inputs = options.from() == null ? Map.of() : Map.of("--from", options.from());
        ModelCard card = spark.checkBeforeSpark(inputs, options.output(), options.model(), options.device(), options::validate);
        return spark.run(List.of(options.output()), session -> {
            RunReport report = InterpolateJob.run(session, options, card);
            return errorRate.outcome(report, report.summary(options.output(), SampleJob.CONTACT_SHEET, "contact sheet"));
        });
    }

    /** Builds the job's options from the command line; throws IllegalArgumentException on a bad value. */
    InterpolateJobOptions options() {
        if (from == null && ids != null) {
            throw new IllegalArgumentException("--ids needs --from");
        }
        if (from != null && seeds != null) {
            throw new IllegalArgumentException("--seeds does not combine with --from (use --ids)");
        }
        InterpolateJobOptions.Builder builder = InterpolateJobOptions.builder()
                .setModel(model.model)
                .optDevice(device.choice())
                .setOutput(output)
                .optFrom(from)
                .optFrames(frames)
                .optClass(classLabel)
                .optSampler(solver.applyTo(path.sampler()).optGuidance(guidance == null ? Double.NaN : guidance).build())
                .optBatchSize(batchSize)
                .optPartitions(partitions)
                .optOverwrite(overwrite);
        List<String> pair = from == null ? seeds : ids;
        if (pair != null) {
            if (pair.size() != 2) {
                throw new IllegalArgumentException((from == null ? "--seeds" : "--ids") + " takes two values A,B, got "
                        + pair.size());
            }
            builder.addPair(pair.get(0), pair.get(1));
        }
        if (pairs != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(pairs);
            } catch (IOException e) {
                throw new IllegalArgumentException("--pairs: cannot read " + pairs);
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).replaceFirst("#.*", "").strip();
                if (line.isEmpty()) {
                    continue;
                }
                String[] ends = line.split(",", -1);
                if (ends.length != 2 || ends[0].isBlank() || ends[1].isBlank()) {
                    throw new IllegalArgumentException("--pairs " + pairs + " line " + (i + 1) + ": expected 'A,B', got '"
                            + line + "'");
                }
                builder.addPair(ends[0], ends[1]);
            }
        }
        return builder.build();
    }
}
