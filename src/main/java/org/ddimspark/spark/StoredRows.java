package org.ddimspark.spark;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.sampling.Solver;

/**
 * Rows stored by an earlier job ({@code --from-latents}, {@code interpolate --from}) are data, not trust:
 * each latent and class is checked against the model before it is used, and what does not fit becomes the
 * reason of an error row, never a failed job or a silently unconditional sample. Each reason is a kind,
 * then {@code ": "} and the details, so that run reports count them by kind.
 */
final class StoredRows {

    private StoredRows() {}

    /**
     * Returns why a stored latent cannot be sampled by the model, or null when it can: x_T of the model's
     * sample shape [C, H, W], or the pair of an exact inversion, [2, C, H, W].
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
        boolean pair = isPair(dims, card);
        if (!pair && !Arrays.equals(dims, card.sampleShape())) {
            return "latent_shape does not match the model: " + Arrays.toString(dims) + ", sample_shape "
                    + Arrays.toString(card.sampleShape()) + " (or [2, ...] for an exact inversion's pair)";
        }
        int length = (pair ? 2 : 1) * card.sampleSize();
        List<Float> values = row.getList(latent);
        if (values.size() != length) {
            return "latent has the wrong length: " + values.size() + " values, latent_shape " + Arrays.toString(dims)
                    + " needs " + length;
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
     * Returns whether a latent shape is an exact inversion's pair for the model: [2, C, H, W].
     *
     * @param dims the stored latent_shape, or null
     * @param card the model's card
     * @return true for [2, C, H, W]
     */
    static boolean isPair(int[] dims, ModelCard card) {
        int[] sample = card.sampleShape();
        return dims != null && dims.length == sample.length + 1 && dims[0] == 2
                && Arrays.equals(Arrays.copyOfRange(dims, 1, dims.length), sample);
    }

    /**
     * Returns the settings an exact inversion's pair is sampled with: the exact solver, which the job (or the
     * row) gets unless it chose another solver, which refuses the pair in one line.
     *
     * @param sampler the job's or the row's sampler settings
     * @param card the model's card
     * @return the exact solver's settings, or the error
     */
    static SampleRows.Settings pairSettings(SamplerOptions sampler, ModelCard card) {
        if (sampler.solver() == Solver.EXACT) {
            return new SampleRows.Settings(sampler, null);
        }
        int[] s = card.sampleShape();
        String pair = "latent is an exact inversion's pair: latent_shape [2, " + s[0] + ", " + s[1] + ", " + s[2] + "]";
        if (sampler.solverChosen()) {
            return new SampleRows.Settings(null, pair + " holds x_T and the next point, which only --solver exact"
                    + " samples (--solver " + sampler.solver().id() + " was given)");
        }
        try {
            return new SampleRows.Settings(sampler.toBuilder().optSolver(Solver.EXACT).build(), null);
        } catch (IllegalArgumentException e) {
            return new SampleRows.Settings(null, pair + ", sampled by --solver exact: " + e.getMessage());
        }
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
