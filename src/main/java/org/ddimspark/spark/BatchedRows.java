package org.ddimspark.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * The rows of a partition, made lazily batch by batch: up to {@code batchSize} inputs are taken, turned
 * into rows by one call of the work function, counted into the job's {@link RowProgress}, and handed out
 * before the next batch is read.
 *
 * @param <T> the input type
 */
final class BatchedRows<T> implements Iterator<Row> {

    private final Iterator<T> inputs;
    private final int batchSize;
    private final Function<List<T>, List<Row>> work;
    private final RowProgress progress;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();

    BatchedRows(Iterator<T> inputs, int batchSize, Function<List<T>, List<Row>> work, RowProgress progress) {
        this.inputs = inputs;
        this.batchSize = batchSize;
        this.work = work;
        this.progress = progress;
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && inputs.hasNext()) {
            List<T> batch = new ArrayList<>(batchSize);
            while (batch.size() < batchSize && inputs.hasNext()) {
                batch.add(inputs.next());
            }
            List<Row> rows = work.apply(batch);
            progress.count(rows);
            ready.addAll(rows);
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
}
