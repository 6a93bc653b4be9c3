package org.ddimspark.benchmark;

import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;

/**
 * A {@link Denoiser} that counts the calls, rows and wall-clock time of another one's forwards, so that a
 * sampler's own time is what remains of its total. Closing it closes the wrapped denoiser.
 */
public final class TimedDenoiser implements Denoiser {

    private final Denoiser denoiser;
    private long nanos;
    private long rows;
    private int calls;

    /**
     * Wraps a denoiser.
     *
     * @param denoiser the denoiser to time
     */
    public TimedDenoiser(Denoiser denoiser) {
        this.denoiser = denoiser;
    }

    @Override
    public ModelCard card() {
        return denoiser.card();
    }

    @Override
    public float[] forward(float[] x, float[] t, long[] y, int batch) {
        long started = System.nanoTime();
        try {
            return denoiser.forward(x, t, y, batch);
        } finally {
            nanos += System.nanoTime() - started;
            rows += batch;
            calls++;
        }
    }

    /** Returns the seconds spent in forwards so far. */
    public double seconds() {
        return nanos / 1e9;
    }

    /** Returns the rows of all forwards so far. */
    public long rows() {
        return rows;
    }

    /** Returns the number of forwards so far. */
    public int calls() {
        return calls;
    }

    @Override
    public void close() {
        denoiser.close();
    }
}
