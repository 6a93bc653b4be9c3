package org.ddimspark.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeatureMomentsTest {

    @Test
    void mergedPartsGiveTheStatisticsOfAllVectors() {
        Random random = new Random(5);
        List<float[]> all = new ArrayList<>();
        List<FeatureMoments> parts = new ArrayList<>();
        int[] sizes = {1, 17, 0, 40, 2};
        for (int size : sizes) {
            FeatureMoments part = new FeatureMoments();
            for (int k = 0; k < size; k++) {
                float[] v = new float[6];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (3 + random.nextGaussian() * (i + 1) + (i > 0 ? v[i - 1] : 0));
                }
                all.add(v);
                part.add(v);
            }
            parts.add(part);
        }
        FeatureMoments merged = new FeatureMoments();
        parts.forEach(merged::merge);
        FeatureStatistics expected = FeatureStatistics.of(all);
        FeatureStatistics actual = merged.statistics();
        assertEquals(expected.count(), actual.count());
        for (int i = 0; i < 6; i++) {
            assertEquals(expected.mean()[i], actual.mean()[i], 1e-12 * (1 + Math.abs(expected.mean()[i])));
            for (int j = 0; j < 6; j++) {
                assertEquals(expected.covariance()[i][j], actual.covariance()[i][j], 1e-10 * (1 + Math.abs(expected.covariance()[i][j])));
            }
        }
        assertEquals(0.0, expected.frechetDistance(actual), 1e-8);
    }
}
