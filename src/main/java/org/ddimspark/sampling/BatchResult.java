package org.ddimspark.sampling;

/**
 * What a sampler returns for a batch: the final samples, flattened batch-major, and per request either
 * null (ok) or a one-line error.
 *
 * @param samples {@code batch * C * H * W} floats in model space
 * @param errors one entry per request, null when the request succeeded
 */
public record BatchResult(float[] samples, String[] errors) {

    /**
     * Returns whether request {@code index} succeeded.
     *
     * @param index the request's position in the batch
     * @return true when it has no error
     */
    public boolean ok(int index) {
        return errors[index] == null;
    }
}
