package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.testing.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress of a running job, counted from the batches of a task that has not finished yet. */
class ProgressReporterTest {

    @TempDir
    Path tmp;

    @Test
    void countsTheBatchesOfARunningTaskFromHeartbeatsAndEndsAtTheTotal() throws Exception {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("ProgressReporterTest")
                .config("spark.ui.enabled", "false").config("spark.executor.heartbeatInterval", "100ms").getOrCreate();
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        try (ProgressReporter reporter = ProgressReporter.start(spark, "sample", 0.05,
                new PrintStream(lines, true, StandardCharsets.UTF_8))) {
            ModelCard card = ModelCard.load(Models.dir("gaussian-eps"));
            // one task of 12 batches of one request, each 1000 steps: only heartbeats can show it half done
            SampleJobOptions options = SampleJobOptions.builder().setModel(Models.dir("gaussian-eps").toString())
                    .setOutput(tmp.resolve("out").toString()).optCount(12).optBatchSize(1).optPartitions(1)
                    .optSampler(SamplerOptions.builder().setSteps(1000).build()).build();
            CompletableFuture<RunReport> job = CompletableFuture.supplyAsync(() -> SampleJob.run(spark, options, card));
            TreeSet<Long> seen = new TreeSet<>();
            while (!job.isDone()) {
                seen.add(reporter.snapshot().done());
                Thread.sleep(10);
            }
            assertEquals(12, job.get().ok());
            ProgressReporter.Snapshot end = reporter.snapshot();
            assertEquals(12, end.ok());
            assertEquals(0, end.error());
            assertEquals(12, end.total());
            assertTrue(seen.subSet(1L, 12L).size() >= 2, "counts seen while the one task ran: " + seen);
            Thread.sleep(200);
        } finally {
            spark.stop();
        }
        String printed = lines.toString(StandardCharsets.UTF_8);
        assertTrue(printed.lines().anyMatch(l -> l.startsWith("sample: 12/12 rows (12 ok, 0 error), ")), printed);
        assertTrue(printed.lines().allMatch(l -> l.matches("sample: \\d+/12 rows \\(\\d+ ok, \\d+ error\\), [0-9.]+ rows/s(, ETA \\S+)?")),
                printed);
    }

    @Test
    void aSnapshotLineSaysRateAndTimeLeft() {
        assertEquals("invert: 30/120 rows (29 ok, 1 error), 3.0 rows/s, ETA 30s",
                new ProgressReporter.Snapshot(29, 1, 120, 10).line("invert"));
        assertEquals("sample: 600/4200 rows (600 ok, 0 error), 2.0 rows/s, ETA 30m00s",
                new ProgressReporter.Snapshot(600, 0, 4200, 300).line("sample"));
        assertEquals("sample: 5 rows (5 ok, 0 error), 0.5 rows/s", new ProgressReporter.Snapshot(5, 0, -1, 10).line("sample"));
    }
}
