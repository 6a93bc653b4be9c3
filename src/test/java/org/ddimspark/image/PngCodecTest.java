package org.ddimspark.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class PngCodecTest {

    @Test
    void mapsTheValueRangeOntoPixelsWithClippingAndRounding() {
        assertEquals(0, PngCodec.toPixel(-1.0, -1, 1));
        assertEquals(255, PngCodec.toPixel(1.0, -1, 1));
        assertEquals(128, PngCodec.toPixel(0.0, -1, 1), "127.5 rounds half up");
        assertEquals(0, PngCodec.toPixel(-7.0, -1, 1));
        assertEquals(255, PngCodec.toPixel(3.0, -1, 1));
        assertEquals(0, PngCodec.toPixel(Float.NaN, -1, 1));
        assertEquals(51, PngCodec.toPixel(0.2, 0, 1));
    }

    @Test
    void grayRgbAndRgbaRoundTripPixelForPixel() throws IOException {
        for (int channels : new int[] {1, 3, 4}) {
            int h = 5;
            int w = 7;
            float[] values = new float[1 + channels * h * w];
            for (int i = 1; i < values.length; i++) {
                values[i] = (float) (((i * 37) % 256) / 255.0 * 2 - 1);
            }
            byte[] png = PngCodec.encode(values, 1, new int[] {channels, h, w}, new double[] {-1, 1});
            assertArrayEquals(png, PngCodec.encode(values, 1, new int[] {channels, h, w}, new double[] {-1, 1}));
            BufferedImage image = PngCodec.decode(png);
            assertEquals(w, image.getWidth());
            assertEquals(h, image.getHeight());
            assertEquals(channels, image.getRaster().getNumBands());
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int i = 1 + c * h * w + y * w + x;
                        assertEquals((i * 37) % 256, image.getRaster().getSample(x, y, c), "c=" + c + " y=" + y + " x=" + x);
                    }
                }
            }
        }
    }
}
