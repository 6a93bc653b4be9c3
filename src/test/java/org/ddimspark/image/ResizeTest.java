package org.ddimspark.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ResizeTest {

    @Test
    void shrinkingAveragesTheAreaEachPixelCovers() {
        double[] row = {0.0, 0.2, 0.4, 0.6};
        assertArrayEquals(new double[] {0.1, 0.5}, Resize.plane(row, 4, 1, 2, 1), 1e-15);
        // 5 -> 3: output pixel 0 covers [0, 5/3): all of input 0 and two thirds of input 1
        double[] five = {1, 2, 3, 4, 5};
        double[] three = Resize.plane(five, 5, 1, 3, 1);
        assertEquals((1 + 2 * 2.0 / 3) / (5.0 / 3), three[0], 1e-12);
        assertEquals((2 / 3.0 + 3 + 4 / 3.0) / (5.0 / 3), three[1], 1e-12);
        assertEquals(3.0, (three[0] + three[1] + three[2]) / 3, 1e-12); // the mean is kept
    }

    @Test
    void enlargingInterpolatesBilinearlyBetweenPixelCentres() {
        assertArrayEquals(new double[] {0.0, 0.25, 0.75, 1.0}, Resize.plane(new double[] {0, 1}, 2, 1, 4, 1), 1e-15);
        // vertically too, and a constant image stays constant both ways
        double[] column = Resize.plane(new double[] {0, 1}, 1, 2, 1, 4);
        assertArrayEquals(new double[] {0.0, 0.25, 0.75, 1.0}, column, 1e-15);
        double[] constant = new double[7 * 5];
        java.util.Arrays.fill(constant, 0.3);
        for (double v : Resize.plane(constant, 7, 5, 3, 11)) {
            assertEquals(0.3, v, 1e-15);
        }
    }

    @Test
    void axesResizeIndependently() {
        // 4x2 -> 2x4: shrink the rows by area, stretch the columns bilinearly
        double[] in = {0, 1, 2, 3,
                       4, 5, 6, 7};
        double[] out = Resize.plane(in, 4, 2, 2, 4);
        assertArrayEquals(new double[] {0.5, 2.5, 1.5, 3.5, 3.5, 5.5, 4.5, 6.5}, out, 1e-12);
    }

    @Test
    void theSameSizeIsAnExactCopy() {
        double[] in = {0.1, 0.7, 0.3, 0.9, 0.5, 0.2};
        assertArrayEquals(in, Resize.plane(in, 3, 2, 3, 2), 0.0);
    }
}
