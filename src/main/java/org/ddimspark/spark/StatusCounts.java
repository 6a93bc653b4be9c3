package org.ddimspark.spark;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How the rows of a job's output ended: all, ok, and the error rows by reason. The reason of an error is its
 * text before the first {@code ": "} (so "too many pixels: 9000x9000 ..." counts as "too many pixels").
 *
 * @param rows the number of rows
 * @param ok the rows with status ok
 * @param errors the error rows by reason
 */
public record StatusCounts(long rows, long ok, Map<String, Long> errors) {

    /**
     * Counts the rows of a job's output.
     *
     * @param output rows with {@code status} and {@code error} columns
     * @return the counts
     */
    public static StatusCounts of(Dataset<Row> output) {
        Map<String, Long> errors = new TreeMap<>();
        long ok = 0;
        long total = 0;
        for (Row r : output.groupBy("status", "error").count().collectAsList()) {
            long n = r.getLong(2);
            total += n;
            if (OutputSchema.OK.equals(r.getString(0))) {
                ok += n;
            } else {
                errors.merge(reason(r.isNullAt(1) ? null : r.getString(1)), n, Long::sum);
            }
        }
        return new StatusCounts(total, ok, errors);
    }

    /**
     * Returns the reason of an error message.
     *
     * @param error the message, or null
     * @return its text before the first ": ", or "unknown"
     */
    public static String reason(String error) {
        if (error == null || error.isBlank()) {
            return "unknown";
        }
        int colon = error.indexOf(": ");
        return colon > 0 ? error.substring(0, colon) : error;
    }
}
