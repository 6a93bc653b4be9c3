package org.ddimspark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.fs.s3a.commit.impl.CommitOperations;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs against a real S3 server (S3Proxy in this JVM), from the command line: s3a outputs written by
 * the magic committer, s3a inputs and models, resume after a lost file and a killed run, export, and the
 * one-line failures of bad storage settings. The server's secret is planted in every run and searched for
 * in everything the jobs printed, logged and wrote.
 */
class S3JobsTest {

    private static final String SECRET = "planted-secret-5f0c2e9a7b";
    private static final String BUCKET = "bucket";
    private static S3Server s3;
    private static final StringBuilder LOGS = new StringBuilder();
    private static AbstractAppender capture;

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {

        String all() {
            return out + err;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start(SECRET, BUCKET);
        for (String model : List.of("gaussian-eps", "gaussian-x0-cond")) {
            for (String file : List.of("model.json", "model.pt")) {
                s3.write(BUCKET, "models/" + model + "/" + file, Files.readAllBytes(Models.dir(model).resolve(file)));
            }
        }
        capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                synchronized (LOGS) {
                    LOGS.append(event.getMessage().getFormattedMessage()).append('\n');
                    if (event.getThrown() != null) {
                        StringWriter trace = new StringWriter();
                        event.getThrown().printStackTrace(new PrintWriter(trace));
                        LOGS.append(trace);
                    }
                }
            }
        };
        capture.start();
        // every INFO line (Spark's default level) is searched for the secret; the console keeps WARN
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = context.getConfiguration().getRootLogger();
        Appender console = context.getConfiguration().getAppender("console");
        root.removeAppender("console");
        root.addAppender(console, Level.WARN, null);
        root.addAppender(capture, Level.ALL, null);
        root.setLevel(Level.INFO);
        context.updateLoggers();
    }

    @AfterAll
    static void stop() throws Exception {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = context.getConfiguration().getRootLogger();
        root.removeAppender("capture");
        root.removeAppender("console");
        root.addAppender(context.getConfiguration().getAppender("console"), null, null);
        root.setLevel(Level.WARN);
        context.updateLoggers();
        s3.close();
    }

    private static Result run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        Result r = new Result(code, out.toString(), err.toString());
        assertFalse(r.all().contains(SECRET), "the secret was printed");
        return r;
    }

    /** A command with the server's settings, on local[2]. */
    private static List<String> args(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--master", "local[2]", "--conf", "spark.ui.enabled=false", "--quiet"));
        all.addAll(s3.confArgs());
        return all;
    }

    /** The rows of a Parquet data set on the server (or anywhere), by id. */
    private static Map<String, Row> rows(String uri) {
        SparkSession.Builder builder = SparkSession.builder().master("local[1]").appName("S3JobsTest")
                .config("spark.ui.enabled", "false");
        s3.settings().forEach((k, v) -> builder.config("spark.hadoop." + k, v));
        SparkSession spark = builder.getOrCreate();
        try {
            Map<String, Row> rows = new HashMap<>();
            for (Row r : spark.read().parquet(uri).collectAsList()) {
                assertEquals(null, rows.put(r.getAs("id"), r), "id " + r.getAs("id") + " written twice");
            }
            return rows;
        } finally {
            spark.stop();
        }
    }

    private static String text(String key) {
        return new String(s3.read(BUCKET, key), StandardCharsets.UTF_8);
    }

    private static void assertNoSecretStored() {
        for (String key : s3.keys(BUCKET)) {
            assertFalse(new String(s3.read(BUCKET, key), StandardCharsets.ISO_8859_1).contains(SECRET),
                    "the secret is in " + key);
        }
        synchronized (LOGS) {
            assertTrue(LOGS.toString().contains("Running Spark version"), "INFO lines were captured");
            assertFalse(LOGS.toString().contains(SECRET), "the secret was logged");
        }
    }

    @Test
    void samplesFromAnS3ModelToS3WithTheMagicCommitterAsALocalRunDoes() {
        Result r = run(args("sample", "--model", "s3a://bucket/models/gaussian-x0-cond", "--output", "s3a://bucket/out/sample",
                "--count", "12", "--all-classes", "--steps", "5", "--partitions", "3", "--batch-size", "4"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("sample: wrote 12 rows (12 ok, 0 error) to s3a://bucket/out/sample"), r.out());
        // the magic committer's manifest, not the classic committer's empty marker
        String success = text("out/sample/_SUCCESS");
        assertTrue(success.contains("\"committer\":\"magic\""), success);
        List<String> keys = s3.keys(BUCKET);
        assertTrue(keys.contains("out/sample/_ddim_run.json") && keys.contains("out/sample/_contact_sheet.png"), keys.toString());
        assertTrue(keys.stream().noneMatch(k -> k.contains("__magic") || k.contains("_temporary")), keys.toString());
        assertTrue(text("out/sample/_ddim_run.json").contains("\"stage_seconds\""));

        // the same job on local files, with the model from its local folder, gives the same rows
        Result local = run(args("sample", "--model", Models.dir("gaussian-x0-cond").toString(), "--output",
                tmp.resolve("local").toString(), "--count", "12", "--all-classes", "--steps", "5", "--partitions", "2"));
        assertEquals(0, local.code(), local.err());
        Map<String, Row> onS3 = rows("s3a://bucket/out/sample");
        Map<String, Row> onDisk = rows(tmp.resolve("local").toString());
        assertEquals(onDisk.keySet(), onS3.keySet());
        for (String id : onDisk.keySet()) {
            assertArrayEquals((byte[]) onDisk.get(id).getStruct(onDisk.get(id).fieldIndex("image")).get(0),
                    (byte[]) onS3.get(id).getStruct(onS3.get(id).fieldIndex("image")).get(0), id);
        }
        assertNoSecretStored();

        // export from S3 to a local folder
        Result export = run(args("export", "--input", "s3a://bucket/out/sample", "--output", tmp.resolve("export").toString()));
        assertEquals(0, export.code(), export.err());
        try (Stream<Path> files = Files.list(tmp.resolve("export"))) {
            assertEquals(12, files.filter(p -> p.toString().endsWith(".png")).count());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void invertsAnS3FolderToS3WithReconstruction() throws IOException {
        Path images = Path.of("src/test/resources/fashion-mnist");
        for (int i = 0; i < 4; i++) {
            String name = String.format("t10k-%05d.png", i);
            s3.write(BUCKET, "in/shirts/" + name, Files.readAllBytes(images.resolve(name)));
        }
        s3.write(BUCKET, "in/broken.png", "not an image".getBytes(StandardCharsets.UTF_8));
        // the closed-form model has the fashion images' 28x28 gray shape only through --fit; use the bundled model
        Result r = run(args("invert", "--input", "s3a://bucket/in", "--output", "s3a://bucket/out/inverted",
                "--reconstruct", "--steps", "4"));
        assertEquals(0, r.code(), r.err());
        Map<String, Row> rows = rows("s3a://bucket/out/inverted");
        assertEquals(5, rows.size(), rows.keySet().toString());
        assertEquals("ok", rows.get("shirts/t10k-00000.png").getAs("status"));
        assertTrue((double) rows.get("shirts/t10k-00003.png").getAs("reconstruction_mse") < 0.1);
        assertEquals("error", rows.get("broken.png").getAs("status"));
        assertTrue(s3.keys(BUCKET).contains("out/inverted/_contact_sheet.png"));
        assertTrue(text("out/inverted/_SUCCESS").contains("\"committer\":\"magic\""));
        assertNoSecretStored();
    }

    @Test
    void resumeOnS3AfterALostFileAndAKilledRunGivesExactlyACleanRunsRows() throws Exception {
        List<String> job = List.of("sample", "--model", "s3a://bucket/models/gaussian-eps", "--count", "16", "--steps", "4",
                "--eta", "0.5", "--partitions", "4", "--batch-size", "4");
        List<String> clean = new ArrayList<>(job);
        clean.addAll(List.of("--output", "s3a://bucket/out/clean"));
        assertEquals(0, run(args(clean.toArray(new String[0]))).code());
        List<String> first = new ArrayList<>(job);
        first.addAll(List.of("--output", "s3a://bucket/out/resumed"));
        assertEquals(0, run(args(first.toArray(new String[0]))).code());

        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path("s3a://bucket/out/resumed");
        try (FileSystem fs = FileSystem.newInstance(out.toUri(), s3.hadoop())) {
            // a committed file is lost
            String lost = s3.keys(BUCKET).stream().filter(k -> k.startsWith("out/resumed/part-")).findFirst().orElseThrow();
            assertTrue(fs.delete(new org.apache.hadoop.fs.Path("s3a://bucket/" + lost), false));
            // and a killed run left a task's file under the magic committer: a pending upload, invisible
            try (OutputStream staged = fs.create(new org.apache.hadoop.fs.Path(out,
                    "__magic_job-killed/job-killed/tasks/attempt_0/__base/part-99999.snappy.parquet"))) {
                staged.write(new byte[] {1, 2, 3});
            }
            CommitOperations commits = new CommitOperations((S3AFileSystem) fs);
            assertEquals(1, commits.listPendingUploadsUnderPath(out).size(), "the killed run's pending upload");

            List<String> resume = new ArrayList<>(first);
            resume.add("--resume");
            Result r = run(args(resume.toArray(new String[0])));
            assertEquals(0, r.code(), r.err());
            assertEquals(0, commits.listPendingUploadsUnderPath(out).size(), "aborted by the resume");
        }
        assertTrue(s3.keys(BUCKET).stream().noneMatch(k -> k.startsWith("out/resumed/__magic")), s3.keys(BUCKET).toString());
        Map<String, Row> expected = rows("s3a://bucket/out/clean");
        Map<String, Row> resumed = rows("s3a://bucket/out/resumed");
        assertEquals(16, resumed.size());
        assertEquals(expected.keySet(), resumed.keySet());
        for (String id : expected.keySet()) {
            assertArrayEquals((byte[]) expected.get(id).getStruct(expected.get(id).fieldIndex("image")).get(0),
                    (byte[]) resumed.get(id).getStruct(resumed.get(id).fieldIndex("image")).get(0), id);
        }
    }

    @Test
    void aLatentModelFromABucketBringsItsDecoder() throws IOException {
        for (String file : List.of("model.json", "model.pt", "decoder.pt", "encoder.pt")) {
            s3.write(BUCKET, "models/latent/" + file, Files.readAllBytes(Models.dir("gaussian-latent").resolve(file)));
        }
        Result r = run(args("sample", "--model", "s3a://bucket/models/latent", "--output", "s3a://bucket/out/latent",
                "--count", "5", "--steps", "4"));
        assertEquals(0, r.code(), r.err());
        Result local = run(args("sample", "--model", Models.dir("gaussian-latent").toString(), "--output",
                tmp.resolve("latent-local").toString(), "--count", "5", "--steps", "4"));
        assertEquals(0, local.code(), local.err());
        Map<String, Row> expected = rows(tmp.resolve("latent-local").toString());
        Map<String, Row> actual = rows("s3a://bucket/out/latent");
        assertEquals(expected.keySet(), actual.keySet());
        for (String id : expected.keySet()) {
            assertArrayEquals((byte[]) expected.get(id).<Row>getAs("image").getAs("bytes"),
                    (byte[]) actual.get(id).<Row>getAs("image").getAs("bytes"), id);
        }
        // a model directory without the decoder its card names fails before Spark, in one line (another card than
        // above: the copy cached for that one has its decoder, and the cache is keyed by model.pt and card)
        s3.write(BUCKET, "models/latent-no-decoder/model.json", Files.readString(Models.dir("gaussian-latent")
                .resolve("model.json")).replace("\"gaussian-latent\"", "\"no-decoder\"").getBytes(StandardCharsets.UTF_8));
        s3.write(BUCKET, "models/latent-no-decoder/model.pt",
                Files.readAllBytes(Models.dir("gaussian-latent").resolve("model.pt")));
        Result missing = run(args("sample", "--model", "s3a://bucket/models/latent-no-decoder", "--output",
                "s3a://bucket/out/latent-no-decoder"));
        assertEquals(Main.USAGE, missing.code(), missing.err());
        assertEquals("ddim sample: --model s3a://bucket/models/latent-no-decoder: no decoder.pt (named by its card) in "
                + "s3a://bucket/models/latent-no-decoder" + System.lineSeparator(), missing.err());
    }

    @Test
    void aModelWhoseFileDoesNotMatchItsCardsHashIsRefusedInOneLine() throws IOException {
        String card = Files.readString(Models.dir("gaussian-eps").resolve("model.json"))
                .replaceFirst("\"sha256\": \"[0-9a-f]+\"", "\"sha256\": \"" + "ab".repeat(32) + "\"");
        s3.write(BUCKET, "models/tampered/model.json", card.getBytes(StandardCharsets.UTF_8));
        s3.write(BUCKET, "models/tampered/model.pt", Files.readAllBytes(Models.dir("gaussian-eps").resolve("model.pt")));
        Result r = run(args("sample", "--model", "s3a://bucket/models/tampered", "--output", "s3a://bucket/out/tampered"));
        assertEquals(Main.USAGE, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("field 'sha256' is " + "ab".repeat(32) + " but model.pt hashes to"), r.err());

        Result missing = run(args("sample", "--model", "s3a://bucket/models/none", "--output", "s3a://bucket/out/none"));
        assertEquals(Main.USAGE, missing.code());
        assertEquals("ddim sample: --model s3a://bucket/models/none: no model.json (the model card) in "
                + "s3a://bucket/models/none" + System.lineSeparator(), missing.err());
    }

    @Test
    void badStorageSettingsFailInOneLineWithinSeconds() {
        // wrong credentials
        List<String> wrongKey = args("sample", "--model", "s3a://bucket/models/gaussian-eps", "--output", "s3a://bucket/out/x");
        wrongKey.addAll(List.of("--conf", "fs.s3a.secret.key=not-the-secret-0000"));
        Result denied = run(wrongKey);
        assertEquals(Main.FAILED, denied.code(), denied.err());
        assertEquals(1, denied.err().lines().count(), denied.err());
        assertTrue(denied.err().startsWith("ddim sample: failed: --output s3a://bucket/out/x: access denied"), denied.err());
        assertFalse(denied.err().contains("not-the-secret-0000"));

        // a bucket that does not exist
        Result bucket = run(args("sample", "--output", "s3a://no-such-bucket/out", "--model", "s3a://bucket/models/gaussian-eps"));
        assertEquals(Main.FAILED, bucket.code(), bucket.err());
        assertEquals(1, bucket.err().lines().count(), bucket.err());
        assertTrue(bucket.err().startsWith("ddim sample: failed: --output s3a://no-such-bucket/out: no such bucket"), bucket.err());

        // nothing listens there: bounded retries, one line
        List<String> dead = args("invert", "--input", "s3a://bucket/in", "--output", "s3a://bucket/out/y");
        dead.addAll(List.of("--conf", "fs.s3a.endpoint=http://127.0.0.1:1"));
        long started = System.nanoTime();
        Result unreachable = run(dead);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(Main.FAILED, unreachable.code(), unreachable.err());
        assertEquals(1, unreachable.err().lines().count(), unreachable.err());
        assertTrue(unreachable.err().startsWith("ddim invert: failed: --input s3a://bucket/in: endpoint unreachable"),
                unreachable.err());
        assertTrue(seconds < 60, "gave up after " + seconds + " s, not within seconds");

        // no credentials at all (the chain restricted to keys, so that nothing asks an instance metadata service)
        List<String> anonymous = new ArrayList<>(List.of("sample", "--output", "s3a://bucket/out/z", "--master", "local[2]",
                "--conf", "fs.s3a.endpoint=" + s3.endpoint(), "--conf", "fs.s3a.path.style.access=true",
                "--conf", "fs.s3a.endpoint.region=us-east-1", "--conf", "fs.s3a.impl.disable.cache=true",
                "--conf", "fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"));
        Result none = run(anonymous);
        assertEquals(Main.FAILED, none.code(), none.err());
        assertEquals(1, none.err().lines().count(), none.err());
        assertTrue(none.err().startsWith("ddim sample: failed: --output s3a://bucket/out/z: no credentials"), none.err());

        // a scheme without a file system is a usage error
        Result scheme = run(args("sample", "--output", "nosuchfs://bucket/out"));
        assertEquals(Main.USAGE, scheme.code(), scheme.err());
        assertEquals("ddim sample: --output nosuchfs://bucket/out: no file system for the scheme 'nosuchfs'"
                + System.lineSeparator(), scheme.err());
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "all before Spark starts");
    }

    @Test
    void aFailedTaskLeavesNothingVisibleUnderTheCommitSettingsOfAnS3Output() {
        String uri = "s3a://bucket/out/retried";
        SparkSession.Builder builder = SparkSession.builder().master("local[2,2]").appName("S3JobsTest-retry")
                .config("spark.ui.enabled", "false");
        s3.settings().forEach((k, v) -> builder.config("spark.hadoop." + k, v));
        org.ddimspark.storage.ObjectStoreCommit.defaults(List.of(uri), Map.of()).forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        try {
            // the first attempt of partition 1 writes rows into its file, then dies; its retry succeeds
            spark.range(0, 40, 1, 4).mapPartitions(new FailFirstAttempt(), org.apache.spark.sql.Encoders.LONG())
                    .toDF("id").write().parquet(uri);
            List<Long> ids = spark.read().parquet(uri).as(org.apache.spark.sql.Encoders.LONG()).collectAsList();
            assertEquals(40, ids.size(), "no row of the failed attempt is visible");
            assertEquals(40, new java.util.HashSet<>(ids).size());
            long files = s3.keys(BUCKET).stream().filter(k -> k.startsWith("out/retried/part-")).count();
            assertEquals(4, files, s3.keys(BUCKET).toString());
            assertTrue(text("out/retried/_SUCCESS").contains("\"committer\":\"magic\""));
        } finally {
            spark.stop();
        }
    }

    /** Partition 1's first attempt hands out 5 rows, then fails; every other attempt passes its rows through. */
    private static final class FailFirstAttempt implements org.apache.spark.api.java.function.MapPartitionsFunction<Long, Long> {

        private static final long serialVersionUID = 1L;

        @Override
        public java.util.Iterator<Long> call(java.util.Iterator<Long> input) {
            List<Long> rows = new ArrayList<>();
            input.forEachRemaining(rows::add);
            org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
            if (task.partitionId() != 1 || task.attemptNumber() > 0) {
                return rows.iterator();
            }
            return new java.util.Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public Long next() {
                    if (i == 5) {
                        throw new IllegalStateException("injected failure after 5 rows");
                    }
                    return rows.get(i++);
                }
            };
        }
    }

    @Test
    void theConfigProfilesResolve() {
        Result s3conf = run(args("sample", "--output", "s3a://bucket/out/p", "--config", "conf/s3.conf", "--print-config"));
        assertEquals(0, s3conf.code(), s3conf.err());
        assertTrue(s3conf.out().contains("\"spark.hadoop.fs.s3a.retry.limit\" = \"5\""), s3conf.out());
        assertTrue(s3conf.out().contains("\"spark.hadoop.fs.s3a.committer.abort.pending.uploads\" = \"true\""), s3conf.out());
        Result cluster = run(args("invert", "--input", "s3a://bucket/in", "--output", "s3a://bucket/out/q", "--config",
                "conf/cluster.conf", "--print-config"));
        assertEquals(0, cluster.code(), cluster.err());
        assertTrue(cluster.out().contains("\"spark.executor.memoryOverhead\" = \"4g\""), cluster.out());
        assertTrue(cluster.out().contains("\"spark.executorEnv.ONEDNN_MAX_CPU_ISA\" = \"AVX2\""), cluster.out());
        // the GPU profile includes the cluster's and overrides the cores
        Result gpu = run(args("sample", "--output", "s3a://bucket/out/g", "--config", "conf/gpu.conf", "--print-config"));
        assertEquals(0, gpu.code(), gpu.err());
        assertTrue(gpu.out().contains("\"spark.task.resource.gpu.amount\" = \"0.25\""), gpu.out());
        assertTrue(gpu.out().contains("\"spark.executor.resource.gpu.discoveryScript\" = \"jobs/gpu-discovery.sh\""), gpu.out());
        assertTrue(gpu.out().contains("\"spark.executorEnv.ONEDNN_MAX_CPU_ISA\" = \"AVX2\""), gpu.out());
        assertTrue(gpu.out().contains("\"spark.executorEnv.PYTORCH_FLAVOR\" = \"cu128\""), gpu.out());
    }

    @Test
    void printConfigShowsTheResolvedSettingsWithSecretsRedacted() throws IOException {
        Path config = tmp.resolve("job.conf");
        Files.writeString(config, "sample { count = 7, steps = 3 }\nconf { \"fs.s3a.connection.maximum\" = 8 }\n");
        List<String> a = args("sample", "--output", "s3a://bucket/out/printed", "--config", config.toString(), "--print-config");
        Result r = run(a);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("count = 7") && r.out().contains("steps = 3"), r.out());
        assertTrue(r.out().contains("\"spark.hadoop.fs.s3a.secret.key\" = \"*********(redacted)\""), r.out());
        assertTrue(r.out().contains("\"spark.hadoop.fs.s3a.connection.maximum\" = \"8\""), r.out());
        assertTrue(r.out().contains("\"spark.hadoop.fs.s3a.committer.name\" = \"magic\""), r.out());
        assertTrue(r.out().contains("\"spark.sql.sources.commitProtocolClass\" = "
                + "\"org.apache.spark.internal.io.cloud.PathOutputCommitProtocol\""), r.out());
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "nothing ran");
        assertFalse(s3.keys(BUCKET).stream().anyMatch(k -> k.startsWith("out/printed")));
    }
}
