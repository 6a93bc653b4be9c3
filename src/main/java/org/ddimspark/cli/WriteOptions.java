package org.ddimspark.cli;

import org.ddimspark.spark.SampleJobOptions;
import picocli.CommandLine.Option;

/** How a job that computes one row per request writes its output: replace, complete, retry, and in waves. */
final class WriteOptions {

    @Option(names = "--overwrite", description = "Replace the output if it exists (default: fail).")
    boolean overwrite;

    @Option(names = "--resume", description = "Complete an existing output made with the same settings: keep its"
            + " rows, compute and append only the requests whose id it lacks (default: fail if it exists).")
    boolean resume;

    @Option(names = "--retry-errors", description = "With --resume (implied): compute the output's error rows again"
            + " and replace them, its ok rows untouched.")
    boolean retryErrors;

    @Option(names = "--wave-size", paramLabel = "N", defaultValue = "" + SampleJobOptions.DEFAULT_WAVE_SIZE,
            description = "Requests a wave: each wave's rows are committed before the next starts, so a killed driver"
                    + " loses one wave at most and --resume computes the rest (default: ${DEFAULT-VALUE}).")
    int waveSize;
}
