package org.ddimspark.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeededNoiseTest {

    /**
     * Golden values: (seed, stream, index, float bits). If one of these changes, every latent ever written
     * changes with it; that is a breaking change of the output contract, not a test to update.
     */
    private static final long[][] GOLDEN = {
        {0L, 0, 0L, 0xbdb949efL}, // -0.09047305
        {0L, 0, 1L, 0xbf6c805cL}, // -0.9238336
        {42L, 0, 0L, 0x3f9e0577L}, // 1.2345418
        {42L, 0, 1023L, 0x3f0c02adL}, // 0.5469158
        {42L, 3, 5L, 0x3e1000e5L}, // 0.14062841
        {-1L, 0, 7L, 0xbf78e113L}, // -0.97218436
        {Long.MAX_VALUE, 1, 1L << 33, 0x3f1d36b8L}, // 0.6141162
        {123456789L, 50, 0L, 0xbf8ac2f4L}, // -1.0840745
    };

    @Test
    void goldenValuesNeverChange() {
        for (long[] g : GOLDEN) {
            float value = SeededNoise.gaussian(g[0], (int) g[1], g[2]);
            assertEquals((int) g[3], Float.floatToIntBits(value), "seed " + g[0] + " stream " + g[1] + " index " + g[2]);
        }
    }

    @Test
    void isBoxMullerOnPhiloxWordsAsDocumented() {
        long seed = 0x0123456789abcdefL;
        long index = 77;
        int[] w = Philox4x32.block(new int[] {(int) index, 0, 2, 0}, (int) seed, (int) (seed >>> 32));
        double u1 = 1.0 - (((long) (w[0] >>> 5) << 26) | (w[1] >>> 6)) / 9007199254740992.0;
        double u2 = (((long) (w[2] >>> 5) << 26) | (w[3] >>> 6)) / 9007199254740992.0;
        double expected = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        assertEquals(expected, SeededNoise.gaussian(seed, 2, index), 1e-6);
    }

    @Test
    void anElementDependsOnlyOnSeedStreamAndIndex() {
        float[] batch = new float[3 * 100];
        SeededNoise.fill(9, 0, batch, 100, 100);
        float[] alone = SeededNoise.latent(9, 100);
        float[] slice = new float[100];
        System.arraycopy(batch, 100, slice, 0, 100);
        assertArrayEquals(alone, slice);
        assertNotEquals(SeededNoise.gaussian(9, 0, 0), SeededNoise.gaussian(10, 0, 0));
        assertNotEquals(SeededNoise.gaussian(9, 0, 0), SeededNoise.gaussian(9, 1, 0));
        assertNotEquals(SeededNoise.gaussian(9, 0, 0), SeededNoise.gaussian(9, 0, 1L << 32), "high index word counts");
        assertNotEquals(SeededNoise.gaussian(9, 0, 0), SeededNoise.gaussian(9 + (1L << 32), 0, 0), "high seed word counts");
    }

    @Test
    void isStandardNormal() {
        int n = 200_000;
        double sum = 0;
        double sum2 = 0;
        double sum4 = 0;
        int beyond2 = 0;
        for (int i = 0; i < n; i++) {
            double v = SeededNoise.gaussian(i / 1000, i % 7, i % 1000);
            sum += v;
            sum2 += v * v;
            sum4 += v * v * v * v;
            beyond2 += Math.abs(v) > 2 ? 1 : 0;
        }
        double mean = sum / n;
        double var = sum2 / n - mean * mean;
        assertEquals(0.0, mean, 5 / Math.sqrt(n));
        assertEquals(1.0, var, 5 * Math.sqrt(2.0 / n));
        assertEquals(3.0, sum4 / n, 5 * Math.sqrt(96.0 / n), "kurtosis");
        double tail = (double) beyond2 / n; // P(|z| > 2) = 0.0455
        assertTrue(Math.abs(tail - 0.0455) < 5 * Math.sqrt(0.0455 * 0.9545 / n), "tail " + tail);
    }
}
