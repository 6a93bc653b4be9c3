package org.ddimspark.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Expected alpha-bars computed with torch in float64 (cumprod of 1 - beta). */
class NoiseScheduleTest {

    /** Executors share one schedule among their task threads: it must be immutable, its table made once. */
    @Test
    void isImmutableAndKeepsItsTableThroughSerialization() throws Exception {
        for (java.lang.reflect.Field field : NoiseSchedule.class.getDeclaredFields()) {
            assertTrue(java.lang.reflect.Modifier.isFinal(field.getModifiers()), field.getName() + " is not final");
        }
        NoiseSchedule schedule = new NoiseSchedule(ScheduleKind.LINEAR, 1000, 1e-4, 0.02);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(schedule);
        }
        NoiseSchedule back;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            back = (NoiseSchedule) in.readObject();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(schedule.alphaBars(), back.alphaBars());
        assertThrows(IllegalArgumentException.class,
                () -> new NoiseSchedule(ScheduleKind.LINEAR, NoiseSchedule.MAX_TRAIN_TIMESTEPS + 1, 1e-4, 0.02));
    }

    @Test
    void linearIsDdpms() {
        double[] ab = new NoiseSchedule(ScheduleKind.LINEAR, 1000, 1e-4, 0.02).alphaBars();
        assertEquals(0.9999, ab[0], 1e-15);
        assertEquals(0.07858724288177824, ab[499], 1e-14);
        assertEquals(4.035829765375676e-05, ab[999], 1e-17);
    }

    @Test
    void scaledLinearIsStableDiffusions() {
        double[] ab = new NoiseSchedule(ScheduleKind.SCALED_LINEAR, 1000, 0.00085, 0.012).alphaBars();
        assertEquals(0.99915, ab[0], 1e-15);
        assertEquals(0.27766965045646774, ab[499], 1e-14);
        assertEquals(0.004660098513077241, ab[999], 1e-16);
    }

    @Test
    void cosineIsSquaredCosCapV2() {
        NoiseSchedule cosine = new NoiseSchedule(ScheduleKind.COSINE, 1000, Double.NaN, Double.NaN);
        double[] ab = cosine.alphaBars();
        assertEquals(0.999958715775178, ab[0], 1e-14);
        assertEquals(0.4938435904406382, ab[499], 1e-13);
        assertEquals(2.4287669070348567e-09, ab[999], 1e-20);
        assertEquals(0.999, cosine.betas()[999], 0.0, "betas are capped");
    }

    @Test
    void levelsRunFromNoisiestToClean() {
        NoiseSchedule linear = new NoiseSchedule(ScheduleKind.LINEAR, 1000, 1e-4, 0.02);
        NoiseLevel[] levels = linear.samplingLevels(Spacing.UNIFORM, 10, 1.0, TimestepInput.INDEX);
        assertEquals(11, levels.length);
        assertEquals(900.0, levels[0].modelTime(), 0.0);
        assertEquals(Math.sqrt(linear.alphaBars()[900]), levels[0].a(), 0.0);
        assertEquals(0.0, levels[9].modelTime(), 0.0);
        assertTrue(levels[10].isClean());
        NoiseLevel unit = linear.samplingLevels(Spacing.TRAILING, 10, 1.0, TimestepInput.UNIT)[0];
        assertEquals(1.0, unit.modelTime(), 0.0);

        NoiseSchedule flow = new NoiseSchedule(ScheduleKind.RECTIFIED_FLOW, 1000, Double.NaN, Double.NaN);
        NoiseLevel[] flowLevels = flow.samplingLevels(Spacing.UNIFORM, 4, 1.0, TimestepInput.INDEX);
        assertEquals(1000.0, flowLevels[0].modelTime(), 0.0);
        assertEquals(0.0, flowLevels[0].a(), 0.0);
        assertEquals(1.0, flowLevels[0].b(), 0.0);
        assertEquals(0.25, flowLevels[3].b(), 0.0);
        assertTrue(flowLevels[4].isClean());
        assertEquals(0.5, flow.samplingLevels(Spacing.UNIFORM, 2, 1.0, TimestepInput.UNIT)[1].modelTime(), 0.0);
    }

    @Test
    void rejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new NoiseSchedule(ScheduleKind.LINEAR, 0, 1e-4, 0.02));
        assertThrows(IllegalArgumentException.class, () -> new NoiseSchedule(ScheduleKind.LINEAR, 1000, 0.02, 1e-4));
        NoiseSchedule linear = new NoiseSchedule(ScheduleKind.LINEAR, 1000, 1e-4, 0.02);
        assertThrows(IllegalArgumentException.class,
                () -> linear.samplingLevels(Spacing.UNIFORM, 10, 2.0, TimestepInput.INDEX));
    }
}
