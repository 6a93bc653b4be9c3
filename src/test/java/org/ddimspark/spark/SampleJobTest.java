package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.image.PngCodec;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.DdimSampler;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.testing.GaussianDenoiser;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.RelativeError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sample job on local[2] with the closed-form TorchScript models, through DJL and real Parquet. */
class SampleJobTest {

    private static SparkSession spark;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("SampleJobTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static SampleJobOptions.Builder options(String model, String output) {
        return SampleJobOptions.builder().setModel(Models.dir(model).toString()).setOutput(tmp.resolve(output).toString());
    }

    private static Map<String, Row> byId(String output) {
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(tmp.resolve(output).toString()).collectAsList()) {
            rows.put(r.getAs("id"), r);
        }
        return rows;
    }

    @Test
    void writesTheContractsRowsIdenticallyForAnyPartitioningAndBatchSize() throws IOException {
        ModelCard card = ModelCard.load(Models.dir("gaussian-x0-cond"));
        SamplerOptions sampler = SamplerOptions.builder().setSteps(12).optEta(0.3).optGuidance(2.0).build();
        long count = 37;
        SampleJobOptions base = options("gaussian-x0-cond", "p5b4").optCount(count).optSeedStart(1000)
                .optClassMode(ClassMode.all()).optSampler(sampler).optPartitions(5).optBatchSize(4).build();
        RunReport report = SampleJob.run(spark, base, card);
        assertEquals(count, report.rows());
        assertEquals(count, report.ok());
        assertEquals(Map.of("driver/cpu", 1), report.modelLoads(), "local mode: the driver's JVM, one load, on the CPU");
        assertTrue(Files.exists(tmp.resolve("p5b4").resolve(RunReport.FILE)));
        SampleJob.run(spark, base.toBuilder().setOutput(tmp.resolve("p1b16").toString()).optPartitions(1)
                .optBatchSize(16).build(), card);
        // in waves of 5 seeds: eight Spark jobs, each committed, the same rows
        RunReport waves = SampleJob.run(spark, base.toBuilder().setOutput(tmp.resolve("p3b1").toString()).optPartitions(3)
                .optBatchSize(1).optWaveSize(5).build(), card);
        assertEquals(8, waves.settings().get("waves"));
        assertEquals(count, waves.made());
        assertEquals(1, report.settings().get("waves"));
        try (var files = Files.list(tmp.resolve("p3b1"))) {
            assertEquals(7 * 3 + 2, files.filter(f -> f.getFileName().toString().startsWith("part-")).count(),
                    "three tasks a wave, two for the last wave's two seeds");
        }

        Map<String, Row> rows = byId("p5b4");
        assertEquals(count, rows.size(), "unique ids");
        for (String other : List.of("p1b16", "p3b1")) {
            Map<String, Row> again = byId(other);
            assertEquals(rows.keySet(), again.keySet());
            for (Row r : rows.values()) {
                Row s = again.get(r.<String>getAs("id"));
                assertArrayEquals(floats(r, "latent"), floats(s, "latent"));
                assertArrayEquals(imageBytes(r), imageBytes(s), "image bytes of " + r.getAs("id"));
            }
        }
        int size = card.sampleSize();
        for (long i = 0; i < count; i++) {
            long seed = 1000 + i;
            int classLabel = (int) (i % 3);
            Row r = rows.get("s" + seed + "-c" + classLabel);
            assertEquals(seed, (long) r.getAs("seed"));
            assertEquals(classLabel, (int) r.getAs("class_label"));
            assertEquals(12, (int) r.getAs("steps"));
            assertEquals(0.3, r.<Double>getAs("eta"));
            assertEquals(2.0, r.<Double>getAs("guidance"));
            assertEquals("uniform", r.getAs("spacing"));
            assertEquals(card.reference(), r.getAs("model"));
            assertEquals("ok", r.getAs("status"));
            assertNull(r.getAs("error"));
            assertNull(r.getAs("sample"));
            assertArrayEquals(SeededNoise.latent(seed, size), floats(r, "latent"));
            assertEquals(List.of(3, 8, 8), r.getList(r.fieldIndex("latent_shape")));
            BufferedImage image = PngCodec.decode(imageBytes(r));
            assertEquals(8, image.getWidth());
            assertEquals(8, image.getHeight());
            assertEquals(3, image.getColorModel().getNumComponents());
            assertEquals(r.getAs("id") + ".png", r.<Row>getAs("image").getAs("path"));
        }
    }

    @Test
    void aRealUnetGivesBitIdenticalSamplesForAnyPartitioningAndBatchSize() {
        ModelCard card = ModelCard.load(org.ddimspark.model.BundledModels.resolve("fashion-mnist-flow"));
        SampleJobOptions base = SampleJobOptions.builder().setModel("fashion-mnist-flow")
                .setOutput(tmp.resolve("unet-a").toString()).optCount(11).optClassMode(ClassMode.all())
                .optSampler(SamplerOptions.builder().setSteps(3).optEta(0.5).build()).optSaveSample(true)
                .optPartitions(1).optBatchSize(16).build();
        SampleJob.run(spark, base, card);
        SampleJob.run(spark, base.toBuilder().setOutput(tmp.resolve("unet-b").toString()).optPartitions(3)
                .optBatchSize(1).build(), card);
        SampleJob.run(spark, base.toBuilder().setOutput(tmp.resolve("unet-c").toString()).optPartitions(2)
                .optBatchSize(3).build(), card);
        Map<String, Row> a = byId("unet-a");
        assertEquals(11, a.size());
        for (Row r : a.values()) {
            assertEquals("ok", r.getAs("status"), r.getAs("id") + ": " + r.getAs("error"));
        }
        for (String other : List.of("unet-b", "unet-c")) {
            Map<String, Row> b = byId(other);
            for (Row r : a.values()) {
                Row s = b.get(r.<String>getAs("id"));
                assertArrayEquals(floats(r, "sample"), floats(s, "sample"), "x0 of " + r.getAs("id") + " in " + other);
                assertArrayEquals(imageBytes(r), imageBytes(s));
            }
        }
        assertTrue(Files.exists(tmp.resolve("unet-a").resolve(SampleJob.CONTACT_SHEET)));
    }

    @Test
    void savedSamplesEqualTheJavaClosedFormThroughTheSameSampler() {
        ModelCard card = ModelCard.load(Models.dir("gaussian-flow-cond"));
        SamplerOptions sampler = SamplerOptions.builder().setSteps(20).optShift(3.0).optEta(0.5).optGuidance(1.5).build();
        SampleJobOptions job = options("gaussian-flow-cond", "flow").optCount(6).optClassMode(ClassMode.fixed(2))
                .optSampler(sampler).optSaveSample(true).optBatchSize(4).build();
        SampleJob.run(spark, job, card);
        GaussianDenoiser exact = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5);
        DdimSampler reference = new DdimSampler(exact, sampler);
        int size = card.sampleSize();
        for (Row r : byId("flow").values()) {
            long seed = r.getAs("seed");
            float[] expected = reference.sample(SeededNoise.latent(seed, size), new long[] {seed}, new int[] {2}).samples();
            float[] actual = floats(r, "sample");
            double error = RelativeError.of(actual, expected);
            assertTrue(error < 1e-5, "TorchScript vs Java closed form: " + error);
            byte[] png = PngCodec.encode(actual, 0, card.sampleShape(), card.valueRange());
            assertArrayEquals(png, imageBytes(r));
        }
    }

    /**
     * A latent model: the rows keep latent-space x_T and samples (the closed form on 4 x 4 x 4 latents), and the
     * image is the decoder's: a pixel shuffle of sample / scale + shift, byte for byte.
     */
    @Test
    void aLatentModelsImageIsItsDecodedSample() {
        ModelCard card = ModelCard.load(Models.dir("gaussian-latent"));
        SamplerOptions sampler = SamplerOptions.builder().setSteps(8).optEta(0.3).build();
        RunReport report = SampleJob.run(spark, options("gaussian-latent", "latent").optCount(6).optSampler(sampler)
                .optSaveSample(true).optBatchSize(4).build(), card);
        assertEquals(6, report.ok());
        DdimSampler reference = new DdimSampler(new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5),
                sampler);
        for (Row r : byId("latent").values()) {
            long seed = r.getAs("seed");
            assertEquals(List.of(4, 4, 4), r.getList(r.fieldIndex("latent_shape")));
            assertArrayEquals(SeededNoise.latent(seed, 64), floats(r, "latent"));
            float[] sample = floats(r, "sample");
            float[] expected = reference.sample(SeededNoise.latent(seed, 64), new long[] {seed}, null).samples();
            assertTrue(RelativeError.of(sample, expected) < 1e-5, "TorchScript vs Java closed form");
            // decoder.pt is F.pixel_shuffle(z, 2): image[2h + i][2w + j] = z[2i + j][h][w], z = sample / 2 + 0.25
            float[] image = new float[64];
            for (int c = 0; c < 4; c++) {
                for (int h = 0; h < 4; h++) {
                    for (int w = 0; w < 4; w++) {
                        image[(2 * h + c / 2) * 8 + 2 * w + c % 2] = (float) (sample[c * 16 + h * 4 + w] / 2.0 + 0.25);
                    }
                }
            }
            assertArrayEquals(PngCodec.encode(image, 0, new int[] {1, 8, 8}, card.valueRange()), imageBytes(r));
        }
        assertTrue(Files.exists(tmp.resolve("latent").resolve(SampleJob.CONTACT_SHEET)));
    }

    /**
     * An embedding-conditioned model: the network gets each class's embedding from the model's table, and the
     * null embedding for guidance's unconditional half. gaussian-embedding's class mean is its embedding, so the
     * Java closed form with class means, guidance included, is the exact reference.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gaussian-embedding", "gaussian-pooled"})
    void anEmbeddingConditionedModelIsTheClosedFormWithGuidanceOnTheNullEmbedding(String name) {
        // gaussian-pooled also takes a pooled vector, whose values sum to 0 for every class of its table
        ModelCard card = ModelCard.load(Models.dir(name));
        SamplerOptions sampler = SamplerOptions.builder().setSteps(10).optEta(0.3).build();
        RunReport report = SampleJob.run(spark, options(name, name).optCount(6)
                .optClassMode(ClassMode.all()).optSampler(sampler).optSaveSample(true).optBatchSize(4).build(), card);
        assertEquals(6, report.ok());
        assertTrue(report.toJson().contains("guidance=2.0"), report.toJson());
        DdimSampler reference = new DdimSampler(new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5),
                sampler.resolve(card, true));
        for (Row r : byId(name).values()) {
            long seed = r.getAs("seed");
            int c = r.getAs("class_label");
            float[] expected = reference.sample(SeededNoise.latent(seed, 64), new long[] {seed}, new int[] {c}).samples();
            double error = RelativeError.of(floats(r, "sample"), expected);
            assertTrue(error < 1e-5, "class " + c + ": TorchScript with embeddings vs Java closed form: " + error);
        }
    }

    /** --solver dpm++2m through the job: the library's solver on every row, named in the rows' settings. */
    @Test
    void dpmSolverRowsEqualTheJavaClosedFormThroughTheSameSolver() {
        ModelCard card = ModelCard.load(Models.dir("gaussian-v"));
        SamplerOptions sampler = SamplerOptions.builder().setSteps(12).optSolver(org.ddimspark.sampling.Solver.DPM_SOLVER_2M)
                .build();
        RunReport report = SampleJob.run(spark, options("gaussian-v", "dpm").optCount(5).optSampler(sampler)
                .optSaveSample(true).optBatchSize(2).build(), card);
        assertTrue(report.settings().get("sampler").toString().endsWith("solver=dpm++2m"), report.toJson());
        DdimSampler reference = new DdimSampler(new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5),
                sampler);
        int size = card.sampleSize();
        for (Row r : byId("dpm").values()) {
            long seed = r.getAs("seed");
            float[] expected = reference.sample(SeededNoise.latent(seed, size), new long[] {seed}, null).samples();
            assertTrue(RelativeError.of(floats(r, "sample"), expected) < 1e-5, "row " + r.getAs("id"));
            assertTrue(r.<String>getAs("sampler").endsWith("solver=dpm++2m"));
        }
    }

    @Test
    void aRequestTheModelBreaksOnBecomesAnErrorRowAndTheRestGoOn() {
        ModelCard card = ModelCard.load(Models.dir("nan-on-class-1"));
        SampleJobOptions job = options("nan-on-class-1", "nan").optCount(10).optClassMode(ClassMode.all())
                .optSampler(SamplerOptions.builder().setSteps(5).build()).optBatchSize(3).build();
        RunReport report = SampleJob.run(spark, job, card);
        assertEquals(10, report.rows());
        assertEquals(7, report.ok());
        assertEquals(Map.of("model output is not finite", 3L), report.errors());
        for (Row r : byId("nan").values()) {
            boolean broken = (int) r.getAs("class_label") == 1;
            assertEquals(broken ? "error" : "ok", r.getAs("status"));
            assertEquals(broken, r.getAs("image") == null);
            assertEquals(64, floats(r, "latent").length, "the latent is kept on error rows too");
        }
        // --retry-errors samples the three again (the model still breaks on them): each id keeps one row
        RunReport retried = SampleJob.run(spark, job.toBuilder().optRetryErrors(true).build(), card);
        assertEquals(10, retried.rows());
        assertEquals(7L, retried.settings().get("rows_kept"));
        assertEquals(3L, retried.settings().get("rows_replaced"));
        assertEquals(10, spark.read().parquet(tmp.resolve("nan").toString()).select("id").distinct().count());
        assertEquals(10, spark.read().parquet(tmp.resolve("nan").toString()).count());
    }

    @Test
    void anExistingOutputIsAnErrorUnlessOverwriting() {
        ModelCard card = ModelCard.load(Models.dir("gaussian-eps"));
        SampleJobOptions job = options("gaussian-eps", "twice").optCount(2)
                .optSampler(SamplerOptions.builder().setSteps(3).build()).build();
        SampleJob.run(spark, job, card);
        assertThrows(AnalysisException.class, () -> SampleJob.run(spark, job, card));
        RunReport again = SampleJob.run(spark, job.toBuilder().optCount(3).optOverwrite(true).build(), card);
        assertEquals(3, again.rows());
        assertEquals(1, SharedModels.loads(Models.dir("gaussian-eps").toString(), ai.djl.Device.cpu()),
                "three jobs of two tasks each, one model load in this JVM");
    }

    /**
     * An earlier, shorter run and the traces of a killed one: a committed file lost (a hole) and an uncommitted
     * file staged in _temporary (which a later commit would take in). Resuming keeps every kept row's file, adds
     * exactly the missing rows, and the result equals a run made in one go.
     */
    @Test
    void resumeAddsExactlyTheMissingRowsWhateverAnEarlierRunLeft() throws IOException {
        ModelCard card = ModelCard.load(Models.dir("gaussian-x0-cond"));
        SamplerOptions sampler = SamplerOptions.builder().setSteps(6).optEta(0.5).build();
        SampleJobOptions full = options("gaussian-x0-cond", "in-one-go").optCount(20).optSeedStart(7)
                .optClassMode(ClassMode.all()).optSampler(sampler).optPartitions(2).build();
        SampleJob.run(spark, full, card);
        Path dir = tmp.resolve("resumed");
        SampleJob.run(spark, full.toBuilder().setOutput(dir.toString()).optCount(12).optPartitions(3).build(), card);
        List<Path> parts;
        try (var files = Files.list(dir)) {
            parts = files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList();
        }
        assertEquals(3, parts.size());
        Files.delete(parts.get(0));
        long kept = spark.read().parquet(dir.toString()).count();
        assertTrue(kept > 0 && kept < 12, "rows left: " + kept);
        Path staged = Files.createDirectories(dir.resolve("_temporary/0/task_202611280000_0001_m_000001"));
        Files.copy(parts.get(1), staged.resolve("part-00009-of-a-killed-run.snappy.parquet"));

        // the missing requests in waves of 3, cut by id
        SampleJobOptions resume = full.toBuilder().setOutput(dir.toString()).optResume(true).optPartitions(3)
                .optBatchSize(5).optWaveSize(3).build();
        RunReport report = SampleJob.run(spark, resume, card);
        assertEquals(20, report.rows());
        assertEquals(kept, report.settings().get("rows_kept"));
        assertEquals(20 - kept, report.made(), "only the missing requests ran");
        assertEquals((int) ((20 - kept + 2) / 3), report.settings().get("waves"));
        assertTrue(Files.exists(parts.get(1)) && Files.exists(parts.get(2)), "the kept rows' files are untouched");
        assertTrue(Files.notExists(dir.resolve("_temporary")));
        Map<String, Row> expected = byId("in-one-go");
        Map<String, Row> actual = byId("resumed");
        assertEquals(expected.keySet(), actual.keySet());
        for (Map.Entry<String, Row> e : expected.entrySet()) {
            Row r = actual.get(e.getKey());
            assertArrayEquals(floats(e.getValue(), "latent"), floats(r, "latent"), e.getKey());
            assertArrayEquals(imageBytes(e.getValue()), imageBytes(r), e.getKey());
        }
        // nothing left to do: a second resume keeps all 20 and adds none
        RunReport again = SampleJob.run(spark, resume, card);
        assertEquals(20L, again.settings().get("rows_kept"));
        assertEquals(20, again.rows());
        assertEquals(0, again.made());
    }

    @Test
    void resumeRefusesAnOutputMadeWithOtherSettings() {
        ModelCard card = ModelCard.load(Models.dir("gaussian-x0-cond"));
        SamplerOptions sampler = SamplerOptions.builder().setSteps(4).build();
        SampleJobOptions job = options("gaussian-x0-cond", "other-settings").optCount(3).optClassMode(ClassMode.fixed(1))
                .optSampler(sampler).build();
        SampleJob.run(spark, job, card);
        String out = tmp.resolve("other-settings").toString();
        assertEquals("cannot resume " + out + ": its rows have steps 4, this run writes 5 (--overwrite replaces the output)",
                assertThrows(IllegalArgumentException.class, () -> SampleJob.run(spark, job.toBuilder().optResume(true)
                        .optSampler(sampler.toBuilder().setSteps(5).build()).build(), card)).getMessage());
        assertEquals("cannot resume " + out + ": its rows have guidance 2.0, this run writes 3.0 (--overwrite replaces the"
                + " output)", assertThrows(IllegalArgumentException.class, () -> SampleJob.run(spark, job.toBuilder()
                        .optResume(true).optSampler(sampler.toBuilder().optGuidance(3.0).build()).build(), card)).getMessage());
        assertEquals("cannot resume " + out + ": its rows were made without --save-sample (--overwrite replaces the output)",
                assertThrows(IllegalArgumentException.class, () -> SampleJob.run(spark, job.toBuilder().optResume(true)
                        .optSaveSample(true).build(), card)).getMessage());
        assertEquals("--resume and --overwrite exclude each other", assertThrows(IllegalArgumentException.class,
                () -> job.toBuilder().optResume(true).optOverwrite(true).build()).getMessage());
        assertEquals(3, SampleJob.run(spark, job.toBuilder().optResume(true).build(), card).rows());
    }

    private static float[] floats(Row row, String column) {
        List<Float> list = row.getList(row.fieldIndex(column));
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    private static byte[] imageBytes(Row row) {
        return row.<Row>getAs("image").getAs("bytes");
    }

    /** A seed job's latents sampled again: the same rows, seeds, classes and PNG bytes; --class overrides. */
    @Test
    void fromLatentsRegeneratesASeedJobsImages() {
        ModelCard card = ModelCard.load(Models.dir("gaussian-x0-cond"));
        SamplerOptions sampler = SamplerOptions.builder().setSteps(6).optEta(0.5).build();
        SampleJob.run(spark, options("gaussian-x0-cond", "seeded").optCount(9).optSeedStart(40)
                .optClassMode(ClassMode.all()).optSampler(sampler).build(), card);
        RunReport report = SampleJob.run(spark, options("gaussian-x0-cond", "again")
                .optFromLatents(tmp.resolve("seeded").toString()).optSampler(sampler).optPartitions(2).optBatchSize(4)
                .optWaveSize(4).build(), card);
        assertEquals(3, report.settings().get("waves"));
        assertEquals(9, report.made());
        Map<String, Row> seeded = byId("seeded");
        Map<String, Row> again = byId("again");
        // the report says how the rows were sampled: with their classes, at the card's guidance
        assertEquals(seeded.values().iterator().next().getAs("sampler"), report.settings().get("sampler"));
        assertTrue(report.toJson().contains("guidance=2.0"), report.toJson());
        assertEquals(seeded.keySet(), again.keySet());
        for (String id : seeded.keySet()) {
            Row a = seeded.get(id);
            Row b = again.get(id);
            assertEquals(a.<Long>getAs("seed"), b.<Long>getAs("seed"));
            assertEquals(a.<Integer>getAs("class_label"), b.<Integer>getAs("class_label"));
            assertArrayEquals((byte[]) a.getStruct(a.fieldIndex("image")).getAs("bytes"),
                    (byte[]) b.getStruct(b.fieldIndex("image")).getAs("bytes"), id);
        }
        SampleJob.run(spark, options("gaussian-x0-cond", "class2").optFromLatents(tmp.resolve("seeded").toString())
                .optClassMode(ClassMode.fixed(2)).optSampler(sampler).build(), card);
        for (Row r : byId("class2").values()) {
            assertEquals(2, (int) r.getAs("class_label"));
        }
        assertThrows(IllegalArgumentException.class, () -> options("gaussian-x0-cond", "x")
                .optFromLatents(tmp.resolve("seeded").toString()).optClassMode(ClassMode.all()).build());
    }
}
