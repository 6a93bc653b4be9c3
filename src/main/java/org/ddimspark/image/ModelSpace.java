package org.ddimspark.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Images into model space: a pixel p of a B-bit channel enters as low + (high - low) p / (2^B - 1), the
 * inverse of {@link PngCodec#toPixel}. Gray images give one channel, colour images three (RGB); a gray
 * model takes colour images as their luma (ITU-R BT.601), a colour model takes gray images replicated.
 */
public final class ModelSpace {

    private ModelSpace() {}

    /**
     * Converts an image of exactly the model's size.
     *
     * @param image the decoded image
     * @param shape [C, H, W] with C = 1 or 3
     * @param valueRange [low, high]
     * @param dst the destination, C * H * W values from {@code offset}
     * @param offset where the image starts in {@code dst}
     * @throws IllegalArgumentException when the image's size differs from H x W
     */
    public static void fromImage(BufferedImage image, int[] shape, double[] valueRange, float[] dst, int offset) {
        int channels = shape[0];
        int height = shape[1];
        int width = shape[2];
        if (image.getWidth() != width || image.getHeight() != height) {
            throw new IllegalArgumentException("image is " + image.getWidth() + "x" + image.getHeight() + ", expected "
                    + width + "x" + height);
        }
        Raster raster = image.getRaster();
        boolean gray = raster.getNumBands() <= 2 && image.getColorModel().getNumColorComponents() == 1;
        double low = valueRange[0];
        double span = valueRange[1] - valueRange[0];
        int plane = height * width;
        int[] rgb = new int[1];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double r;
                double g;
                double b;
                if (gray) {
                    double max = (1 << image.getColorModel().getComponentSize(0)) - 1;
                    r = g = b = raster.getSample(x, y, 0) / max;
                } else {
                    rgb[0] = image.getRGB(x, y);
                    r = ((rgb[0] >> 16) & 0xFF) / 255.0;
                    g = ((rgb[0] >> 8) & 0xFF) / 255.0;
                    b = (rgb[0] & 0xFF) / 255.0;
                }
                int i = offset + y * width + x;
                if (channels == 1) {
                    double luma = gray ? r : 0.299 * r + 0.587 * g + 0.114 * b;
                    dst[i] = (float) (low + span * luma);
                } else {
                    dst[i] = (float) (low + span * r);
                    dst[i + plane] = (float) (low + span * g);
                    dst[i + 2 * plane] = (float) (low + span * b);
                }
            }
        }
    }
}
