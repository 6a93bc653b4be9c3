package org.ddimspark.cli;

import java.util.Locale;
import org.ddimspark.spark.RunReport;
import picocli.CommandLine.Option;

/**
 * The {@code --max-error-rate} option of the jobs that write rows: a job whose rows are all errors fails
 * (exit code 1) after its summary, and so does one whose share of error rows is above the rate, so that a
 * scheduled pipeline never takes a broken run for a good one. The rows stay written either way.
 */
final class ErrorRateOption {

    @Option(names = "--max-error-rate", paramLabel = "R",
            description = "Fail (exit 1) when more than this share of the output's rows are errors, 0..1 "
                    + "(default: fail only when every row is an error).")
    Double maxErrorRate;

    /**
     * Returns the outcome of a job from its run report.
     *
     * @param report the run report
     * @param summary what to print
     * @return the outcome: a failure when the errors are too many
     */
    SparkOptions.Outcome outcome(RunReport report, String summary) {
        long errors = report.errorCount();
        long rows = report.rows();
        String failure = null;
        if (rows > 0 && errors == rows) {
            failure = "all " + rows + " rows are errors (" + report.errors() + ")";
        } else if (rows > 0 && maxErrorRate != null && (double) errors / rows > maxErrorRate) {
            failure = String.format(Locale.ROOT, "%d of %d rows are errors (%.4f > --max-error-rate %s; %s)", errors,
                    rows, (double) errors / rows, maxErrorRate, report.errors());
        }
        return new SparkOptions.Outcome(summary, failure);
    }

    /** Checks the option's value before Spark starts. */
    void validate() {
        if (maxErrorRate != null && !(maxErrorRate >= 0 && maxErrorRate <= 1)) {
            throw new IllegalArgumentException("--max-error-rate must be in [0, 1], got " + maxErrorRate);
        }
    }
}
