package org.ddimspark.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ddimspark.model.BundledModels;
import org.ddimspark.model.TorchScriptModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The benchmark on the bundled flow UNet, on few rows: what it measures, not how fast. */
class ForwardBenchmarkTest {

    private static TorchScriptModel model;

    @BeforeAll
    static void load() {
        model = TorchScriptModel.load(BundledModels.resolve("fashion-mnist-flow"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void measuresEveryForwardBatchAgainstTheFirst() {
        ForwardBenchmark bench = ForwardBenchmark.builder().optRows(5).optForwardBatches(16, 2, 5)
                .optWarmups(0).optRepeats(1).build();
        List<ForwardTiming> timings = bench.forwards(model);
        assertEquals(List.of(16, 2, 5), timings.stream().map(ForwardTiming::forwardBatch).toList());
        for (ForwardTiming t : timings) {
            assertEquals(5, t.rows());
            assertTrue(t.seconds() > 0 && Double.isFinite(t.rowsPerSecond()), t.toString());
            // the same rows through other chunk sizes: equal up to float rounding
            assertTrue(t.maxDifference() < 1e-4, t.toString());
        }
        assertEquals(0.0, timings.get(0).maxDifference());
        assertEquals(1.0, timings.get(0).ratioTo(timings.get(0)));
        assertEquals(timings.get(1).rowsPerSecond() / timings.get(0).rowsPerSecond(),
                timings.get(1).ratioTo(timings.get(0)), 1e-12);
    }

    @Test
    void timesTheNetworkApartFromTheSampler() {
        SamplerTiming s = ForwardBenchmark.builder().optRows(3).optSteps(2).build().sampler(model);
        assertEquals(2, s.steps());
        assertEquals(3, s.rows());
        // the bundled model is conditional with guidance 2: each forward has a conditional and a null-class half
        assertEquals(6, s.forwardRows());
        assertTrue(s.networkSeconds() > 0 && s.networkSeconds() <= s.seconds(), s.toString());
        assertEquals(s.seconds() - s.networkSeconds(), s.samplerSeconds(), 1e-12);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, ForwardBenchmark.median(new double[] {3, 1, 2}));
        assertEquals(2.5, ForwardBenchmark.median(new double[] {4, 1, 3, 2}));
        assertEquals(3.0, ForwardBenchmark.maxDifference(new float[] {1, 5, -1}, new float[] {1, 2, 0}));
    }

    @Test
    void rejectsBadOptionsInOneLine() {
        assertEquals("forward batch 16 is given twice", assertThrows(IllegalArgumentException.class,
                () -> ForwardBenchmark.builder().optForwardBatches(16, 4, 16)).getMessage());
        assertEquals("forward batch must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> ForwardBenchmark.builder().optForwardBatches(0)).getMessage());
        assertEquals("rows must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> ForwardBenchmark.builder().optRows(0)).getMessage());
    }
}
