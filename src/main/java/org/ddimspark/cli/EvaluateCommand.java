package org.ddimspark.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.ddimspark.evaluation.EvaluationReport;
import org.ddimspark.model.BundledModels;
import org.ddimspark.spark.EvaluateJob;
import org.ddimspark.storage.StorageProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ddim evaluate}: class accuracy and FID of a sample job's images. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Class accuracy and FID (in a classifier's feature space) of a sample job's images.")
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--input", paramLabel = "URI", required = true, description = "A sample job's Parquet output.")
    String input;

    @Option(names = "--classifier", paramLabel = "DIR|NAME", defaultValue = BundledModels.CLASSIFIER,
            description = "Classifier directory or bundled classifier (default: ${DEFAULT-VALUE}).")
    String classifier;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "256",
            description = "Images per classifier forward (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--report", paramLabel = "URI",
            description = "Where the JSON report goes (default: <input>/" + EvaluationReport.FILE + ").")
    String report;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
        try (StorageProbe storage = spark.probe()) {
            storage.requireInput("--input", input);
            if (report != null) {
                storage.probeOutput("--report", report);
            }
        }
        EvaluateJob.loadClassifier(classifier);
        return spark.run(List.of(), session -> SparkOptions.Outcome.ok(
                EvaluateJob.run(session, input, classifier, batchSize, report).summary()));
    }
}
