package org.ddimspark.noise;

/**
 * The Philox4x32-10 counter-based block function of Salmon et al., "Parallel random numbers: as easy as
 * 1, 2, 3" (SC 2011), bit-compatible with Random123's {@code philox4x32_10}.
 *
 * <p>It maps a 128-bit counter and a 64-bit key to 128 pseudo-random bits with no state, so any element
 * of a stream can be computed on its own.
 */
public final class Philox4x32 {

    private static final long M0 = 0xD2511F53L;
    private static final long M1 = 0xCD9E8D57L;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final int ROUNDS = 10;

    private Philox4x32() {}

    /**
     * Computes one block.
     *
     * @param counter the four 32-bit counter words
     * @param key0 the low key word
     * @param key1 the high key word
     * @return four 32-bit output words
     */
    public static int[] block(int[] counter, int key0, int key1) {
        int c0 = counter[0];
        int c1 = counter[1];
        int c2 = counter[2];
        int c3 = counter[3];
        int k0 = key0;
        int k1 = key1;
        for (int round = 0; round < ROUNDS; round++) {
            long p0 = M0 * (c0 & 0xFFFFFFFFL);
            long p1 = M1 * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }
}
