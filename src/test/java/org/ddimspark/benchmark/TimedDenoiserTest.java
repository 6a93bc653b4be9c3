package org.ddimspark.benchmark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ddimspark.model.ModelCard;
import org.ddimspark.testing.GaussianDenoiser;
import org.ddimspark.testing.Models;
import org.junit.jupiter.api.Test;

class TimedDenoiserTest {

    @Test
    void countsForwardsAndRowsAndReturnsTheWrappedOutputs() {
        ModelCard card = Models.card("epsilon", Models.LINEAR, "index", new int[] {1, 2, 2}, 0);
        GaussianDenoiser exact = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5);
        float[] x = {0.1f, -0.2f, 0.3f, 0.4f, 1f, 2f, 3f, 4f, -1f, -2f, -3f, -4f};
        float[] t = {10, 500, 999};
        try (TimedDenoiser timed = new TimedDenoiser(exact)) {
            assertEquals(0, timed.calls());
            assertEquals(0.0, timed.seconds());
            assertArrayEquals(exact.forward(x, t, null, 3), timed.forward(x, t, null, 3));
            timed.forward(x, t, null, 2);
            assertEquals(2, timed.calls());
            assertEquals(5, timed.rows());
            assertTrue(timed.seconds() > 0);
            assertEquals(card, timed.card());
        }
    }
}
