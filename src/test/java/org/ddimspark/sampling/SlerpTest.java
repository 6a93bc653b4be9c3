package org.ddimspark.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.ddimspark.noise.SeededNoise;
import org.junit.jupiter.api.Test;

class SlerpTest {

    @Test
    void endPointsAreExact() {
        float[] a = SeededNoise.latent(1, 784);
        float[] b = SeededNoise.latent(2, 784);
        assertArrayEquals(a, Slerp.between(a, b, 0.0));
        assertArrayEquals(b, Slerp.between(a, b, 1.0));
    }

    @Test
    void orthogonalUnitVectorsMeetHalfWayOnTheCircle() {
        float[] mid = Slerp.between(new float[] {1, 0}, new float[] {0, 1}, 0.5);
        assertEquals(Math.sqrt(0.5), mid[0], 1e-7);
        assertEquals(Math.sqrt(0.5), mid[1], 1e-7);
        float[] third = Slerp.between(new float[] {2, 0}, new float[] {0, 2}, 1.0 / 3);
        assertEquals(2 * Math.cos(Math.PI / 6), third[0], 1e-6);
        assertEquals(2 * Math.sin(Math.PI / 6), third[1], 1e-6);
    }

    @Test
    void gaussianLatentsKeepTheirNormWhereALineWouldShrinkThem() {
        float[] a = SeededNoise.latent(10, 784);
        float[] b = SeededNoise.latent(11, 784);
        float[] mid = Slerp.between(a, b, 0.5);
        double norm = 0;
        double line = 0;
        double na = 0;
        for (int i = 0; i < a.length; i++) {
            norm += mid[i] * mid[i];
            line += Math.pow((a[i] + b[i]) / 2.0, 2);
            na += a[i] * a[i];
        }
        assertEquals(Math.sqrt(na), Math.sqrt(norm), 0.05 * Math.sqrt(na));
        assertEquals(Math.sqrt(0.5), Math.sqrt(line / na), 0.05);
    }

    @Test
    void parallelLatentsFollowTheLine() {
        float[] mid = Slerp.between(new float[] {1, 2}, new float[] {2, 4}, 0.25);
        assertArrayEquals(new float[] {1.25f, 2.5f}, mid, 1e-6f);
    }
}
