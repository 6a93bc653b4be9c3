package org.ddimspark.spark;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;
import org.ddimspark.model.TorchScriptDenoiser;

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
        TorchScriptDenoiser denoiser = SharedModels.get(options.model(), sha256).newDenoiser();
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> denoiser.close());
        }
        SampleRows rows = new SampleRows(options, denoiser);
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && indices.hasNext()) {
                    long[] batch = new long[options.batchSize()];
                    int n = 0;
                    while (n < batch.length && indices.hasNext()) {
                        batch[n++] = indices.next();
                    }
                    ready.addAll(rows.run(Arrays.copyOf(batch, n)));
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }
}
