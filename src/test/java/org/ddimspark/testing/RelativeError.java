package org.ddimspark.testing;

/** The error measure of the exactness tests: max |actual - expected| / max |expected|. */
public final class RelativeError {

    private RelativeError() {}

    /**
     * Compares {@code expected.length} values of {@code actual}, from {@code offset}, with {@code expected}.
     *
     * @param actual the values under test
     * @param offset where the compared values start in {@code actual}
     * @param expected the reference
     * @return the relative error
     */
    public static double of(float[] actual, int offset, double[] expected) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[offset + i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxDiff / maxRef;
    }

    /**
     * Compares two float arrays of the same length.
     *
     * @param actual the values under test
     * @param expected the reference
     * @return the relative error
     */
    public static double of(float[] actual, float[] expected) {
        double[] reference = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            reference[i] = expected[i];
        }
        return of(actual, 0, reference);
    }
}
