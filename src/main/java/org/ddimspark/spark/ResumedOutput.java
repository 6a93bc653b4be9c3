package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.storage.UncommittedFiles;

/**
 * The output of an earlier run of the same job that a {@code --resume} run completes: the rows already
 * written are kept, only the requests whose id is not among them are computed, and the new rows are
 * appended. What a run that was killed before it committed left ({@link UncommittedFiles}: a
 * {@code _temporary} folder, which a later commit would otherwise take in, or on S3 the magic committer's
 * folders and pending uploads) is removed first, so a request is never written twice; files that a killed
 * run did commit count as done, so none is lost.
 */
final class ResumedOutput {

    private final String uri;
    private final Dataset<Row> existing;

    private ResumedOutput(String uri, Dataset<Row> existing) {
        this.uri = uri;
        this.existing = existing;
    }

    /**
     * Opens an output for resuming: deletes its uncommitted files and reads its rows.
     *
     * @param spark the session
     * @param uri the output
     * @return the output, with no rows when it does not exist or holds no data file yet
     * @throws UncheckedIOException when the file system cannot be read
     */
    static ResumedOutput open(SparkSession spark, String uri) {
        Path dir = new Path(uri);
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(dir)) {
                return new ResumedOutput(uri, null);
            }
            UncommittedFiles.remove(fs, dir);
            for (FileStatus file : fs.listStatus(dir)) {
                String name = file.getPath().getName();
                if (file.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                    return new ResumedOutput(uri, spark.read().parquet(uri));
                }
            }
            return new ResumedOutput(uri, null);
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
            kept += group.getLong(i + 1);
        }
        return kept;
    }

    /**
     * Returns the requests whose id is not in the output yet.
     *
     * @param requests the requests of the run
     * @param id the column of {@code requests} that holds the id each request's row will have
     * @return those of {@code requests} still to compute
     */
    Dataset<Row> missing(Dataset<Row> requests, String id) {
        if (existing == null) {
            return requests;
        }
        Dataset<Row> done = existing.select(col("id").as("done_id"));
        return requests.join(done, requests.col(id).equalTo(done.col("done_id")), "left_anti");
    }

    private static String describe(List<?> values) {
        return values.size() == 1 ? Objects.toString(values.get(0)) : values.toString();
    }
}
