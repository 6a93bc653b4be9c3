package org.ddimspark.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.ddimspark.spark.ExportJob;
import org.ddimspark.storage.StorageProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ddim export}: a job's Parquet to PNG files, metadata.csv and latents.npy. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Export a job's Parquet output: a PNG file per image named by id, metadata.csv (one line per "
                + "row, in id order) and the latents as latents.npy [N, C, H, W] float32 with latents_ids.txt.")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--input", paramLabel = "URI", required = true, description = "The Parquet output of a sample, invert or interpolate job.")
    String input;

    @Option(names = "--output", paramLabel = "DIR", required = true, description = "The folder to write (a path, hdfs:// or s3a://).")
    String output;

    @Option(names = "--overwrite", description = "Replace the folder if it exists (default: fail).")
    boolean overwrite;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        try (StorageProbe storage = spark.probe()) {
            storage.requireInput("--input", input);
            storage.probeOutput("--output", output);
        }
        return spark.run(List.of(output), session -> SparkOptions.Outcome.ok(
                ExportJob.run(session, input, output, overwrite).describe(output)));
    }
}
