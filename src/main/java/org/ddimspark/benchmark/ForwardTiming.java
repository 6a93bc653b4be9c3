package org.ddimspark.benchmark;

/**
 * The measured forward of one configuration of the network.
 *
 * @param forwardBatch the rows of every network forward
 * @param seconds the median wall-clock seconds of a forward of all the benchmark's rows
 * @param rows the rows of that forward
 * @param maxDifference the largest absolute difference of its outputs from the baseline's
 * @param firstSeconds the wall-clock seconds of the first forward of these rows in this configuration (the
 *     first warm-up run), which pays the graph optimizer's profiling of a new input shape
 */
public record ForwardTiming(int forwardBatch, double seconds, int rows, double maxDifference, double firstSeconds) {

    /** Returns the rows per second. */
    public double rowsPerSecond() {
        return rows / seconds;
    }

    /**
     * Returns this configuration's throughput relative to a baseline's.
     *
     * @param baseline the baseline, measured in the same run
     * @return rows per second over the baseline's rows per second
     */
    public double ratioTo(ForwardTiming baseline) {
        return rowsPerSecond() / baseline.rowsPerSecond();
    }
}
