package org.ddimspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ModelSpaceTest {

    private static final double[] UNIT = {0, 1};

    @Test
    void grayPixelsMapLinearlyOntoTheValueRange() throws BadImageException {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 0);
        gray.getRaster().setSample(1, 0, 0, 51);
        gray.getRaster().setSample(2, 0, 0, 255);
        float[] out = new float[4];
        ModelSpace.fromImage(gray, new int[] {1, 1, 3}, new double[] {-1, 1}, ImageFit.ERROR, out, 1);
        assertEquals(-1.0f, out[1]);
        assertEquals((float) (-1 + 2 * 51 / 255.0), out[2]);
        assertEquals(1.0f, out[3]);
    }

    @Test
    void sixteenBitGrayUsesItsFullScale() throws BadImageException {
        BufferedImage gray = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray.getRaster().setSample(0, 0, 0, 65535 / 5);
        float[] out = new float[1];
        ModelSpace.fromImage(gray, new int[] {1, 1, 1}, UNIT, ImageFit.ERROR, out, 0);
        assertEquals((float) ((65535 / 5) / 65535.0), out[0]);
    }

    @Test
    void colourGoesToLumaForAGrayModelAndToPlanesForAColourModel() throws BadImageException {
        BufferedImage rgb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(0, 0, (255 << 16) | (0 << 8) | 51);
        float[] gray = new float[1];
        ModelSpace.fromImage(rgb, new int[] {1, 1, 1}, UNIT, ImageFit.ERROR, gray, 0);
        assertEquals((float) (0.299 + 0.114 * 0.2), gray[0], 1e-7);
        float[] planes = new float[3];
        ModelSpace.fromImage(rgb, new int[] {3, 1, 1}, UNIT, ImageFit.ERROR, planes, 0);
        assertEquals(1.0f, planes[0]);
        assertEquals(0.0f, planes[1]);
        assertEquals(0.2f, planes[2], 1e-7);
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        one.getRaster().setSample(0, 0, 0, 102);
        ModelSpace.fromImage(one, new int[] {3, 1, 1}, UNIT, ImageFit.ERROR, planes, 0);
        assertEquals(0.4f, planes[0]);
        assertEquals(0.4f, planes[1]);
        assertEquals(0.4f, planes[2]);
    }

    @Test
    void transparentPixelsAreCompositedOverBlack() throws BadImageException {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, (51 << 24) | (255 << 16) | (255 << 8) | 255); // white at alpha 0.2
        argb.setRGB(1, 0, 0x00FFFFFF); // fully transparent white
        float[] out = new float[2];
        ModelSpace.fromImage(argb, new int[] {1, 1, 2}, UNIT, ImageFit.ERROR, out, 0);
        assertEquals(0.2f, out[0], 1e-7);
        assertEquals(0.0f, out[1]);
    }

    @Test
    void pngOfASampleComesBackToTheSamePixels() throws IOException, BadImageException {
        float[] sample = new float[2 * 3];
        for (int i = 0; i < sample.length; i++) {
            sample[i] = -1f + 2f * i * 51 / 255f;
        }
        byte[] png = PngCodec.encode(sample, 0, new int[] {1, 2, 3}, new double[] {-1, 1});
        float[] back = new float[6];
        ModelSpace.fromImage(PngCodec.decode(png), new int[] {1, 2, 3}, new double[] {-1, 1}, ImageFit.ERROR, back, 0);
        for (int i = 0; i < sample.length; i++) {
            assertEquals(sample[i], back[i], 1e-6);
        }
    }

    @Test
    void fitErrorRejectsAnotherSize() {
        BufferedImage gray = new BufferedImage(32, 30, BufferedImage.TYPE_BYTE_GRAY);
        BadImageException e = assertThrows(BadImageException.class,
                () -> ModelSpace.fromImage(gray, new int[] {1, 28, 28}, UNIT, ImageFit.ERROR, new float[784], 0));
        assertEquals("wrong size: image is 32x30, the model takes 28x28 (--fit error)", e.getMessage());
        assertEquals(BadImageException.WRONG_SIZE, e.reason());
    }

    @Test
    void centerCropTakesTheMiddleOfAWideImageUnresampled() throws BadImageException {
        // 5x3 into 3x3: columns 1..3, pixel values exact
        float[] out = fit(ramp(5, 3), 3, 3, ImageFit.CENTER_CROP);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
                assertEquals(value(x + 1, y), out[y * 3 + x], 0.0f);
            }
        }
    }

    @Test
    void centerCropOfAnOddTallImageCropsThenResamplesByArea() throws BadImageException {
        // 5x7 into 3x3: the middle 5x5 (rows 1..5), then 5 -> 3 by area along both axes
        BufferedImage image = ramp(5, 7);
        float[] out = fit(image, 3, 3, ImageFit.CENTER_CROP);
        double[] crop = new double[25];
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                crop[y * 5 + x] = pixel(x, y + 1) / 255.0;
            }
        }
        double[] expected = Resize.plane(crop, 5, 5, 3, 3);
        for (int i = 0; i < 9; i++) {
            assertEquals((float) expected[i], out[i], 0.0f);
        }
        // the top-left output pixel by hand: weights 1 and 2/3 on each axis, over (5/3)^2
        double byHand = (pixel(0, 1) + (pixel(1, 1) + pixel(0, 2)) * 2 / 3.0 + pixel(1, 2) * 4 / 9.0) / 255 / (25 / 9.0);
        assertEquals(byHand, out[0], 1e-6);
    }

    @Test
    void padKeepsTheAspectRatioOnBlack() throws BadImageException {
        // 6x3 into 4x4: resized to 4x2, rows 1..2; rows 0 and 3 black (value_range low)
        BufferedImage image = new BufferedImage(6, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 6; x++) {
                image.getRaster().setSample(x, y, 0, 200);
            }
        }
        float[] out = new float[16];
        ModelSpace.fromImage(image, new int[] {1, 4, 4}, new double[] {-1, 1}, ImageFit.PAD, out, 0);
        for (int x = 0; x < 4; x++) {
            assertEquals(-1.0f, out[x]);
            assertEquals((float) (-1 + 2 * 200 / 255.0), out[4 + x], 1e-6f);
            assertEquals((float) (-1 + 2 * 200 / 255.0), out[8 + x], 1e-6f);
            assertEquals(-1.0f, out[12 + x]);
        }
    }

    @Test
    void stretchResizesEachAxisOnItsOwn() throws BadImageException {
        // 6x2 into 3x2: horizontal pairs averaged, rows untouched
        BufferedImage image = ramp(6, 2);
        float[] out = fit(image, 3, 2, ImageFit.STRETCH);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                assertEquals((pixel(2 * x, y) + pixel(2 * x + 1, y)) / 2.0 / 255.0, out[y * 3 + x], 1e-6);
            }
        }
    }

    private static float[] fit(BufferedImage image, int width, int height, ImageFit fit) throws BadImageException {
        float[] out = new float[width * height];
        ModelSpace.fromImage(image, new int[] {1, height, width}, UNIT, fit, out, 0);
        return out;
    }

    private static int pixel(int x, int y) {
        return (37 * x + 11 * y * y) % 256;
    }

    private static float value(int x, int y) {
        return (float) (pixel(x, y) / 255.0);
    }

    private static BufferedImage ramp(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, pixel(x, y));
            }
        }
        return image;
    }
}
