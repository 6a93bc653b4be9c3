package org.ddimspark.evaluation;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The mean and covariance of a set of feature vectors, and the Frechet distance between two such Gaussians:
 * |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)), as FID computes it.
 *
 * @param count the number of vectors
 * @param mean the mean
 * @param covariance the unbiased covariance (divided by count - 1)
 */
public record FeatureStatistics(long count, double[] mean, double[][] covariance) implements Serializable {

    /**
     * Computes the statistics of feature vectors.
     *
     * @param features the vectors, all of one length; at least two
     * @return the statistics
     */
    public static FeatureStatistics of(List<float[]> features) {
        if (features.size() < 2) {
            throw new IllegalArgumentException("feature statistics need at least 2 vectors, got " + features.size());
        }
        int d = features.get(0).length;
        double[] mean = new double[d];
        for (float[] f : features) {
            for (int i = 0; i < d; i++) {
                mean[i] += f[i];
            }
        }
        for (int i = 0; i < d; i++) {
            mean[i] /= features.size();
        }
        double[][] cov = new double[d][d];
        for (float[] f : features) {
            for (int i = 0; i < d; i++) {
                double di = f[i] - mean[i];
                for (int j = i; j < d; j++) {
                    cov[i][j] += di * (f[j] - mean[j]);
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                cov[i][j] /= features.size() - 1;
                cov[j][i] = cov[i][j];
            }
        }
        return new FeatureStatistics(features.size(), mean, cov);
    }

    /**
     * Reads statistics from JSON: {@code {"count": N, "mean": [...], "covariance": [[...], ...]}}.
     *
     * @param file the file
     * @return the statistics
     * @throws IOException when the file cannot be read
     */
    public static FeatureStatistics read(Path file) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        JsonArray meanJson = json.getAsJsonArray("mean");
        double[] mean = new double[meanJson.size()];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = meanJson.get(i).getAsDouble();
        }
        JsonArray covJson = json.getAsJsonArray("covariance");
        double[][] cov = new double[mean.length][mean.length];
        for (int i = 0; i < mean.length; i++) {
            JsonArray row = covJson.get(i).getAsJsonArray();
            for (int j = 0; j < mean.length; j++) {
                cov[i][j] = row.get(j).getAsDouble();
            }
        }
        return new FeatureStatistics(json.get("count").getAsLong(), mean, cov);
    }

    /**
     * Returns the Frechet distance between the Gaussians of these and other statistics.
     *
     * @param other the other statistics, of the same dimension
     * @return the distance, at least 0
     */
    public double frechetDistance(FeatureStatistics other) {
        if (other.mean.length != mean.length) {
            throw new IllegalArgumentException("feature dimensions differ: " + mean.length + " and " + other.mean.length);
        }
        double meanTerm = 0;
        for (int i = 0; i < mean.length; i++) {
            double d = mean[i] - other.mean[i];
            meanTerm += d * d;
        }
        RealMatrix s1 = new Array2DRowRealMatrix(covariance);
        RealMatrix s2 = new Array2DRowRealMatrix(other.covariance);
        // Tr((S1 S2)^(1/2)) = Tr((sqrt(S1) S2 sqrt(S1))^(1/2)): the eigenvalues of a symmetric PSD matrix
        RealMatrix root1 = symmetricSqrt(s1);
        RealMatrix middle = root1.multiply(s2).multiply(root1);
        middle = middle.add(middle.transpose()).scalarMultiply(0.5);
        double traceRoot = 0;
        for (double lambda : new EigenDecomposition(middle).getRealEigenvalues()) {
            traceRoot += Math.sqrt(Math.max(lambda, 0));
        }
        return Math.max(0.0, meanTerm + s1.getTrace() + s2.getTrace() - 2 * traceRoot);
    }

    private static RealMatrix symmetricSqrt(RealMatrix m) {
        EigenDecomposition eigen = new EigenDecomposition(m);
        double[] values = eigen.getRealEigenvalues();
        RealMatrix v = eigen.getV();
        double[][] diag = new double[values.length][values.length];
        for (int i = 0; i < values.length; i++) {
            diag[i][i] = Math.sqrt(Math.max(values[i], 0));
        }
        return v.multiply(new Array2DRowRealMatrix(diag)).multiply(v.transpose());
    }
}
