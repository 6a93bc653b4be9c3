package org.ddimspark.benchmark;

import java.nio.file.Path;

/**
 * What {@link LoopComparison} runs: the same images, batch, steps and threads in every column.
 *
 * @param rows the images of the timed part of columns a, b and d, and of the smaller job of column c
 * @param batch the requests of a batch (a sampler call, the job's {@code --batch-size}, a plain-PyTorch batch)
 * @param steps the DDIM steps (eta 0, uniform spacing, the card's guidance, class i mod K)
 * @param threads the threads of every column in total: intra-op threads for a, b and d, {@code local[N]}
 *     cores (one intra-op thread a task) for c
 * @param jobRows the images of the larger job of column c; more than {@code rows}
 * @param python the interpreter of column d, which must have torch
 * @param overheadModel a closed-form model directory for the fixed cost per step, or null for none
 * @param overheadSteps the steps of the fixed-cost measurement
 * @param rounds the rounds, each of which runs every column once; the median round of each column counts
 */
public record ComparisonOptions(int rows, int batch, int steps, int threads, int jobRows, String python,
        Path overheadModel, int overheadSteps, int rounds) {

    /** Batches of the fixed-cost measurement, each of the closed-form model's forward batch. */
    static final int OVERHEAD_BATCHES = 4;

    /** Checks the values. */
    public ComparisonOptions {
        positive(rows, "rows");
        positive(batch, "batch");
        positive(steps, "steps");
        positive(threads, "threads");
        positive(overheadSteps, "overhead steps");
        positive(rounds, "rounds");
        if (rows % batch != 0) {
            throw new IllegalArgumentException("rows (" + rows + ") must be a multiple of the batch (" + batch + ")");
        }
        if (jobRows <= rows) {
            throw new IllegalArgumentException("the larger job's images (" + jobRows + ") must be more than rows ("
                    + rows + ")");
        }
    }

    private static void positive(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
    }
}
