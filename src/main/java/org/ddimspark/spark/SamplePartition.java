package org.ddimspark.spark;

import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * The work of one partition of a sample job: request indices in, rows out, {@code batch-size} requests
 * per forward, through this JVM's shared model and a denoiser of the task's own that is closed when the
 * task completes. Rows are produced lazily, batch by batch.
 */
final class SamplePartition implements MapPartitionsFunction<Long, Row> {

    private static final long serialVersionUID = 1L;

    private final SampleJobOptions options;
    private final String sha256;

    SamplePartition(SampleJobOptions options, String sha256) {
        this.options = options;
        this.sha256 = sha256;
    }

    @Override
    public Iterator<Row> call(Iterator<Long> indices) {
        SampleRows rows = new SampleRows(options, SharedModels.taskDenoiser(options.model(), sha256));
        return new BatchedRows<>(indices, options.batchSize(), batch -> {
            long[] requests = new long[batch.size()];
            for (int i = 0; i < requests.length; i++) {
                requests[i] = batch.get(i);
            }
            return rows.run(requests);
        });
    }
}
