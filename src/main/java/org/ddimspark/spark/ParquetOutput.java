package org.ddimspark.spark;

import java.util.function.IntFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a job's rows: Parquet at the output URI, through the session's commit protocol (the
 * S3A magic committer on {@code s3a://}), appended by {@code --resume}, replacing the output with
 * {@code --overwrite}, and otherwise refusing an existing one. A long job is written in {@link Waves}, each
 * wave a Spark job of its own whose commit makes its rows visible, so that a driver killed mid-job loses the
 * wave in flight only and {@code --resume} computes the rest. The job's progress ends with the last wave.
 */
final class ParquetOutput {

    private static final Logger LOG = LoggerFactory.getLogger(ParquetOutput.class);

    private ParquetOutput() {}

    /**
     * Computes and writes the rows in one wave.
     *
     * @param spark the session
     * @param rows the rows, computed as they are written
     * @param output the output URI
     * @param overwrite whether to replace an existing output
     * @param resume whether to append to an existing output
     */
    static void write(SparkSession spark, Dataset<Row> rows, String output, boolean overwrite, boolean resume) {
        write(spark, 1, wave -> rows, output, overwrite, resume);
    }

    /**
     * Computes and writes the rows wave after wave: the first wave as {@link #write(SparkSession, Dataset,
     * String, boolean, boolean) write} would, the others appended, each committed before the next starts.
     *
     * @param spark the session
     * @param waves the number of waves, at least 1
     * @param rows the rows of wave 0..waves-1, computed as they are written
     * @param output the output URI
     * @param overwrite whether to replace an existing output
     * @param resume whether to append to an existing output
     */
    static void write(SparkSession spark, int waves, IntFunction<Dataset<Row>> rows, String output, boolean overwrite,
            boolean resume) {
        try {
            for (int wave = 0; wave < waves; wave++) {
                SaveMode mode = resume || wave > 0 ? SaveMode.Append : overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
                rows.apply(wave).write().mode(mode).parquet(output);
                if (waves > 1) {
                    LOG.info("wave {}/{} committed to {}", wave + 1, waves, output);
                }
            }
        } finally {
            RowProgress.finish(spark);
        }
    }
}
