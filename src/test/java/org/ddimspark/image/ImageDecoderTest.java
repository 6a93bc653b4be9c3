package org.ddimspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {

    private static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    /** Every supported format and pixel layout decodes to the pixels written (JPEG: close, it is lossy). */
    @ParameterizedTest
    @ValueSource(strings = {"png gray", "png rgb", "png rgba", "png palette", "png gray16", "png rgb16", "bmp rgb",
        "bmp palette", "gif palette", "jpeg gray", "jpeg rgb"})
    void decodesEachFormatAndLayout(String formatAndLayout) throws Exception {
        String[] parts = formatAndLayout.split(" ");
        BufferedImage written = image(parts[1], 7, 5);
        BufferedImage read = DECODER.decode(encode(written, parts[0]));
        assertEquals(7, read.getWidth());
        assertEquals(5, read.getHeight());
        float[] expected = new float[35];
        float[] actual = new float[35];
        ModelSpace.fromImage(written, new int[] {1, 5, 7}, new double[] {0, 1}, ImageFit.ERROR, expected, 0);
        ModelSpace.fromImage(read, new int[] {1, 5, 7}, new double[] {0, 1}, ImageFit.ERROR, actual, 0);
        double tolerance = parts[0].equals("jpeg") ? 0.1 : 0.0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, formatAndLayout + " pixel " + i);
        }
    }

    @Test
    void anEmptyFileIsAnError() {
        assertEquals("empty file", message(new byte[0]));
    }

    @Test
    void textIsNotAnImage() {
        assertEquals("not an image: no PNG, JPEG, BMP or GIF signature",
                message("id,label\n1,shirt\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void otherFormatsAreUnsupported() throws IOException {
        assertEquals("unsupported image format: TIF (takes PNG, JPEG, BMP, GIF)", message(encode(image("gray", 4, 4), "tiff")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpeg", "gif", "bmp"})
    void truncatedFilesAreErrors(String format) throws IOException {
        byte[] whole = encode(image(format.equals("jpeg") ? "rgb" : "palette", 64, 48), format);
        byte[] half = Arrays.copyOf(whole, whole.length / 2);
        BadImageException e = assertThrows(BadImageException.class, () -> DECODER.decode(half));
        assertEquals(BadImageException.CORRUPT, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("truncated or corrupt image: "), e.getMessage());
    }

    /** A header announcing 10^10 pixels is refused before decoding, which would need 10 GB. */
    @Test
    void aDecompressionBombIsRefusedFromItsHeader() {
        byte[] bomb = pngHeaderOnly(100_000, 100_000);
        assertEquals("too many pixels: 100000x100000 = 10000000000, above --max-pixels 16777216", message(bomb));
    }

    @Test
    void theCapIsInclusive() throws Exception {
        byte[] png = encode(image("gray", 8, 8), "png");
        assertEquals(8, new ImageDecoder(64).decode(png).getWidth());
        assertEquals("too many pixels: 8x8 = 64, above --max-pixels 63",
                assertThrows(BadImageException.class, () -> new ImageDecoder(63).decode(png)).getMessage());
    }

    private static String message(byte[] bytes) {
        return assertThrows(BadImageException.class, () -> DECODER.decode(bytes)).getMessage();
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), "no " + format + " writer for " + image);
        return out.toByteArray();
    }

    /** A test image of the given layout whose pixels vary. */
    static BufferedImage image(String layout, int width, int height) {
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
    private static byte[] pngHeaderOnly(int width, int height) {
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
