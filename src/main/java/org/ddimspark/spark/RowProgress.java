package org.ddimspark.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * The rows a job's tasks have made so far, counted batch by batch into two named accumulators (ok and
 * error) that executors report with their heartbeats while a task runs, and the number of rows the job
 * will make, posted with its Spark jobs. {@link ProgressReporter} reads both on the driver. It also
 * carries, for the run report, each executor's model loads, since every task that makes rows holds it.
 */
final class RowProgress implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The accumulator of ok rows. */
    static final String OK = "ddim.rows.ok";
    /** The accumulator of error rows. */
    static final String ERROR = "ddim.rows.error";
    /** The local property that carries the number of rows the job will make (-1: unknown). */
    static final String TOTAL = "ddim.rows.total";

    private final LongAccumulator ok;
    private final LongAccumulator error;
    private final CollectionAccumulator<String> models;
    private final int status;

    private RowProgress(LongAccumulator ok, LongAccumulator error, CollectionAccumulator<String> models, int status) {
        this.ok = ok;
        this.error = error;
        this.models = models;
        this.status = status;
    }

    /**
     * Registers the counters of a job that writes rows of a schema.
     *
     * @param spark the session
     * @param schema the rows' schema, with a {@code status} column
     * @param total the number of rows the job will make, or -1 when unknown
     * @return the counters, to hand to the job's tasks
     */
    static RowProgress register(SparkSession spark, StructType schema, long total) {
        SparkContext sc = spark.sparkContext();
        sc.setLocalProperty(TOTAL, Long.toString(total));
        return new RowProgress(sc.longAccumulator(OK), sc.longAccumulator(ERROR),
                sc.collectionAccumulator("ddim.model.loads"), schema.fieldIndex("status"));
    }

    /** Ends the job's progress: later Spark jobs of this thread carry no total. */
    static void finish(SparkSession spark) {
        spark.sparkContext().setLocalProperty(TOTAL, null);
    }

    /**
     * Notes, from a task, the device its model runs on, how many times its executor JVM has loaded the job's
     * model onto that device, and the GPU addresses Spark gave the task.
     *
     * @param executor the executor's id
     * @param device the device's name, e.g. {@code gpu1}
     * @param loads the JVM's loads of the model onto the device
     * @param gpus the task's {@code gpu} resource addresses
     */
    void noteModel(String executor, String device, int loads, List<String> gpus) {
        models.add(executor + "/" + device + "=" + loads + "=" + String.join(",", gpus));
    }

    /**
     * Returns, on the driver after the job, each executor and device that ran a task, and its model loads.
     *
     * @return executor id and device (e.g. {@code 1/gpu0}) to loads, in order
     */
    Map<String, Integer> modelLoads() {
        Map<String, Integer> loads = new TreeMap<>();
        for (String note : models.value()) {
            String[] parts = note.split("=", -1);
            loads.merge(parts[0], Integer.parseInt(parts[1]), Math::max);
        }
        return loads;
    }

    /**
     * Returns, on the driver after the job, the GPU addresses Spark gave each executor's tasks.
     *
     * @return executor id to its tasks' addresses, sorted; executors whose tasks had none are left out
     */
    Map<String, java.util.SortedSet<String>> gpuAddresses() {
        Map<String, java.util.SortedSet<String>> addresses = new TreeMap<>();
        for (String note : models.value()) {
            String[] parts = note.split("=", -1);
            if (!parts[2].isEmpty()) {
                String executor = parts[0].substring(0, parts[0].lastIndexOf('/'));
                addresses.computeIfAbsent(executor, e -> new java.util.TreeSet<>()).addAll(List.of(parts[2].split(",")));
            }
        }
        return addresses;
    }

    /** Returns, on the driver after the job, the rows its successful tasks made. */
    long made() {
        return ok.value() + error.value();
    }

    /**
     * Counts a batch of rows a task made.
     *
     * @param rows the rows
     */
    void count(List<Row> rows) {
        long good = 0;
        for (Row r : rows) {
            if (OutputSchema.OK.equals(r.get(status))) {
                good++;
            }
        }
        ok.add(good);
        error.add(rows.size() - good);
    }
}
