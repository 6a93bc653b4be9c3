package org.ddimspark.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Image files made up for tests: every pixel layout, any format the JDK writes, a decompression bomb. */
public final class ImageFiles {

    private ImageFiles() {}

    /** Encodes an image with the JDK's writer of {@code format}. */
    public static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), "no " + format + " writer for " + image);
        return out.toByteArray();
    }

    /** A test image of the given layout whose pixels vary. */
    public static BufferedImage image(String layout, int width, int height) {
        BufferedImage image;
        switch (layout) {
            case "gray": image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY); break;
            case "rgb": image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR); break;
            case "rgba": image = new BufferedImage(width, height, BufferedImage.TYPE_4BYTE_ABGR); break;
            case "gray16": image = new BufferedImage(width, height, BufferedImage.TYPE_USHORT_GRAY); break;
            case "rgb16": {
                ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false,
                        false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
                WritableRaster raster = model.createCompatibleWritableRaster(width, height);
                image = new BufferedImage(model, raster, false, null);
                break;
            }
            case "palette": {
                byte[] levels = new byte[256]; // 8-bit: the JDK's BMP writer garbles 4-bit palettes
                for (int i = 0; i < 256; i++) {
                    levels[i] = (byte) (255 - i);
                }
                image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED,
                        new IndexColorModel(8, 256, levels, levels, levels));
                break;
            }
            default: throw new IllegalArgumentException(layout);
        }
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int b = 0; b < raster.getNumBands(); b++) {
                    int max = (1 << image.getColorModel().getComponentSize(b)) - 1;
                    int v = (x * 5 + y * 3 + b * 7) * max / 40;
                    raster.setSample(x, y, b, layout.equals("rgba") && b == 3 ? max - v / 4 : v);
                }
            }
        }
        return image;
    }

    /** A PNG signature and IHDR chunk announcing width x height 8-bit gray, and nothing else. */
    public static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        png.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        return png.array();
    }
}
