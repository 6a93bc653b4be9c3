package org.ddimspark.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.image.ContactSheet;

/**
 * The files a job writes beside its Parquet output, on any Hadoop file system: the run report and the
 * contact sheet. Their names start with an underscore, so Parquet readers skip them.
 */
final class OutputFiles {

    private OutputFiles() {}

    /**
     * Writes (or replaces) one file.
     *
     * @param spark the session whose Hadoop configuration resolves the path
     * @param path the file
     * @param bytes its content
     * @throws UncheckedIOException when it cannot be written
     */
    static void write(SparkSession spark, Path path, byte[] bytes) {
        try (OutputStream out = path.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(path, true)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    /** Writes a job's run report as {@link RunReport#FILE} in its output directory. */
    static void writeReport(SparkSession spark, String output, RunReport report) {
        write(spark, new Path(output, RunReport.FILE), report.toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a contact sheet of the tiles, {@code columns} a row, as {@link SampleJob#CONTACT_SHEET}. */
    static void writeContactSheet(SparkSession spark, String output, List<ContactSheet.Tile> tiles, int columns) {
        write(spark, new Path(output, SampleJob.CONTACT_SHEET), ContactSheet.render(tiles, columns, 56));
    }
}
