package org.ddimspark.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The four-column table's arithmetic and verdicts, on figures chosen so that every number is known. */
class ComparisonTest {

    private static final ComparisonOptions OPTIONS = new ComparisonOptions(64, 16, 10, 1, 256, "python3", null, 100, 3);

    private static ColumnTiming column(String name, double seconds, double startup) {
        return new ColumnTiming(name, 64, 16, 10, seconds, startup, 300L << 20, 1, "how " + name.charAt(0));
    }

    @Test
    void ratesStepsAndRatiosComeFromTheTimes() {
        ColumnTiming a = column("a. bare forwards", 8.0, Double.NaN);
        // 64 images in 8 s: 8 images/s; a batch of 16 spends 8 * 16 / 64 = 2 s on its 10 steps: 200 ms a step
        assertEquals(8.0, a.imagesPerSecond(), 1e-12);
        assertEquals(200.0, a.msPerStep(), 1e-9);
        ColumnTiming b = column("b. library loop", 8.2, Double.NaN);
        assertEquals(1.025, b.timeRatioTo(a), 1e-12);
        assertEquals(1 / 1.025, a.timeRatioTo(b), 1e-12);
    }

    @Test
    void theTableSaysWhichTargetIsMetAndWhichMissed() {
        ColumnTiming a = column("a. bare forwards", 8.0, Double.NaN);
        ColumnTiming b = column("b. library loop", 8.4, Double.NaN);
        ColumnTiming c = column("c. sample job", 7.6, 12.5);
        ColumnTiming d = column("d. plain PyTorch", 8.0, Double.NaN);
        List<ColumnTiming> overhead = List.of(
                new ColumnTiming("a. bare forwards", 64, 16, 100, 0.032, Double.NaN, -1, 1, "a"),
                new ColumnTiming("b. library loop", 64, 16, 100, 0.036, Double.NaN, -1, 1, "b"),
                new ColumnTiming("d. plain PyTorch", 64, 16, 100, 0.028, Double.NaN, -1, 1, "d"));
        // 4 batches x 100 steps in 0.036 s: 0.09 ms a step; 300 MFLOP a row, 32 rows a forward (guidance), 4 batches x 10 steps in 8 s: 48 GFLOP/s of a ceiling of 96
        Comparison result = new Comparison("m", "0123456789ab", "cpu()", OPTIONS, 32, List.of(a, b, c, d), overhead,
                "closed (dir)", 300e6, 96.0, List.of());
        assertEquals(48.0, result.floorGflops(), 1e-9);
        assertEquals(0.09, result.fixedCostMs(), 1e-12);
        String md = result.markdown();
        assertTrue(md.contains("| a. bare forwards | 8.00 | 200.00 |  | 300 | 48.0 | how a |"), md);
        assertTrue(md.contains("| c. sample job | 8.42 | 190.00 | 12.5 | 300 | 50.5 | how c |"), md);
        assertTrue(md.contains("| b/a: the loop over the bare network | 1.050 | <= 1.03: missed |"), md);
        assertTrue(md.contains("| c/a: the job over the bare network | 0.950 |  |"), md);
        assertTrue(md.contains("| c/d: the job over plain PyTorch (steady state) | 0.950 | <= 1.00: met |"), md);
        assertTrue(md.contains("| b. library loop | 0.090 | <= 0.1 ms: met |"), md);
        assertTrue(md.contains("| d. plain PyTorch | 0.070 |  |"), md);
        assertTrue(md.contains("ran at 96.0 GFLOP/s; the network does 300.0 MFLOP a row"), md);
        assertTrue(md.contains("reach 48.0 GFLOP/s, 50% of it."), md);
    }

    @Test
    void aMissingColumnLeavesItsRatiosOutAndSaysWhy() {
        Comparison result = new Comparison("m", "0123456789ab", "cpu()", OPTIONS, 16,
                List.of(column("a. bare forwards", 8.0, Double.NaN), column("b. library loop", 8.1, Double.NaN)),
                List.of(), null, Double.NaN, 90.0, List.of("d. plain PyTorch: not measured: python3 cannot import torch"));
        String md = result.markdown();
        assertTrue(md.contains("| a. bare forwards | 8.00 | 200.00 |  | 300 | n/a | how a |"), md);
        assertTrue(md.contains("b/a"), md);
        assertTrue(!md.contains("c/d") && !md.contains("Fixed cost"), md);
        assertTrue(md.contains("- d. plain PyTorch: not measured: python3 cannot import torch"), md);
    }

    @Test
    void optionsRefuseWhatCannotBeMeasured() {
        assertEquals("rows (10) must be a multiple of the batch (4)", assertThrows(IllegalArgumentException.class,
                () -> new ComparisonOptions(10, 4, 2, 1, 20, "python3", Path.of("x"), 5, 3)).getMessage());
        assertEquals("the larger job's images (8) must be more than rows (8)", assertThrows(
                IllegalArgumentException.class, () -> new ComparisonOptions(8, 4, 2, 1, 8, "python3", null, 5, 3)).getMessage());
        assertEquals("threads must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new ComparisonOptions(8, 4, 2, 0, 16, "python3", null, 5, 3)).getMessage());
    }
}
