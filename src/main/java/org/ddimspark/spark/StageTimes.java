package org.ddimspark.spark;

import java.util.LinkedHashMap;
import java.util.Map;

/** The wall time of each stage of a job, in order, for the run report. */
final class StageTimes {

    private final long started = System.nanoTime();
    private long mark = started;
    private final Map<String, Double> stages = new LinkedHashMap<>();

    /**
     * Ends a stage: the time since the previous one ended (or the job started) is its time.
     *
     * @param stage the stage's name, e.g. {@code sample_and_write}
     */
    void end(String stage) {
        long now = System.nanoTime();
        stages.merge(stage, (now - mark) / 1e9, Double::sum);
        mark = now;
    }

    /** Returns the seconds of each stage so far, in order. */
    Map<String, Double> stages() {
        return new LinkedHashMap<>(stages);
    }

    /** Returns the seconds since the job started. */
    double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }
}
