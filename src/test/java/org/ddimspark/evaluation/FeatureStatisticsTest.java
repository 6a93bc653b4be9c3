package org.ddimspark.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeatureStatisticsTest {

    @Test
    void meanAndUnbiasedCovarianceOfAKnownSet() {
        FeatureStatistics s = FeatureStatistics.of(List.of(new float[] {1, 2}, new float[] {3, 2}, new float[] {5, 8}));
        assertArrayEquals(new double[] {3, 4}, s.mean(), 1e-12);
        // x: 1 3 5 (var 4), y: 2 2 8 (var 12), cov = ((-2)(-2) + 0 + 2 * 4) / 2 = 6
        assertArrayEquals(new double[] {4, 6}, s.covariance()[0], 1e-12);
        assertArrayEquals(new double[] {6, 12}, s.covariance()[1], 1e-12);
        assertEquals(3, s.count());
    }

    @Test
    void frechetDistanceOfDiagonalGaussiansIsClosedForm() {
        FeatureStatistics a = new FeatureStatistics(10, new double[] {0, 1, 2}, diag(1, 4, 9));
        FeatureStatistics b = new FeatureStatistics(10, new double[] {1, 1, 0}, diag(4, 4, 1));
        // |mu1 - mu2|^2 = 1 + 0 + 4; sum (sqrt(s1) - sqrt(s2))^2 = 1 + 0 + 4
        assertEquals(10.0, a.frechetDistance(b), 1e-9);
        assertEquals(10.0, b.frechetDistance(a), 1e-9);
        assertEquals(0.0, a.frechetDistance(a), 1e-9);
    }

    @Test
    void frechetDistanceOfCommutingFullCovariancesIsClosedForm() {
        // S1 = R diag(1, 9) R^T and S2 = R diag(4, 1) R^T share eigenvectors: Tr = (1 - 2)^2 + (3 - 1)^2 = 5
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        double[][] r = {{c, -s}, {s, c}};
        FeatureStatistics a = new FeatureStatistics(10, new double[] {0, 0}, rotate(r, 1, 9));
        FeatureStatistics b = new FeatureStatistics(10, new double[] {3, 4}, rotate(r, 4, 1));
        assertEquals(25 + 5, a.frechetDistance(b), 1e-9);
    }

    @Test
    void samplesOfOneGaussianAreCloseAndOfAnotherFar() {
        Random random = new Random(1);
        List<float[]> first = new java.util.ArrayList<>();
        List<float[]> second = new java.util.ArrayList<>();
        List<float[]> shifted = new java.util.ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            first.add(new float[] {(float) random.nextGaussian(), (float) random.nextGaussian()});
            second.add(new float[] {(float) random.nextGaussian(), (float) random.nextGaussian()});
            shifted.add(new float[] {(float) random.nextGaussian() + 2, (float) (2 * random.nextGaussian())});
        }
        FeatureStatistics a = FeatureStatistics.of(first);
        assertEquals(0.0, a.frechetDistance(FeatureStatistics.of(second)), 0.01);
        // 4 from the mean, (1 - 2)^2 = 1 from the second variance
        assertEquals(5.0, a.frechetDistance(FeatureStatistics.of(shifted)), 0.2);
    }

    private static double[][] diag(double... values) {
        double[][] m = new double[values.length][values.length];
        for (int i = 0; i < values.length; i++) {
            m[i][i] = values[i];
        }
        return m;
    }

    private static double[][] rotate(double[][] r, double l1, double l2) {
        double[][] m = new double[2][2];
        double[] l = {l1, l2};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 2; k++) {
                    m[i][j] += r[i][k] * l[k] * r[j][k];
                }
            }
        }
        return m;
    }
}
