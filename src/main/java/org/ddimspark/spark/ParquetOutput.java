package org.ddimspark.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The one writer of a job's rows: Parquet at the output URI, through the session's commit protocol (the
 * S3A magic committer on {@code s3a://}), appended by {@code --resume}, replacing the output with
 * {@code --overwrite}, and otherwise refusing an existing one. The job's progress ends with the write.
 */
final class ParquetOutput {

    private ParquetOutput() {}

    /**
     * Computes and writes the rows.
     *
     * @param spark the session
     * @param rows the rows, computed as they are written
     * @param output the output URI
     * @param overwrite whether to replace an existing output
     * @param resume whether to append to an existing output
     */
    static void write(SparkSession spark, Dataset<Row> rows, String output, boolean overwrite, boolean resume) {
        try {
            rows.write().mode(resume ? SaveMode.Append : overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                    .parquet(output);
        } finally {
            RowProgress.finish(spark);
        }
    }
}
