package org.ddimspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.OutputRows;
import org.ddimspark.testing.S3Server;
import org.ddimspark.testing.StandaloneCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver of a long job killed (SIGKILL) on the standalone cluster once its first wave is committed:
 * the output then holds whole committed waves only, each id once, and {@code --resume} computes exactly the
 * requests it lacks (counted by the run report's {@code rows_made}) into rows equal to a clean run's. For
 * sample and invert, on a local path and on S3; and the S3 server stopped and started again under a job.
 */
@Tag("slow")
class DriverLossIT {

    private static final String SECRET = "driver-loss-secret";

    @TempDir
    static Path tmp;

    private static StandaloneCluster cluster;
    private static S3Server s3;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start(SECRET, "bucket");
        cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    /** A sample job of 60 seeds in waves of 10, slow enough (many steps, small batches) to be killed mid-way. */
    private static List<String> sampleJob() {
        return new ArrayList<>(List.of("sample", "--model", Models.dir("gaussian-eps").toString(), "--count", "60",
                "--steps", "300", "--eta", "0.2", "--batch-size", "2"));
    }

    /** An invert job of 20 images in waves of 5. */
    private static List<String> invertJob() {
        Path images = Path.of("src/test/resources/fashion-mnist").toAbsolutePath();
        return new ArrayList<>(List.of("invert", "--model", Models.dir("gaussian-eps").toString(), "--input",
                images + "/*.png", "--reconstruct", "--steps", "400", "--batch-size", "1"));
    }

    @Test
    void aKilledSampleDriverLosesOneWaveOnALocalPath() throws Exception {
        killAndResume(sampleJob(), 60, "10", tmp.resolve("sample-killed").toString());
    }

    @Test
    void aKilledInvertDriverLosesOneWaveOnALocalPath() throws Exception {
        killAndResume(invertJob(), 20, "5", tmp.resolve("invert-killed").toString());
    }

    @Test
    void aKilledSampleDriverLosesOneWaveOnS3() throws Exception {
        killAndResume(sampleJob(), 60, "10", "s3a://bucket/sample-killed");
    }

    @Test
    void aKilledInvertDriverLosesOneWaveOnS3() throws Exception {
        killAndResume(invertJob(), 20, "5", "s3a://bucket/invert-killed");
    }

    /**
     * Runs a job cleanly in one wave, then on the cluster in waves with its driver killed after the first
     * commit, then resumed; compares the rows and the counts.
     */
    private static void killAndResume(List<String> job, int requests, String waveSize, String output) throws Exception {
        String clean = output + "-clean";
        List<String> args = new ArrayList<>(job);
        args.addAll(List.of("--output", clean));
        args.addAll(s3.confArgs());
        local(args);
        Map<String, Object[]> expected = rows(clean);
        assertEquals(requests, expected.size());

        List<String> waves = new ArrayList<>(job);
        waves.addAll(List.of("--output", output, "--wave-size", waveSize, "--quiet"));
        waves.addAll(s3.confArgs());
        StandaloneCluster.Submission running = cluster.start(waves);
        await(() -> committedFiles(output) > 0 || !running.isAlive(), running);
        assertTrue(running.isAlive(), "the job ended before its first wave was seen: " + running.output());
        running.killDriver();

        Map<String, Object[]> committed = rows(output);
        int kept = committed.size();
        assertTrue(kept > 0 && kept < requests, "the killed run committed " + kept + " of " + requests);
        for (Map.Entry<String, Object[]> row : committed.entrySet()) {
            OutputRows.assertSameRow(expected.get(row.getKey()), row.getValue(), "committed before the kill: " + row.getKey());
        }

        List<String> resume = new ArrayList<>(waves);
        resume.add("--resume");
        StandaloneCluster.Result result = cluster.submit(resume);
        assertEquals(0, result.code(), result.output());
        JsonObject report = report(output);
        assertEquals(kept, report.getAsJsonObject("settings").get("rows_kept").getAsLong(), report.toString());
        assertEquals(requests - kept, report.get("rows_made").getAsLong(), "only the missing requests ran: " + report);
        Map<String, Object[]> resumed = rows(output);
        assertEquals(expected.keySet(), resumed.keySet());
        for (String id : expected.keySet()) {
            OutputRows.assertSameRow(expected.get(id), resumed.get(id), output + ": " + id);
        }
        if (output.startsWith("s3a://")) {
            String prefix = output.substring("s3a://bucket/".length()) + "/";
            assertTrue(s3.keys("bucket").stream().noneMatch(k -> k.startsWith(prefix) && k.contains("__magic")),
                    "the killed run's magic folders are gone: " + s3.keys("bucket"));
        }
    }

    /**
     * The S3 server stops for a few seconds while a job writes its waves and starts again: the job either
     * completes with every row, or fails with one line and leaves only committed waves, which --resume completes.
     */
    @Test
    void anS3OutageDuringAWriteIsRetriedOrFailsCleanly() throws Exception {
        String output = "s3a://bucket/outage";
        List<String> job = sampleJob();
        // the retry settings users get: conf/s3.conf
        job.addAll(List.of("--output", output, "--wave-size", "10", "--quiet", "--config", "conf/s3.conf"));
        job.addAll(s3.confArgs());
        StandaloneCluster.Submission running = cluster.start(job);
        await(() -> committedFiles(output) > 0 || !running.isAlive(), running);
        s3.pause();
        try {
            Thread.sleep(6_000);
        } finally {
            s3.restart();
        }
        StandaloneCluster.Result result = running.await();
        Map<String, Object[]> rows = rows(output);
        System.out.println("S3 outage of 6 s: the job " + (result.code() == 0 ? "retried and completed"
                : "failed, " + rows.size() + " rows committed, then --resume completed it"));
        if (result.code() != 0) {
            List<String> errors = result.output().lines().filter(l -> l.startsWith("ddim sample: failed:")).toList();
            assertEquals(1, errors.size(), result.output());
            assertTrue(rows.size() < 60, "a failed job committed " + rows.size() + " rows");
            List<String> resume = new ArrayList<>(job);
            resume.add("--resume");
            StandaloneCluster.Result resumed = cluster.submit(resume);
            assertEquals(0, resumed.code(), resumed.output());
            rows = rows(output);
        }
        assertEquals(60, rows.size(), result.output());
        List<String> clean = sampleJob();
        clean.addAll(List.of("--output", tmp.resolve("outage-clean").toString()));
        local(clean);
        Map<String, Object[]> expected = rows(tmp.resolve("outage-clean").toString());
        for (String id : expected.keySet()) {
            OutputRows.assertSameRow(expected.get(id), rows.get(id), "after the outage: " + id);
        }
    }

    /** The part files an output's committed waves hold. */
    private static long committedFiles(String output) {
        if (output.startsWith("s3a://")) {
            String prefix = output.substring("s3a://bucket/".length()) + "/part-";
            return s3.keys("bucket").stream().filter(k -> k.startsWith(prefix)).count();
        }
        Path dir = Path.of(output);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("part-")).count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static void await(BooleanSupplier condition, StandaloneCluster.Submission running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + running.output());
            }
            Thread.sleep(50);
        }
    }

    /** A local[2] run in this JVM. */
    private static void local(List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--master", "local[2]", "--quiet", "--conf", "spark.ui.enabled=false"));
        StringWriter err = new StringWriter();
        int code = Main.run(all.toArray(new String[0]), new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
    }

    /** id -> (latent, PNG bytes, status) of an output as a reader sees it, each id once. */
    private static Map<String, Object[]> rows(String output) {
        return OutputRows.read(output, s3.settings());
    }

    /** The run report of an output, read through Hadoop's file system of its URI. */
    private static JsonObject report(String output) throws Exception {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(output, "_ddim_run.json");
        try (var in = file.getFileSystem(s3.hadoop()).open(file)) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }
}
