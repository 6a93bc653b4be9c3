package org.ddimspark.spark;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.ddimspark.model.ModelCard;

/**
 * Rows stored by an earlier job ({@code --from-latents}, {@code interpolate --from}) are data, not trust:
 * each latent and class is checked against the model before it is used, and what does not fit becomes the
 * reason of an error row, never a failed job or a silently unconditional sample. Each reason is a kind,
 * then {@code ": "} and the details, so that run reports count them by kind.
 */
final class StoredRows {

    private StoredRows() {}

    /**
     * Returns why a stored latent cannot be sampled by the model, or null when it can.
     *
     * @param row the stored row
     * @param latent the column of its {@code latent}
     * @param shape the column of its {@code latent_shape}
     * @param card the model's card
     * @return the reason, or null
     */
    static String latentError(Row row, int latent, int shape, ModelCard card) {
        if (row.isNullAt(latent)) {
            return "input row has no latent";
        }
        int[] dims = row.isNullAt(shape) || row.getList(shape).contains(null) ? null : ArrayColumns.ints(row, shape);
        if (!Arrays.equals(dims, card.sampleShape())) {
            return "latent_shape does not match the model: " + Arrays.toString(dims) + ", sample_shape "
                    + Arrays.toString(card.sampleShape());
        }
        List<Float> values = row.getList(latent);
        if (values.size() != card.sampleSize()) {
            return "latent has the wrong length: " + values.size() + " values, latent_shape " + Arrays.toString(dims)
                    + " needs " + card.sampleSize();
        }
        for (Float v : values) {
            if (v == null) {
                return "latent has a null element";
            }
            if (!Float.isFinite(v)) {
                return "latent is not finite";
            }
        }
        return null;
    }

    /**
     * Returns why a stored class cannot be given to the model, or null when it can.
     *
     * @param classLabel the class, or null for none
     * @param card the model's card
     * @return the reason, or null
     */
    static String classError(Integer classLabel, ModelCard card) {
        if (classLabel == null) {
            return null;
        }
        if (!card.isConditional()) {
            return "class_label given to an unconditional model: " + classLabel + " for '" + card.name() + "'";
        }
        if (classLabel < 0 || classLabel >= card.numClasses()) {
            return "class_label is outside the model's classes: " + classLabel + ", not in 0.." + (card.numClasses() - 1);
        }
        return null;
    }
}
