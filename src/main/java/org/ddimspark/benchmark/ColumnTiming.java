package org.ddimspark.benchmark;

/**
 * One column of {@link LoopComparison}: how long a way of running the same sampling took.
 *
 * @param name the column's letter and name, for example {@code "b. library loop"}
 * @param images the images the timed part made
 * @param batch the requests of a batch (one sampler call, one job batch, one plain-PyTorch batch)
 * @param steps the steps of each image
 * @param seconds the wall-clock seconds of the timed part: steady state, without start-up
 * @param startupSeconds the seconds before the first image that the steady rate does not account for
 *     (JVM, Spark and model start-up); NaN where the column has none or does not measure it
 * @param peakRssBytes the peak resident memory of the process the column ran in, or -1 where unknown
 * @param threads the threads the column used in total
 * @param how a short description of how the column ran
 */
public record ColumnTiming(String name, int images, int batch, int steps, double seconds, double startupSeconds,
        long peakRssBytes, int threads, String how) {

    /** Returns the images per second of the timed part. */
    public double imagesPerSecond() {
        return images / seconds;
    }

    /** Returns the milliseconds of one step of one batch: the time a batch of requests spends per step. */
    public double msPerStep() {
        return 1000.0 * seconds * batch / ((double) images * steps);
    }

    /**
     * Returns this column's seconds per image over another's: below 1 when this one is faster.
     *
     * @param other the other column
     * @return the ratio of times per image
     */
    public double timeRatioTo(ColumnTiming other) {
        return other.imagesPerSecond() / imagesPerSecond();
    }
}
