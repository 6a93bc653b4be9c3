package org.ddimspark.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;

/**
 * Images into model space. A pixel p of a B-bit channel is the fraction p / (2^B - 1), and enters as
 * low + (high - low) p / (2^B - 1), the inverse of {@link PngCodec#toPixel}. Gray images give one channel,
 * colour images three (RGB, 16-bit ones at full precision, palettes through their colours); a gray model
 * takes colour images as their luma (ITU-R BT.601, as PIL's {@code convert("L")}), a colour model takes
 * gray images replicated. Transparent pixels are composited over black (pixel 0). An image of another size
 * is fitted to the model's H x W as {@link ImageFit} says; one of exactly that size enters unresampled.
 */
public final class ModelSpace {

    private ModelSpace() {}

    /**
     * Converts an image.
     *
     * @param image the decoded image
     * @param shape [C, H, W] with C = 1 or 3
     * @param valueRange [low, high]
     * @param fit how to fit another size
     * @param dst the destination, C * H * W values from {@code offset}
     * @param offset where the image starts in {@code dst}
     * @throws BadImageException when the size differs from H x W and {@code fit} is {@link ImageFit#ERROR}
     */
    public static void fromImage(BufferedImage image, int[] shape, double[] valueRange, ImageFit fit, float[] dst,
            int offset) throws BadImageException {
        int channels = shape[0];
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images enter models of 1 or 3 channels, not " + channels);
        }
        int height = shape[1];
        int width = shape[2];
        int w = image.getWidth();
        int h = image.getHeight();
        if (fit == ImageFit.ERROR && (w != width || h != height)) {
            throw new BadImageException(BadImageException.WRONG_SIZE, "image is " + w + "x" + h + ", the model takes "
                    + width + "x" + height + " (--fit error)");
        }
        int cropWidth = w;
        int cropHeight = h;
        if (fit == ImageFit.CENTER_CROP) {
            if ((long) w * height > (long) width * h) {
                cropWidth = (int) Math.max(1, Math.min(w, Math.round((double) h * width / height)));
            } else {
                cropHeight = (int) Math.max(1, Math.min(h, Math.round((double) w * height / width)));
            }
        }
        double[][] planes = planes(image, (w - cropWidth) / 2, (h - cropHeight) / 2, cropWidth, cropHeight, channels);
        int innerWidth = width;
        int innerHeight = height;
        if (fit == ImageFit.PAD) {
            double scale = Math.min((double) width / cropWidth, (double) height / cropHeight);
            innerWidth = (int) Math.max(1, Math.min(width, Math.round(cropWidth * scale)));
            innerHeight = (int) Math.max(1, Math.min(height, Math.round(cropHeight * scale)));
        }
        int left = (width - innerWidth) / 2;
        int top = (height - innerHeight) / 2;
        double low = valueRange[0];
        double span = valueRange[1] - valueRange[0];
        for (int c = 0; c < channels; c++) {
            double[] plane = Resize.plane(planes[c], cropWidth, cropHeight, innerWidth, innerHeight);
            int base = offset + c * height * width;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int ix = x - left;
                    int iy = y - top;
                    boolean inside = ix >= 0 && ix < innerWidth && iy >= 0 && iy < innerHeight;
                    double p = inside ? plane[iy * innerWidth + ix] : 0.0;
                    dst[base + y * width + x] = (float) (low + span * p);
                }
            }
        }
    }

    /** The pixels of a region as fractions in [0, 1], in the model's channels. */
    private static double[][] planes(BufferedImage image, int x0, int y0, int w, int h, int channels) {
        ColorModel model = image.getColorModel();
        Raster raster = image.getRaster();
        int colorType = model.getColorSpace().getType();
        boolean component = model instanceof ComponentColorModel
                && (colorType == ColorSpace.TYPE_GRAY || colorType == ColorSpace.TYPE_RGB);
        boolean gray = component ? colorType == ColorSpace.TYPE_GRAY : false;
        int colors = gray ? 1 : 3;
        boolean alpha = model.hasAlpha();
        boolean premultiplied = model.isAlphaPremultiplied();
        double[] max = new double[model.getNumComponents()];
        for (int b = 0; b < max.length; b++) {
            max[b] = (1L << model.getComponentSize(b)) - 1;
        }
        double[][] source = new double[colors][w * h];
        double[] values = new double[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double a = 1.0;
                if (component) {
                    for (int b = 0; b < colors; b++) {
                        values[b] = raster.getSample(x0 + x, y0 + y, b) / max[b];
                    }
                    if (alpha && !premultiplied) {
                        a = raster.getSample(x0 + x, y0 + y, colors) / max[colors];
                    }
                } else {
                    int argb = image.getRGB(x0 + x, y0 + y); // palettes, packed pixels, other colour spaces: sRGB
                    values[0] = ((argb >> 16) & 0xFF) / 255.0;
                    values[1] = ((argb >> 8) & 0xFF) / 255.0;
                    values[2] = (argb & 0xFF) / 255.0;
                    a = alpha ? ((argb >>> 24) & 0xFF) / 255.0 : 1.0;
                }
                for (int b = 0; b < colors; b++) {
                    source[b][y * w + x] = a == 1.0 ? values[b] : values[b] * a;
                }
            }
        }
        if (channels == colors) {
            return source;
        }
        if (channels == 3) {
            return new double[][] {source[0], source[0], source[0]};
        }
        double[] luma = new double[w * h];
        for (int i = 0; i < luma.length; i++) {
            luma[i] = 0.299 * source[0][i] + 0.587 * source[1][i] + 0.114 * source[2][i];
        }
        return new double[][] {luma};
    }
}
