package org.ddimspark.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Expected lists computed with numpy from the DDIM paper's code and diffusers' DDIMScheduler, T = 1000. */
class SpacingTest {

    @Test
    void uniformIsThePapersRangeEvenWhenStepsDoNotDivideT() {
        assertArrayEquals(new int[] {0, 100, 200, 300, 400, 500, 600, 700, 800, 900}, Spacing.UNIFORM.timesteps(1000, 10));
        assertArrayEquals(new int[] {0, 142, 284, 426, 568, 710, 852, 994}, Spacing.UNIFORM.timesteps(1000, 7));
        assertEquals(1000, Spacing.UNIFORM.timesteps(1000, 1000).length);
    }

    @Test
    void quadIsThePapersSquaredLinspaceWithItsRepeats() {
        assertArrayEquals(new int[] {0, 9, 39, 88, 158, 246, 355, 483, 632, 800}, Spacing.QUAD.timesteps(1000, 10));
        assertArrayEquals(new int[] {0, 22, 88, 200, 355, 555, 800}, Spacing.QUAD.timesteps(1000, 7));
        int[] thirty = Spacing.QUAD.timesteps(1000, 30);
        assertArrayEquals(new int[] {0, 0, 3, 8, 15, 23, 34, 46, 60, 77}, java.util.Arrays.copyOf(thirty, 10));
        assertEquals(800, thirty[29]);
    }

    @Test
    void leadingTrailingAndLinspaceAreDiffusers() {
        assertArrayEquals(new int[] {0, 142, 284, 426, 568, 710, 852}, Spacing.LEADING.timesteps(1000, 7));
        assertArrayEquals(new int[] {142, 285, 428, 570, 713, 856, 999}, Spacing.TRAILING.timesteps(1000, 7));
        assertArrayEquals(new int[] {99, 199, 299, 399, 499, 599, 699, 799, 899, 999}, Spacing.TRAILING.timesteps(1000, 10));
        assertArrayEquals(new int[] {0, 166, 333, 500, 666, 832, 999}, Spacing.LINSPACE.timesteps(1000, 7));
        int[] trailing30 = Spacing.TRAILING.timesteps(1000, 30);
        assertArrayEquals(new int[] {32, 66, 99, 132, 166}, java.util.Arrays.copyOf(trailing30, 5));
        int[] linspace30 = Spacing.LINSPACE.timesteps(1000, 30);
        assertArrayEquals(new int[] {0, 34, 69, 103, 138}, java.util.Arrays.copyOf(linspace30, 5));
    }

    @Test
    void trailingNeverReachesBelowZero() {
        // numpy's arange(1000, 0, -1000 / 61) has 62 entries, the last rounding to -1 in diffusers
        for (int steps = 1; steps <= 1000; steps++) {
            int[] seq = Spacing.TRAILING.timesteps(1000, steps);
            assertEquals(steps, seq.length);
            assertTrue(seq[0] >= 0, "S=" + steps);
            assertEquals(999, seq[steps - 1]);
        }
    }

    @Test
    void flowTimesRunFromOneToExactlyZeroAndShiftBendsThem() {
        assertArrayEquals(new double[] {1.0, 0.75, 0.5, 0.25, 0.0}, Spacing.UNIFORM.flowTimes(4, 1.0), 0.0);
        double[] shifted = Spacing.UNIFORM.flowTimes(4, 3.0);
        assertEquals(1.0, shifted[0], 0.0);
        assertEquals(3 * 0.5 / (1 + 2 * 0.5), shifted[2], 1e-15);
        assertEquals(0.0, shifted[4], 0.0);
        assertThrows(IllegalArgumentException.class, () -> Spacing.QUAD.flowTimes(4, 1.0));
    }

    @Test
    void rejectsStepsOutsideOneToT() {
        assertEquals("steps must be in 1..1000, got 1001",
                assertThrows(IllegalArgumentException.class, () -> Spacing.UNIFORM.timesteps(1000, 1001)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Spacing.LEADING.timesteps(1000, 0));
        assertEquals("unknown spacing 'cubic' (expected one of uniform, quad, leading, trailing, linspace)",
                assertThrows(IllegalArgumentException.class, () -> Spacing.fromId("cubic")).getMessage());
    }
}
