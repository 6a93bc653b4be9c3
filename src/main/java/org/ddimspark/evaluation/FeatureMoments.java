package org.ddimspark.evaluation;

import java.io.Serializable;

/**
 * The running mean and co-moment matrix of feature vectors, added one at a time (Welford) and merged
 * pairwise (Chan et al.), so that each task summarises its own images and the driver only merges one
 * summary per task: no per-image feature ever reaches it. {@link #statistics()} gives the same
 * {@link FeatureStatistics} as computing them from all vectors at once, to rounding.
 */
public final class FeatureMoments implements Serializable {

    private static final long serialVersionUID = 1L;

    private long count;
    private double[] mean;
    private double[][] comoment;

    /** Creates empty moments. */
    public FeatureMoments() {}

    /**
     * Adds one vector.
     *
     * @param v the vector; every vector must have the first one's length
     */
    public void add(float[] v) {
        if (mean == null) {
            mean = new double[v.length];
            comoment = new double[v.length][v.length];
        }
        if (v.length != mean.length) {
            throw new IllegalArgumentException("feature of length " + v.length + ", expected " + mean.length);
        }
        count++;
        int d = mean.length;
        double[] before = new double[d];
        for (int i = 0; i < d; i++) {
            before[i] = v[i] - mean[i];
            mean[i] += before[i] / count;
        }
        for (int i = 0; i < d; i++) {
            double after = v[i] - mean[i];
            for (int j = 0; j < d; j++) {
                comoment[i][j] += before[j] * after;
            }
        }
    }

    /**
     * Merges other moments into these.
     *
     * @param other moments of other vectors of the same length
     * @return this
     */
    public FeatureMoments merge(FeatureMoments other) {
        if (other.count == 0) {
            return this;
        }
        if (count == 0) {
            count = other.count;
            mean = other.mean.clone();
            comoment = new double[mean.length][];
            for (int i = 0; i < mean.length; i++) {
                comoment[i] = other.comoment[i].clone();
            }
            return this;
        }
        if (other.mean.length != mean.length) {
            throw new IllegalArgumentException("features of length " + other.mean.length + ", expected " + mean.length);
        }
        long n = count + other.count;
        int d = mean.length;
        double[] delta = new double[d];
        for (int i = 0; i < d; i++) {
            delta[i] = other.mean[i] - mean[i];
        }
        double weight = (double) count * other.count / n;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                comoment[i][j] += other.comoment[i][j] + delta[i] * delta[j] * weight;
            }
        }
        for (int i = 0; i < d; i++) {
            mean[i] += delta[i] * other.count / n;
        }
        count = n;
        return this;
    }

    /** Returns the number of vectors added. */
    public long count() {
        return count;
    }

    /**
     * Returns the mean and the unbiased covariance.
     *
     * @return the statistics
     * @throws IllegalStateException with fewer than two vectors
     */
    public FeatureStatistics statistics() {
        if (count < 2) {
            throw new IllegalStateException("feature statistics need at least 2 vectors, got " + count);
        }
        int d = mean.length;
        double[][] covariance = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                covariance[i][j] = (comoment[i][j] + comoment[j][i]) / 2 / (count - 1);
            }
        }
        return new FeatureStatistics(count, mean.clone(), covariance);
    }
}
