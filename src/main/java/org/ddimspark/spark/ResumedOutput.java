package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.storage.UncommittedFiles;

/**
 * The output of an earlier run of the same job that a {@code --resume} run completes: the rows already
 * written are kept, only the requests whose id is not among them are computed, and the new rows are
 * appended. What a run that was killed before it committed left ({@link UncommittedFiles}: a
 * {@code _temporary} folder, which a later commit would otherwise take in, or on S3 the magic committer's
 * folders and pending uploads) is removed first, so a request is never written twice; files that a killed
 * run did commit count as done, so none is lost.
 *
 * <p>With {@code --retry-errors} the error rows count as not done: their requests are computed again, the new
 * rows appended, and then {@link #repair} leaves one row per id, an ok row before an error row and a newer
 * row before an older one, rewriting the files that hold superseded rows. A marker file
 * ({@link #REPAIRING}) is written before the retried rows are and deleted after the repair, so that a run
 * killed anywhere in between has its repair finished by the next {@code --resume}.
 */
final class ResumedOutput {

    /** The marker of a repair in progress. */
    static final String REPAIRING = "_ddim_repairing";

    private final String uri;
    private final Dataset<Row> existing;
    private final boolean retryErrors;
    private final boolean interruptedRepair;

    private ResumedOutput(String uri, Dataset<Row> existing, boolean retryErrors, boolean interruptedRepair) {
        this.uri = uri;
        this.existing = existing;
        this.retryErrors = retryErrors;
        this.interruptedRepair = interruptedRepair;
    }

    /**
     * Opens an output for resuming: deletes its uncommitted files and reads its rows.
     *
     * @param spark the session
     * @param uri the output
     * @param retryErrors whether error rows are computed again
     * @return the output, with no rows when it does not exist or holds no data file yet
     * @throws UncheckedIOException when the file system cannot be read
     */
    static ResumedOutput open(SparkSession spark, String uri, boolean retryErrors) {
        Path dir = new Path(uri);
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(dir)) {
                return new ResumedOutput(uri, null, retryErrors, false);
            }
            UncommittedFiles.remove(fs, dir);
            boolean interrupted = fs.exists(new Path(dir, REPAIRING));
            for (FileStatus file : fs.listStatus(dir)) {
                String name = file.getPath().getName();
                if (file.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                    return new ResumedOutput(uri, spark.read().parquet(uri), retryErrors, interrupted);
                }
            }
            return new ResumedOutput(uri, null, retryErrors, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + uri + " to resume it", e);
        }
    }

    /**
     * Checks that the kept rows were made with this run's settings, so that the output does not mix two
     * configurations, and counts them: one pass over the output's setting columns.
     *
     * @param expected for each column, the values this run writes into it (one, or one per kind of row)
     * @param madeOtherwise true on a row that only a run with other settings would write
     * @param how what such a row was made with, for the message
     * @return the number of rows kept
     * @throws IllegalArgumentException naming the first column whose kept value this run would not write, or
     *     saying how a row matching {@code madeOtherwise} was made
     */
    long requireSameSettings(Map<String, List<?>> expected, Column madeOtherwise, String how) {
        if (existing == null) {
            return 0;
        }
        List<Column> keys = new ArrayList<>();
        for (String column : expected.keySet()) {
            if (!existing.schema().getFieldIndex(column).isDefined()) {
                throw new IllegalArgumentException("cannot resume " + uri + ": its rows have no '" + column
                        + "' column, which this run writes (--overwrite replaces the output)");
            }
            keys.add(col(column));
        }
        keys.add(madeOtherwise.as("made_otherwise"));
        keys.add(col("status").equalTo(OutputSchema.OK).as("ok"));
        long kept = 0;
        // the few distinct combinations of settings the kept rows have, with their counts
        for (Row group : existing.groupBy(keys.toArray(new Column[0])).count().collectAsList()) {
            int i = 0;
            for (Map.Entry<String, List<?>> e : expected.entrySet()) {
                Object value = group.get(i++);
                if (value == null || !e.getValue().contains(value)) {
                    throw new IllegalArgumentException("cannot resume " + uri + ": its rows have " + e.getKey() + " "
                            + value + ", this run writes " + describe(e.getValue()) + " (--overwrite replaces the output)");
                }
            }
            if (group.getBoolean(i)) {
                throw new IllegalArgumentException("cannot resume " + uri + ": its rows were made " + how
                        + " (--overwrite replaces the output)");
            }
            if (!retryErrors || group.getBoolean(i + 1)) {
                kept += group.getLong(i + 2);
            }
        }
        return kept;
    }

    /**
     * Returns the requests whose id is not in the output yet (with {@code --retry-errors}: has no ok row).
     *
     * @param requests the requests of the run
     * @param id the column of {@code requests} that holds the id each request's row will have
     * @return those of {@code requests} still to compute
     */
    Dataset<Row> missing(Dataset<Row> requests, String id) {
        if (existing == null) {
            return requests;
        }
        Dataset<Row> done = (retryErrors ? existing.where(col("status").equalTo(OutputSchema.OK)) : existing)
                .select(col("id").as("done_id"));
        return requests.join(done, requests.col(id).equalTo(done.col("done_id")), "left_anti");
    }

    /**
     * Marks the output as being repaired, with {@code --retry-errors}, once its settings were checked and
     * before any retried row is written: a run killed from then on leaves duplicates that the next
     * {@code --resume} repairs.
     *
     * @param spark the session
     */
    void startRetry(SparkSession spark) {
        if (existing == null || !retryErrors) {
            return;
        }
        Path marker = new Path(new Path(uri), REPAIRING);
        try {
            marker.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(marker, true).close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + marker, e);
        }
    }

    /**
     * After this run's rows are appended: leaves one row per id when this run retried errors or an earlier
     * repair was cut short. The rows of each id are ranked, ok before error, then the newer file first; a
     * file all of whose rows lost is deleted, a file with some losing rows has its winning rows written to a
     * new file before it is deleted. Running it again after it was cut short at any point converges: a
     * rewritten file is newer than its original, whose rows then all lose.
     *
     * @param spark the session
     * @return the rows removed
     */
    long repair(SparkSession spark) {
        if (existing == null || !(retryErrors || interruptedRepair)) {
            return 0;
        }
        Path dir = new Path(uri);
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            Path marker = new Path(dir, REPAIRING);
            fs.create(marker, true).close();
            Dataset<Row> all = spark.read().parquet(uri);
            Dataset<Row> placed = all.select(col("id"), col("status"), col("_metadata.file_path").as("file"),
                    col("_metadata.file_modification_time").as("mtime"));
            WindowSpec byId = Window.partitionBy("id").orderBy(when(col("status").equalTo(OutputSchema.OK), 0)
                    .otherwise(1), col("mtime").desc(), col("file").desc());
            Dataset<Row> ranked = placed.withColumn("rank", row_number().over(byId)).cache();
            List<String> partial = new ArrayList<>();
            List<String> superseded = new ArrayList<>();
            long removed = 0;
            for (Row f : ranked.groupBy("file").agg(sum(when(col("rank").gt(1), 1).otherwise(0)).as("losers"),
                    count(lit(1)).as("rows")).where(col("losers").gt(0)).collectAsList()) {
                superseded.add(f.getString(0));
                removed += f.getLong(1);
                if (f.getLong(1) < f.getLong(2)) {
                    partial.add(f.getString(0));
                }
            }
            if (!partial.isEmpty()) {
                Dataset<Row> winners = ranked.where(col("rank").equalTo(1).and(col("file").isin(partial.toArray())))
                        .select(col("id").as("winner_id"), col("file").as("winner_file"));
                Dataset<Row> located = all.withColumn("_file", col("_metadata.file_path"));
                Dataset<Row> keep = located.join(winners, located.col("id").equalTo(winners.col("winner_id"))
                        .and(located.col("_file").equalTo(winners.col("winner_file"))), "left_semi")
                        .select(Arrays.stream(all.columns()).map(functions::col).toArray(Column[]::new));
                keep.write().mode(SaveMode.Append).parquet(uri);
            }
            for (String file : superseded) {
                fs.delete(new Path(new URI(file)), false);
            }
            ranked.unpersist();
            fs.delete(marker, false);
            return removed;
        } catch (IOException | java.net.URISyntaxException e) {
            throw new UncheckedIOException("cannot repair " + uri, e instanceof IOException io ? io : new IOException(e));
        }
    }

    private static String describe(List<?> values) {
        return values.size() == 1 ? Objects.toString(values.get(0)) : values.toString();
    }
}
