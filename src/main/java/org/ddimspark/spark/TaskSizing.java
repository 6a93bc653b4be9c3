package org.ddimspark.spark;

/**
 * How many tasks a job's requests are split into when {@code --partitions} is not given: about
 * {@link #BATCHES_PER_TASK} batches a task, but at least {@link #TASKS_PER_CORE} tasks a core, and no more
 * tasks than batches, except that a job of fewer batches than cores still gets a task a core (as many as
 * it has requests), so that a small job uses every core. Small tasks make a lost executor cost little (a retry recomputes one
 * task) and let fast executors take over the work of slow ones; a task of several batches keeps the
 * per-task cost (a denoiser, a Parquet file) small against the work. The outputs do not depend on it.
 */
final class TaskSizing {

    /** The batches a task aims at. */
    static final int BATCHES_PER_TASK = 8;
    /** The tasks a core gets at least, when there are enough batches. */
    static final int TASKS_PER_CORE = 4;

    private TaskSizing() {}

    /**
     * Returns the number of tasks for a number of requests.
     *
     * @param requests the requests to compute
     * @param batchSize the requests of a batch
     * @param cores the cores of the application (Spark's default parallelism)
     * @param given the user's {@code --partitions}, or 0
     * @return at least 1
     */
    static int tasks(long requests, int batchSize, int cores, int given) {
        if (given > 0) {
            return (int) Math.max(1, Math.min(given, Math.max(requests, 1)));
        }
        long batches = Math.max(1, (requests + batchSize - 1) / batchSize);
        long target = Math.max((long) TASKS_PER_CORE * Math.max(cores, 1), (batches + BATCHES_PER_TASK - 1) / BATCHES_PER_TASK);
        long tasks = Math.max(Math.min(requests, Math.max(cores, 1)), Math.min(batches, target));
        return (int) Math.max(1, Math.min(tasks, 1 << 20));
    }
}
