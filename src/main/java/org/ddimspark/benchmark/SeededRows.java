package org.ddimspark.benchmark;

import java.util.stream.IntStream;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;

/**
 * The inputs every benchmark feeds a model: row i of a run starting at {@code first} has seed
 * {@code first + i}, the job's x_T for that seed, and class {@code (first + i) mod num_classes}.
 */
final class SeededRows {

    private SeededRows() {}

    /** Returns the x_T of rows {@code first .. first + rows - 1}, {@code rows * C * H * W} values. */
    static float[] latents(ModelCard card, long first, int rows) {
        int size = card.sampleSize();
        float[] x = new float[rows * size];
        for (int r = 0; r < rows; r++) {
            SeededNoise.fill(first + r, SeededNoise.LATENT_STREAM, x, r * size, size);
        }
        return x;
    }

    /** Returns the classes of rows {@code first .. first + rows - 1}, or null for an unconditional model. */
    static int[] classes(ModelCard card, long first, int rows) {
        return card.isConditional()
                ? IntStream.range(0, rows).map(r -> (int) ((first + r) % card.numClasses())).toArray() : null;
    }
}
