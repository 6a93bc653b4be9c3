package org.ddimspark.image;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Turns samples in model space into PNG bytes and back. A value v maps to the pixel round(255 (v - low) /
 * (high - low)), clipped to 0..255, where [low, high] is the model's {@code value_range}: the inverse of
 * the way images enter model space. One channel is gray, three RGB, four RGBA. The bytes depend on the
 * pixels alone, so the same sample always gives the same file.
 */
public final class PngCodec {

    private PngCodec() {}

    /**
     * Returns the 8-bit value of one model-space value.
     *
     * @param value the value
     * @param low the model's value for pixel 0
     * @param high the model's value for pixel 255
     * @return 0..255
     */
    public static int toPixel(double value, double low, double high) {
        double scaled = (value - low) / (high - low) * 255.0;
        if (!(scaled > 0.0)) {
            return 0; // also NaN
        }
        return scaled >= 255.0 ? 255 : (int) Math.floor(scaled + 0.5);
    }

    /**
     * Encodes one sample as PNG.
     *
     * @param values the samples, channel-major C * H * W
     * @param offset where the sample starts in {@code values}
     * @param shape [C, H, W] with C = 1, 3 or 4
     * @param valueRange [low, high]
     * @return the PNG bytes
     */
    public static byte[] encode(float[] values, int offset, int[] shape, double[] valueRange) {
        int channels = shape[0];
        int height = shape[1];
        int width = shape[2];
        int type = switch (channels) {
            case 1 -> BufferedImage.TYPE_BYTE_GRAY;
            case 3 -> BufferedImage.TYPE_3BYTE_BGR;
            case 4 -> BufferedImage.TYPE_4BYTE_ABGR;
            default -> throw new IllegalArgumentException("cannot write " + channels + " channels as PNG");
        };
        BufferedImage image = new BufferedImage(width, height, type);
        WritableRaster raster = image.getRaster();
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float v = values[offset + c * plane + y * width + x];
                    raster.setSample(x, y, c, toPixel(v, valueRange[0], valueRange[1]));
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes PNG (or any format ImageIO reads) bytes.
     *
     * @param bytes the file's bytes
     * @return the image
     * @throws IOException when the bytes are not a readable image
     */
    public static BufferedImage decode(byte[] bytes) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        if (image == null) {
            throw new IOException("not a readable image");
        }
        return image;
    }
}
