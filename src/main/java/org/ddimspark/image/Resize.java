package org.ddimspark.image;

/**
 * Separable resampling of one image plane: along each axis, area averaging when shrinking (each output pixel
 * is the mean of the input it covers, fractions of pixels weighted by their overlap, as OpenCV's INTER_AREA)
 * and bilinear interpolation when enlarging (pixel centres at half-integers, edges clamped, as
 * {@code align_corners=False}). An axis of unchanged length is copied exactly.
 */
public final class Resize {

    private Resize() {}

    /**
     * Resizes a plane.
     *
     * @param src {@code srcHeight * srcWidth} values, row-major
     * @param srcWidth the input width
     * @param srcHeight the input height
     * @param dstWidth the output width
     * @param dstHeight the output height
     * @return {@code dstHeight * dstWidth} values, row-major
     */
    public static double[] plane(double[] src, int srcWidth, int srcHeight, int dstWidth, int dstHeight) {
        if (srcWidth == dstWidth && srcHeight == dstHeight) {
            return src.clone();
        }
        Kernel horizontal = Kernel.of(srcWidth, dstWidth);
        Kernel vertical = Kernel.of(srcHeight, dstHeight);
        double[] rows = new double[srcHeight * dstWidth];
        for (int y = 0; y < srcHeight; y++) {
            for (int x = 0; x < dstWidth; x++) {
                rows[y * dstWidth + x] = horizontal.apply(src, y * srcWidth, 1, x);
            }
        }
        double[] out = new double[dstHeight * dstWidth];
        for (int x = 0; x < dstWidth; x++) {
            for (int y = 0; y < dstHeight; y++) {
                out[y * dstWidth + x] = vertical.apply(rows, x, dstWidth, y);
            }
        }
        return out;
    }

    /** The weights of each output position along one axis: a run of inputs from {@code start}. */
    private record Kernel(int[] start, double[][] weights) {

        static Kernel of(int in, int out) {
            int[] start = new int[out];
            double[][] weights = new double[out][];
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                if (in == out) {
                    start[o] = o;
                    weights[o] = new double[] {1.0};
                } else if (out < in) {
                    double from = o * scale;
                    double to = (o + 1) * scale;
                    int first = (int) Math.floor(from);
                    int last = Math.min((int) Math.ceil(to), in) - 1;
                    start[o] = first;
                    weights[o] = new double[last - first + 1];
                    for (int i = first; i <= last; i++) {
                        double overlap = Math.min(to, i + 1) - Math.max(from, i);
                        weights[o][i - first] = overlap / scale;
                    }
                } else {
                    double position = Math.min(Math.max((o + 0.5) * scale - 0.5, 0.0), in - 1);
                    int left = (int) Math.floor(position);
                    double fraction = position - left;
                    start[o] = left;
                    weights[o] = left + 1 < in ? new double[] {1.0 - fraction, fraction} : new double[] {1.0};
                }
            }
            return new Kernel(start, weights);
        }

        double apply(double[] values, int base, int stride, int o) {
            double sum = 0.0;
            double[] w = weights[o];
            for (int k = 0; k < w.length; k++) {
                sum += w[k] * values[base + (start[o] + k) * stride];
            }
            return sum;
        }
    }
}
