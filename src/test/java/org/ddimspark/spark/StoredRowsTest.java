package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.testing.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crafted Parquet of stored latents: what does not fit the model becomes error rows, the rest is sampled. */
class StoredRowsTest {

    private static final String MODEL = "gaussian-x0-cond"; // [3, 8, 8], 3 classes
    private static SparkSession spark;
    private static ModelCard card;
    private static String stored;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("StoredRowsTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        card = ModelCard.load(Models.dir(MODEL));
        StructType schema = new StructType()
                .add("id", DataTypes.StringType)
                .add("latent", DataTypes.createArrayType(DataTypes.FloatType, true))
                .add("latent_shape", DataTypes.createArrayType(DataTypes.IntegerType, true))
                .add("seed", DataTypes.LongType)
                .add("class_label", DataTypes.IntegerType);
        int size = card.sampleSize();
        List<Row> rows = new ArrayList<>();
        rows.add(row("good", latent(size, 1), 5L, 2));
        rows.add(row("good-unconditional", latent(size, 2), 6L, null));
        Float[] withNull = latent(size, 3);
        withNull[7] = null;
        rows.add(row("null-element", withNull, 7L, 1));
        rows.add(row("short", Arrays.copyOf(latent(size, 4), size - 1), 8L, 1));
        Float[] nan = latent(size, 5);
        nan[0] = Float.NaN;
        rows.add(row("nan", nan, 9L, 1));
        rows.add(row("negative-class", latent(size, 6), 10L, -1));
        rows.add(row("class-out-of-range", latent(size, 7), 11L, 3));
        rows.add(RowFactory.create("no-shape", latent(size, 8), null, 12L, 0));
        rows.add(RowFactory.create("shape-with-null", latent(size, 9), new Integer[] {3, null, 8}, 13L, 0));
        rows.add(row("no-latent", null, 14L, 0));
        // an exact inversion's pair [2, C, H, W]; one that holds a single x_T; a shape of three
        Float[] pair = Arrays.copyOf(latent(size, 15), 2 * size);
        System.arraycopy(latent(size, 16), 0, pair, size, size);
        rows.add(RowFactory.create("pair", pair, new Integer[] {2, 3, 8, 8}, 15L, 1));
        rows.add(RowFactory.create("pair-short", latent(size, 17), new Integer[] {2, 3, 8, 8}, 16L, 1));
        rows.add(RowFactory.create("triple", latent(size, 18), new Integer[] {3, 3, 8, 8}, 17L, 1));
        stored = tmp.resolve("stored").toString();
        spark.createDataFrame(rows, schema).write().parquet(stored);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Row row(String id, Float[] latent, Long seed, Integer classLabel) {
        return RowFactory.create(id, latent, new Integer[] {3, 8, 8}, seed, classLabel);
    }

    private static Float[] latent(int size, long seed) {
        float[] values = SeededNoise.latent(seed, size);
        Float[] boxed = new Float[size];
        for (int i = 0; i < size; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    @Test
    void fromLatentsTurnsWhatDoesNotFitIntoErrorRowsAndSamplesTheRest() {
        RunReport report = SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("sampled").toString()).optFromLatents(stored)
                .optSampler(SamplerOptions.builder().setSteps(3).build()).optBatchSize(4).build(), card);
        assertEquals(13, report.rows());
        assertEquals(3, report.ok());
        Map<String, Long> expected = new HashMap<>();
        expected.put("latent has a null element", 1L);
        expected.put("latent has the wrong length", 2L);
        expected.put("latent is not finite", 1L);
        expected.put("class_label is outside the model's classes", 2L);
        expected.put("latent_shape does not match the model", 3L);
        expected.put("input row has no latent", 1L);
        assertEquals(expected, report.errors());
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(tmp.resolve("sampled").toString()).collectAsList()) {
            rows.put(r.getAs("id"), r);
        }
        assertEquals(2, (int) rows.get("good").getAs("class_label"));
        assertNull(rows.get("good-unconditional").getAs("class_label"));
        assertEquals("class_label is outside the model's classes: -1, not in 0..2", rows.get("negative-class").getAs("error"));
        assertNull(rows.get("negative-class").getAs("image"), "never sampled silently without its class");
        assertEquals(card.sampleSize(), rows.get("negative-class").getList(rows.get("negative-class").fieldIndex("latent")).size(),
                "a usable latent is kept on its error row");
        assertEquals("latent has the wrong length: 191 values, latent_shape [3, 8, 8] needs 192",
                rows.get("short").getAs("error"));
        assertEquals("latent has the wrong length: 192 values, latent_shape [2, 3, 8, 8] needs 384",
                rows.get("pair-short").getAs("error"));
        assertEquals("latent_shape does not match the model: [3, 3, 8, 8], sample_shape [3, 8, 8] (or [2, ...] for an"
                + " exact inversion's pair)", rows.get("triple").getAs("error"));
        Row pair = rows.get("pair");
        assertEquals("ok", pair.getAs("status"));
        assertEquals(List.of(2, 3, 8, 8), pair.getList(pair.fieldIndex("latent_shape")));
        assertTrue(((String) pair.getAs("sampler")).endsWith("solver=exact"), (String) pair.getAs("sampler"));

        // an id that names two stored rows: one error row, every output id unique
        String twice = tmp.resolve("twice-latents").toString();
        spark.read().parquet(stored).union(spark.read().parquet(stored).where("id = 'good'")).write().parquet(twice);
        RunReport dup = SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("sampled-twice").toString()).optFromLatents(twice)
                .optSampler(SamplerOptions.builder().setSteps(3).build()).build(), card);
        assertEquals(13, dup.rows());
        assertEquals(1L, dup.errors().get("id names several rows of --from-latents"));
        assertEquals(13, spark.read().parquet(tmp.resolve("sampled-twice").toString()).select("id").distinct().count());
    }

    @Test
    void interpolationFromABadStoredRowGivesErrorFramesAndTheOtherPairsGoOn() {
        RunReport report = InterpolateJob.run(spark, InterpolateJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("frames").toString()).optFrom(stored).addPair("good", "short")
                .addPair("good", "negative-class").addPair("good", "good-unconditional").optFrames(3)
                .optSampler(SamplerOptions.builder().setSteps(3).build()).build(), card);
        assertEquals(9, report.rows());
        assertEquals(3, report.ok());
        assertEquals(Map.of("latent has the wrong length", 3L, "class_label is outside the model's classes", 3L),
                report.errors());
        Row frame = spark.read().parquet(tmp.resolve("frames").toString()).where("id = 'p0-f1'").first();
        assertEquals("latent has the wrong length: 191 values, latent_shape [3, 8, 8] needs 192 (end point short)",
                frame.getAs("error"));

        // an id that names two rows: its frames are error rows, once each; the other pair goes on
        String twice = tmp.resolve("twice").toString();
        spark.read().parquet(stored).where("id = 'good'").union(spark.read().parquet(stored).where("id like 'good%'"))
                .write().parquet(twice);
        RunReport dup = InterpolateJob.run(spark, InterpolateJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("frames-twice").toString()).optFrom(twice).addPair("good", "good-unconditional")
                .addPair("good-unconditional", "good-unconditional").optFrames(3)
                .optSampler(SamplerOptions.builder().setSteps(3).build()).build(), card);
        assertEquals(6, dup.rows());
        assertEquals(Map.of("id names several rows of --from", 3L), dup.errors());
    }
}
