package org.ddimspark.spark;

import java.util.List;
import org.apache.spark.sql.Row;

/** Reads the array columns of output rows ({@code latent}, {@code latent_shape}) back into Java arrays. */
final class ArrayColumns {

    private ArrayColumns() {}

    /** Returns an array&lt;float&gt; column of a row as a float[], or null when it is null. */
    static float[] floats(Row row, int column) {
        if (row.isNullAt(column)) {
            return null;
        }
        List<Float> values = row.getList(column);
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    /** Returns an array&lt;int&gt; column of a row as an int[], or null when it is null. */
    static int[] ints(Row row, int column) {
        return row.isNullAt(column) ? null : row.<Integer>getList(column).stream().mapToInt(Integer::intValue).toArray();
    }
}
