package org.ddimspark.noise;

/**
 * Standard normal noise keyed by (seed, stream, element index).
 *
 * <p>Element {@code i} of stream {@code s} for seed {@code seed} is one Philox4x32-10 block with key =
 * seed and counter = (i low, i high, s, 0), turned into a normal deviate by the Box-Muller transform on
 * two 53-bit uniforms. {@link StrictMath} keeps the result bit-identical on every JVM and CPU. Stream 0
 * is the initial latent x_T; stream k + 1 is the fresh noise z of sampling step k (eta &gt; 0).
 *
 * <p>Changing anything here changes every latent ever produced: the golden values in the tests pin it.
 */
public final class SeededNoise {

    /** The stream of the initial latent x_T. */
    public static final int LATENT_STREAM = 0;

    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

    private SeededNoise() {}

    /**
     * Returns one standard normal deviate.
     *
     * @param seed the request's seed
     * @param stream the stream: {@link #LATENT_STREAM}, or {@link #stepStream(int)}
     * @param index the element index inside the request's tensor
     * @return the deviate, rounded to float
     */
    public static float gaussian(long seed, int stream, long index) {
        int[] bits = Philox4x32.block(
                new int[] {(int) index, (int) (index >>> 32), stream, 0}, (int) seed, (int) (seed >>> 32));
        double u1 = 1.0 - uniform53(bits[0], bits[1]); // (0, 1]: log is finite
        double u2 = uniform53(bits[2], bits[3]);
        double radius = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        return (float) (radius * StrictMath.cos(2.0 * StrictMath.PI * u2));
    }

    /**
     * Fills {@code count} deviates of one request, element indices 0..count-1, into {@code dst}.
     *
     * @param seed the request's seed
     * @param stream the stream
     * @param dst the destination
     * @param offset where element 0 goes in {@code dst}
     * @param count how many elements
     */
    public static void fill(long seed, int stream, float[] dst, int offset, int count) {
        for (int i = 0; i < count; i++) {
            dst[offset + i] = gaussian(seed, stream, i);
        }
    }

    /**
     * Returns a new array with the initial latent x_T of a request.
     *
     * @param seed the request's seed
     * @param size the number of elements (C * H * W)
     * @return the latent
     */
    public static float[] latent(long seed, int size) {
        float[] x = new float[size];
        fill(seed, LATENT_STREAM, x, 0, size);
        return x;
    }

    /**
     * Returns the stream that holds the fresh noise of sampling step {@code step} (0 = the first step).
     *
     * @param step the step
     * @return the stream number
     */
    public static int stepStream(int step) {
        return step + 1;
    }

    private static double uniform53(int hi, int lo) {
        long bits = ((long) (hi >>> 5) << 26) | (lo >>> 6);
        return bits * TWO_POW_MINUS_53;
    }
}
