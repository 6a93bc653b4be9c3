package org.ddimspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.ddimspark.testing.ImageFiles;
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
        BufferedImage written = ImageFiles.image(parts[1], 7, 5);
        BufferedImage read = DECODER.decode(ImageFiles.encode(written, parts[0]));
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
        assertEquals("unsupported image format: TIF (takes PNG, JPEG, BMP, GIF)", message(ImageFiles.encode(ImageFiles.image("gray", 4, 4), "tiff")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpeg", "gif", "bmp"})
    void truncatedFilesAreErrors(String format) throws IOException {
        byte[] whole = ImageFiles.encode(ImageFiles.image(format.equals("jpeg") ? "rgb" : "palette", 64, 48), format);
        byte[] half = Arrays.copyOf(whole, whole.length / 2);
        BadImageException e = assertThrows(BadImageException.class, () -> DECODER.decode(half));
        assertEquals(BadImageException.CORRUPT, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("truncated or corrupt image: "), e.getMessage());
    }

    /** A header announcing 10^10 pixels is refused before decoding, which would need 10 GB. */
    @Test
    void aDecompressionBombIsRefusedFromItsHeader() {
        byte[] bomb = ImageFiles.pngHeaderOnly(100_000, 100_000);
        assertEquals("too many pixels: 100000x100000 = 10000000000, above --max-pixels 16777216", message(bomb));
    }

    @Test
    void theCapIsInclusive() throws Exception {
        byte[] png = ImageFiles.encode(ImageFiles.image("gray", 8, 8), "png");
        assertEquals(8, new ImageDecoder(64).decode(png).getWidth());
        assertEquals("too many pixels: 8x8 = 64, above --max-pixels 63",
                assertThrows(BadImageException.class, () -> new ImageDecoder(63).decode(png)).getMessage());
    }

    private static String message(byte[] bytes) {
        return assertThrows(BadImageException.class, () -> DECODER.decode(bytes)).getMessage();
    }
}
