package org.ddimspark.spark;

import com.google.gson.GsonBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * The run report, {@code _ddim_run.json} beside the Parquet files (Spark, pyarrow and DuckDB skip files
 * whose names start with an underscore): what ran, on which model and settings, and how many rows ended
 * ok or with an error, by reason. It never holds credentials.
 *
 * @param command the job, for example {@code sample}
 * @param model the model's name and sha256
 * @param settings every option of the job
 * @param rows the number of rows written
 * @param made the rows this run computed (fewer than {@code rows} when {@code --resume} kept some)
 * @param ok the rows with status ok
 * @param errors the error rows by reason ({@link StatusCounts#reason})
 * @param metrics what the job measured over its ok rows (for example the mean reconstruction error); may be empty
 * @param seconds the job's wall time
 * @param stages the wall time of each stage of the job, in order
 * @param modelLoads each executor and device whose tasks made the rows ({@code 1/gpu0}, {@code driver/cpu}) and
 *     how many times its JVM loaded the model onto that device
 * @param gpuAddresses the {@code gpu} resource addresses Spark gave each executor's tasks; empty without GPU scheduling
 * @param spark the Spark version and master
 */
public record RunReport(String command, String model, Map<String, Object> settings, long rows, long made, long ok,
        Map<String, Long> errors, Map<String, Object> metrics, double seconds, Map<String, Double> stages,
        Map<String, Integer> modelLoads, Map<String, java.util.SortedSet<String>> gpuAddresses, Map<String, String> spark) {

    /**
     * Creates the report of a job from the counts of its output.
     *
     * @param command the job
     * @param model the model's name and sha256
     * @param settings every option of the job
     * @param counts how its rows ended
     * @param metrics what it measured
     * @param times the time of its stages
     * @param progress its counters, with the executors' model loads
     * @param session the Spark session it ran in
     * @return the report
     */
    static RunReport of(String command, String model, Map<String, Object> settings, StatusCounts counts,
            Map<String, Object> metrics, StageTimes times, RowProgress progress, org.apache.spark.sql.SparkSession session) {
        Map<String, String> spark = new LinkedHashMap<>();
        spark.put("version", session.version());
        spark.put("master", session.sparkContext().master());
        return new RunReport(command, model, settings, counts.rows(), progress.made(), counts.ok(), counts.errors(), metrics,
                times.seconds(), times.stages(), progress.modelLoads(), progress.gpuAddresses(), spark);
    }

    /** The report's file name inside the output directory. */
    public static final String FILE = "_ddim_run.json";

    /** Returns the number of error rows. */
    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Returns the report as JSON. */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", command);
        json.put("model", model);
        json.put("settings", settings);
        json.put("rows", rows);
        json.put("rows_made", made);
        json.put("ok", ok);
        json.put("error", errorCount());
        json.put("errors_by_reason", errors);
        if (!metrics.isEmpty()) {
            json.put("metrics", metrics);
        }
        json.put("seconds", seconds);
        json.put("stage_seconds", stages);
        json.put("model_loads_by_executor", modelLoads);
        if (!gpuAddresses.isEmpty()) {
            json.put("gpu_addresses_by_executor", gpuAddresses);
        }
        json.put("spark", spark);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(json) + "\n";
    }

    /** Returns a one-line summary for the console. */
    public String summary(String output) {
        StringBuilder line = new StringBuilder(String.format("%s: wrote %d rows (%d ok, %d error) to %s in %.1f s",
                command, rows, ok, errorCount(), output, seconds));
        errors.forEach((reason, n) -> line.append(System.lineSeparator()).append("  ").append(n).append(" x ")
                .append(reason));
        metrics.forEach((name, value) -> line.append(System.lineSeparator()).append(name).append(": ").append(value));
        return line.toString();
    }

    /**
     * Returns the summary with a pointer to a file beside the output, e.g. the contact sheet.
     *
     * @param output the output directory
     * @param file the file's name in it
     * @param what what the file is
     * @return the lines
     */
    public String summary(String output, String file, String what) {
        return summary(output) + System.lineSeparator() + what + ": " + new Path(output, file);
    }
}
