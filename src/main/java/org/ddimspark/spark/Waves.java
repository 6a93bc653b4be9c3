package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * A job's requests cut into waves of about {@code --wave-size} requests, which {@link ParquetOutput} writes
 * and commits one after another. A request's wave is a hash of its id, so the cut needs no ordering and no
 * count per wave; the tagged requests are persisted (memory, then local disk) so that a listing or a stored
 * table is read once, not once a wave. An executor lost with its blocks recomputes them from the lineage.
 * Close to release them.
 */
final class Waves implements AutoCloseable {

    private static final String WAVE = "_ddim_wave";

    private final Dataset<Row> tagged;
    private final int count;
    private final long requests;

    private Waves(Dataset<Row> tagged, int count, long requests) {
        this.tagged = tagged;
        this.count = count;
        this.requests = requests;
    }

    /**
     * Returns the number of waves for a number of requests.
     *
     * @param requests the requests still to compute
     * @param waveSize the requests a wave, at least 1
     * @return at least 1
     */
    static int count(long requests, int waveSize) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (requests + waveSize - 1) / waveSize));
    }

    /**
     * Cuts requests into waves by the hash of their ids.
     *
     * @param requests the requests, with an {@code id} column
     * @param size about how many there are
     * @param waveSize the requests a wave
     * @return the waves; one wave holds the requests as they are, without persisting them
     */
    static Waves byId(Dataset<Row> requests, long size, int waveSize) {
        int n = count(size, waveSize);
        if (n == 1) {
            return new Waves(requests, 1, size);
        }
        Dataset<Row> tagged = requests.withColumn(WAVE, pmod(xxhash64(col("id")), lit((long) n)).cast("int"))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        return new Waves(tagged, n, size);
    }

    /** Returns the number of waves. */
    int count() {
        return count;
    }

    /** Returns about how many requests a wave holds. */
    long size() {
        return (requests + count - 1) / count;
    }

    /**
     * Returns the requests of one wave.
     *
     * @param wave 0..count-1
     * @return its requests, in the columns they were given with
     */
    Dataset<Row> get(int wave) {
        return count == 1 ? tagged : tagged.where(col(WAVE).equalTo(wave)).drop(WAVE);
    }

    @Override
    public void close() {
        if (count > 1) {
            tagged.unpersist();
        }
    }
}
