package org.ddimspark.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A job's output as a reader in the test JVM sees it, id to (latent, PNG bytes, status), for the tests that
 * compare outputs of runs in other JVMs byte for byte.
 */
public final class OutputRows {

    private OutputRows() {}

    /**
     * Reads an output with a local session of its own, asserting that no id is there twice.
     *
     * @param uri the output
     * @param hadoop Hadoop settings that reach it (e.g. {@link S3Server#settings()}), or an empty map
     * @return id to {latent as a list, PNG bytes or null, status}, sorted by id
     */
    public static Map<String, Object[]> read(String uri, Map<String, String> hadoop) {
        SparkSession.Builder builder = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false");
        hadoop.forEach((k, v) -> builder.config("spark.hadoop." + k, v));
        SparkSession spark = builder.getOrCreate();
        try {
            Map<String, Object[]> rows = new TreeMap<>();
            for (Row r : spark.read().parquet(uri).collectAsList()) {
                Row image = r.getAs("image");
                Object[] previous = rows.put(r.getAs("id"), new Object[] {r.getList(r.fieldIndex("latent")),
                        image == null ? null : image.getAs("bytes"), r.getAs("status")});
                assertEquals(null, previous, "id " + r.getAs("id") + " written twice");
            }
            return rows;
        } finally {
            spark.stop();
        }
    }

    /**
     * Asserts that two outputs hold the same ids with the same latents, PNG bytes and statuses.
     *
     * @param expected the reference, from {@link #read}
     * @param actual the output under test
     * @param what what is compared, for the messages
     */
    public static void assertSame(Map<String, Object[]> expected, Map<String, Object[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        for (String id : expected.keySet()) {
            assertSameRow(expected.get(id), actual.get(id), what + ": " + id);
        }
    }

    /**
     * Asserts that two rows from {@link #read} are the same.
     *
     * @param expected the reference row
     * @param actual the row under test
     * @param what what is compared, for the messages
     */
    public static void assertSameRow(Object[] expected, Object[] actual, String what) {
        assertEquals(expected[0], actual[0], what + ": latent");
        assertArrayEquals((byte[]) expected[1], (byte[]) actual[1], what + ": PNG");
        assertEquals(expected[2], actual[2], what + ": status");
    }
}
