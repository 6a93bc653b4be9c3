package org.ddimspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ModelSpaceTest {

    @Test
    void grayPixelsMapLinearlyOntoTheValueRange() {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 0);
        gray.getRaster().setSample(1, 0, 0, 51);
        gray.getRaster().setSample(2, 0, 0, 255);
        float[] out = new float[4];
        ModelSpace.fromImage(gray, new int[] {1, 1, 3}, new double[] {-1, 1}, out, 1);
        assertEquals(-1.0f, out[1]);
        assertEquals((float) (-1 + 2 * 51 / 255.0), out[2]);
        assertEquals(1.0f, out[3]);
    }

    @Test
    void sixteenBitGrayUsesItsFullScale() {
        BufferedImage gray = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray.getRaster().setSample(0, 0, 0, 65535 / 5);
        float[] out = new float[1];
        ModelSpace.fromImage(gray, new int[] {1, 1, 1}, new double[] {0, 1}, out, 0);
        assertEquals((float) ((65535 / 5) / 65535.0), out[0]);
    }

    @Test
    void colourGoesToLumaForAGrayModelAndToPlanesForAColourModel() {
        BufferedImage rgb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(0, 0, (255 << 16) | (0 << 8) | 51);
        float[] gray = new float[1];
        ModelSpace.fromImage(rgb, new int[] {1, 1, 1}, new double[] {0, 1}, gray, 0);
        assertEquals((float) (0.299 + 0.114 * 0.2), gray[0], 1e-7);
        float[] planes = new float[3];
        ModelSpace.fromImage(rgb, new int[] {3, 1, 1}, new double[] {0, 1}, planes, 0);
        assertEquals(1.0f, planes[0]);
        assertEquals(0.0f, planes[1]);
        assertEquals(0.2f, planes[2], 1e-7);
    }

    @Test
    void pngOfASampleComesBackToTheSamePixels() throws IOException {
        float[] sample = new float[2 * 3];
        for (int i = 0; i < sample.length; i++) {
            sample[i] = -1f + 2f * i * 51 / 255f;
        }
        byte[] png = PngCodec.encode(sample, 0, new int[] {1, 2, 3}, new double[] {-1, 1});
        float[] back = new float[6];
        ModelSpace.fromImage(PngCodec.decode(png), new int[] {1, 2, 3}, new double[] {-1, 1}, back, 0);
        for (int i = 0; i < sample.length; i++) {
            assertEquals(sample[i], back[i], 1e-6);
        }
    }

    @Test
    void aWrongSizeIsAnError() {
        BufferedImage gray = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
        assertEquals("image is 32x32, expected 28x28", assertThrows(IllegalArgumentException.class,
                () -> ModelSpace.fromImage(gray, new int[] {1, 28, 28}, new double[] {-1, 1}, new float[784], 0)).getMessage());
    }
}
