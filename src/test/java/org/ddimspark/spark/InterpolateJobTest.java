package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.image.PngCodec;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.sampling.Slerp;
import org.ddimspark.testing.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The interpolate job on local[2] with a closed-form TorchScript model. */
class InterpolateJobTest {

    private static final String MODEL = "gaussian-x0-cond";
    private static SparkSession spark;
    private static ModelCard card;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("InterpolateJobTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        card = ModelCard.load(Models.dir(MODEL));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** End frames equal the sample job's images of the two seeds; inner frames are the slerped latents. */
    @Test
    void endFramesAreThePlainSamplesOfTheSeeds() throws Exception {
        SamplerOptions sampler = SamplerOptions.builder().setSteps(8).build();
        SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("plain").toString()).optCount(10).optSeedStart(0)
                .optClassMode(ClassMode.fixed(1)).optSampler(sampler).build(), card);
        RunReport report = InterpolateJob.run(spark, InterpolateJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("frames").toString()).addPair("3", "7").addPair("7", "9").optFrames(5)
                .optClass(1).optSampler(sampler).optBatchSize(3).build(), card);
        assertEquals(10, report.rows());
        assertEquals(10, report.ok());
        Map<String, Row> plain = byId("plain");
        Map<String, Row> frames = byId("frames");
        assertEquals(10, frames.size());
        assertImage(plain.get("s3-c1"), frames.get("p0-f0"));
        assertImage(plain.get("s7-c1"), frames.get("p0-f4"));
        assertImage(plain.get("s7-c1"), frames.get("p1-f0"));
        assertImage(plain.get("s9-c1"), frames.get("p1-f4"));
        Row middle = frames.get("p0-f2");
        assertEquals("s3-c1", middle.getAs("a"));
        assertEquals("s7-c1", middle.getAs("b"));
        assertEquals(0.5, (double) middle.getAs("alpha"));
        assertEquals(1, (int) middle.getAs("class_label"));
        float[] expected = Slerp.between(SeededNoise.latent(3, card.sampleSize()), SeededNoise.latent(7, card.sampleSize()), 0.5);
        List<Object> latent = middle.getList(middle.fieldIndex("latent"));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], (Float) latent.get(i));
        }
        assertNotEquals(frames.get("p0-f1").getList(frames.get("p0-f1").fieldIndex("latent")),
                plain.get("s3-c1").getList(plain.get("s3-c1").fieldIndex("latent")));
        // the contact sheet: one row of 5 frames per pair
        java.awt.image.BufferedImage sheet = PngCodec.decode(Files.readAllBytes(tmp.resolve("frames").resolve("_contact_sheet.png")));
        assertTrue(sheet.getWidth() > sheet.getHeight(), sheet.getWidth() + "x" + sheet.getHeight());
    }

    @Test
    void storedLatentsAreNamedByIdAndKeepTheirCommonClass() {
        SamplerOptions sampler = SamplerOptions.builder().setSteps(5).build();
        String plain = tmp.resolve("classed").toString();
        SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString()).setOutput(plain)
                .optCount(6).optClassMode(ClassMode.all()).optSampler(sampler).build(), card);
        // s0-c0 and s3-c0 share class 0; s1-c1 and s2-c2 do not
        InterpolateJob.run(spark, InterpolateJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("from-ids").toString()).optFrom(plain).addPair("s0-c0", "s3-c0")
                .addPair("s1-c1", "s2-c2").optFrames(3).optSampler(sampler).build(), card);
        Map<String, Row> stored = byId("classed");
        Map<String, Row> frames = byId("from-ids");
        assertImage(stored.get("s0-c0"), frames.get("p0-f0"));
        assertImage(stored.get("s3-c0"), frames.get("p0-f2"));
        assertEquals(0, (int) frames.get("p0-f1").getAs("class_label"));
        assertNull(frames.get("p1-f1").<Integer>getAs("class_label"));
        assertEquals("--from " + plain + " has no row with id 's9'", assertThrows(IllegalArgumentException.class,
                () -> InterpolateJob.run(spark, InterpolateJobOptions.builder().setModel(Models.dir(MODEL).toString())
                        .setOutput(tmp.resolve("none").toString()).optFrom(plain).addPair("s0-c0", "s9")
                        .optSampler(sampler).build(), card)).getMessage());
    }

    /**
     * Stored pairs of an exact inversion: the end frames are the exact sampler's images of the pairs (as sample
     * --from-latents makes them), inner frames interpolate both halves with the slerp weights of the x_T halves, and
     * a pair against a single x_T is an error row naming both.
     */
    @Test
    void storedPairsInterpolateWithTheExactSolver() {
        int size = card.sampleSize();
        List<Row> stored = new java.util.ArrayList<>();
        for (int k = 0; k < 2; k++) {
            float[] pair = new float[2 * size];
            SeededNoise.fill(20 + k, SeededNoise.LATENT_STREAM, pair, 0, size);
            for (int i = 0; i < size; i++) {
                // the second point a little off the first, as a pair's is
                pair[size + i] = 0.9f * pair[i];
            }
            stored.add(org.apache.spark.sql.RowFactory.create("pair-" + k, pair, new int[] {2, 3, 8, 8}, 1));
        }
        stored.add(org.apache.spark.sql.RowFactory.create("single", SeededNoise.latent(30, size), new int[] {3, 8, 8}, 1));
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("id", "string").add("latent", "array<float>").add("latent_shape", "array<int>")
                .add("class_label", "int");
        String from = tmp.resolve("pairs").toString();
        spark.createDataFrame(stored, schema).coalesce(1).write().parquet(from);
        SamplerOptions sampler = SamplerOptions.builder().setSteps(6).build();
        SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("pairs-sampled").toString()).optFromLatents(from).optSampler(sampler).build(), card);
        RunReport report = InterpolateJob.run(spark, InterpolateJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("pair-frames").toString()).optFrom(from).addPair("pair-0", "pair-1")
                .addPair("pair-0", "single").optFrames(3).optSampler(sampler).build(), card);
        assertEquals(3, report.ok());
        Map<String, Row> sampled = byId("pairs-sampled");
        Map<String, Row> frames = byId("pair-frames");
        assertImage(sampled.get("pair-0"), frames.get("p0-f0"));
        assertImage(sampled.get("pair-1"), frames.get("p0-f2"));
        Row middle = frames.get("p0-f1");
        assertEquals(List.of(2, 3, 8, 8), middle.getList(middle.fieldIndex("latent_shape")));
        assertTrue(((String) middle.getAs("sampler")).endsWith("solver=exact"));
        float[] expected = Slerp.betweenPairs(floats(stored.get(0)), floats(stored.get(1)), 0.5);
        List<Object> latent = middle.getList(middle.fieldIndex("latent"));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], (Float) latent.get(i));
        }
        assertEquals("end points differ: pair-0 is an exact inversion's pair, single a single x_T",
                frames.get("p1-f1").getAs("error"));
    }

    private static float[] floats(Row row) {
        return (float[]) row.get(1);
    }

    @Test
    void optionsAreCheckedBeforeSpark() {
        assertEquals("'x' is not a seed (ids of stored latents need --from)", assertThrows(IllegalArgumentException.class,
                () -> InterpolateJobOptions.builder().setModel("m").setOutput("o").addPair("1", "x").build()).getMessage());
        assertEquals("--frames must be in 2..10000, got 1", assertThrows(IllegalArgumentException.class,
                () -> InterpolateJobOptions.builder().setModel("m").setOutput("o").addPair("1", "2").optFrames(1).build())
                .getMessage());
        assertEquals("give --seeds A,B or --pairs FILE", assertThrows(IllegalArgumentException.class,
                () -> InterpolateJobOptions.builder().setModel("m").setOutput("o").build()).getMessage());
    }

    private static void assertImage(Row expected, Row actual) {
        assertArrayEquals((byte[]) expected.getStruct(expected.fieldIndex("image")).getAs("bytes"),
                (byte[]) actual.getStruct(actual.fieldIndex("image")).getAs("bytes"), actual.<String>getAs("id"));
        assertEquals(expected.getList(expected.fieldIndex("latent")), actual.getList(actual.fieldIndex("latent")));
    }

    private static Map<String, Row> byId(String output) {
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(tmp.resolve(output).toString()).collectAsList()) {
            rows.put(r.getAs("id"), r);
        }
        return rows;
    }
}
