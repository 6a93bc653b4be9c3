package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.ddimspark.sampling.DdimSampler;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.testing.GaussianDenoiser;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.RelativeError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sample --requests}: a table of requests (Parquet, CSV, JSON lines) on local[2] with the closed-form
 * class-conditional model, its rows against the rows of seed jobs with the same settings, byte for byte.
 */
class RequestTableTest {

    private static final StructType REQUESTS = new StructType()
            .add("id", DataTypes.StringType).add("seed", DataTypes.LongType).add("class_label", DataTypes.IntegerType)
            .add("guidance", DataTypes.DoubleType).add("steps", DataTypes.IntegerType).add("eta", DataTypes.DoubleType)
            .add("prompt", DataTypes.StringType);
    private static final SamplerOptions SAMPLER = SamplerOptions.builder().setSteps(6).optEta(0.5).build();

    private static SparkSession spark;
    private static ModelCard card;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("RequestTableTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        card = ModelCard.load(Models.dir("gaussian-x0-cond"));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static SampleJobOptions.Builder options(String output) {
        return SampleJobOptions.builder().setModel(Models.dir("gaussian-x0-cond").toString())
                .setOutput(tmp.resolve(output).toString()).optSampler(SAMPLER);
    }

    private static String parquet(String name, List<Row> rows) {
        String uri = tmp.resolve(name).toString();
        spark.createDataFrame(rows, REQUESTS).coalesce(1).write().parquet(uri);
        return uri;
    }

    private static Map<String, Row> byId(String output) {
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(tmp.resolve(output).toString()).collectAsList()) {
            rows.put(r.getAs("id"), r);
        }
        return rows;
    }

    private static byte[] image(Row r) {
        return r.<Row>getAs("image").getAs("bytes");
    }

    /** The one row of a seed job of one seed and class with these sampler settings. */
    private static Row seedJobRow(String output, long seed, int classLabel, SamplerOptions sampler) {
        SampleJob.run(spark, options(output).optCount(1).optSeedStart(seed).optClassMode(ClassMode.fixed(classLabel))
                .optSampler(sampler).build(), card);
        return byId(output).values().iterator().next();
    }

    @Test
    void eachRequestIsTheSeedJobsRowWithItsOwnSettings() {
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create("a", 10L, 0, null, null, null, "a coat"));
        rows.add(RowFactory.create("b", 11L, 1, null, 3, null, null));
        rows.add(RowFactory.create("c", 12L, 2, 1.0, null, 0.0, null));
        rows.add(RowFactory.create("no-class", 13L, null, null, null, null, null));
        rows.add(RowFactory.create("bad-class", 14L, 99, null, null, null, null));
        rows.add(RowFactory.create("bad-steps", 15L, 1, null, 0, null, null));
        rows.add(RowFactory.create("bad-eta", 16L, 1, null, null, 1.5, null));
        rows.add(RowFactory.create("guided-without-class", 17L, null, 3.0, null, null, null));
        rows.add(RowFactory.create("no-seed", null, 1, null, null, null, null));
        String table = parquet("requests.parquet", rows);
        RunReport report = SampleJob.run(spark, options("from-table").optRequests(table).optBatchSize(3).build(), card);

        assertEquals(9, report.rows());
        assertEquals(5, report.ok());
        assertEquals(table, report.settings().get("requests"));
        assertEquals(List.of("prompt"), report.settings().get("ignored_columns"));
        Map<String, Row> out = byId("from-table");
        // the job's settings, and each row's own: the same bytes as a seed job with those settings
        assertArrayEquals(image(seedJobRow("seed-a", 10, 0, SAMPLER)), image(out.get("a")));
        Row b = seedJobRow("seed-b", 11, 1, SAMPLER.toBuilder().setSteps(3).build());
        assertArrayEquals(image(b), image(out.get("b")));
        assertEquals(3, (int) out.get("b").getAs("steps"));
        assertEquals(b.<String>getAs("sampler"), out.get("b").getAs("sampler"));
        Row c = seedJobRow("seed-c", 12, 2, SAMPLER.toBuilder().optGuidance(1.0).optEta(0.0).build());
        assertArrayEquals(image(c), image(out.get("c")));
        assertEquals(1.0, (double) out.get("c").getAs("guidance"));
        assertEquals(0.0, (double) out.get("c").getAs("eta"));
        assertNull(out.get("no-class").getAs("class_label"));
        assertEquals("ok", out.get("no-class").getAs("status"));
        // a row without a seed draws from its id's seed, as stored latents do
        assertEquals(SampleRows.seedOf("no-seed"), (long) out.get("no-seed").getAs("seed"));
        assertEquals("ok", out.get("no-seed").getAs("status"));

        // what does not fit the model is an error row that names the column, with the row's id
        assertEquals("class_label is outside the model's classes: 99, not in 0..2", out.get("bad-class").getAs("error"));
        assertEquals("column 'steps' must be at least 1, got 0", out.get("bad-steps").getAs("error"));
        assertEquals("column 'eta' must be in [0, 1], got 1.5", out.get("bad-eta").getAs("error"));
        assertTrue(out.get("guided-without-class").<String>getAs("error").startsWith("column 'guidance' needs a class"));
        for (String id : List.of("bad-class", "bad-steps", "bad-eta", "guided-without-class")) {
            assertEquals("error", out.get(id).getAs("status"), id);
            assertNull(out.get(id).getAs("image"), id);
        }
        // the report lists the settings the rows were sampled with
        assertTrue(report.settings().get("sampler") instanceof List<?> used && used.size() == 4, report.toJson());
    }

    @Test
    void csvAndJsonLinesGiveTheRowsOfParquet() throws IOException {
        List<Row> rows = List.of(RowFactory.create("x", 20L, 2, null, 4, null, null),
                RowFactory.create("y", 21L, null, null, null, null, null));
        String table = parquet("small.parquet", rows);
        Path csv = tmp.resolve("small.csv");
        Files.writeString(csv, "id,seed,class_label,steps,note\nx,20,2,4,first\ny,21,,,second\nz,22,1,ten,third\n");
        Path json = tmp.resolve("small.jsonl");
        Files.writeString(json, "{\"id\": \"x\", \"seed\": 20, \"class_label\": 2, \"steps\": 4}\n"
                + "{\"id\": \"y\", \"seed\": 21}\n");
        SampleJob.run(spark, options("small-parquet").optRequests(table).build(), card);
        RunReport fromCsv = SampleJob.run(spark, options("small-csv").optRequests(csv.toString()).build(), card);
        SampleJob.run(spark, options("small-json").optRequests(json.toString()).build(), card);
        Map<String, Row> expected = byId("small-parquet");
        for (String output : List.of("small-csv", "small-json")) {
            Map<String, Row> actual = byId(output);
            for (String id : List.of("x", "y")) {
                assertArrayEquals(image(expected.get(id)), image(actual.get(id)), output + " " + id);
                assertEquals(expected.get(id).<String>getAs("sampler"), actual.get(id).getAs("sampler"), output + " " + id);
            }
        }
        // a value that is not of its column's type is an error row naming the column, not a default
        assertEquals("column 'steps' has a value of the wrong type", byId("small-csv").get("z").getAs("error"));
        assertEquals(List.of("note"), fromCsv.settings().get("ignored_columns"));
    }

    @Test
    void aTableGivesItsOwnLatents() {
        Row seeded = seedJobRow("seed-latent", 30, 2, SAMPLER);
        StructType schema = new StructType().add("id", DataTypes.StringType)
                .add("latent", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("latent_shape", DataTypes.createArrayType(DataTypes.IntegerType))
                .add("seed", DataTypes.LongType).add("class_label", DataTypes.IntegerType);
        List<Object> latent = new ArrayList<>(seeded.<Float>getList(seeded.fieldIndex("latent")).stream()
                .map(Float::doubleValue).toList());
        List<Row> rows = List.of(RowFactory.create("given", latent, List.of(3, 8, 8), 30L, 2),
                RowFactory.create("short", latent.subList(0, 10), List.of(3, 8, 8), 31L, 2));
        String table = tmp.resolve("latents.parquet").toString();
        spark.createDataFrame(rows, schema).write().parquet(table);
        SampleJob.run(spark, options("given-latents").optRequests(table).build(), card);
        Map<String, Row> out = byId("given-latents");
        assertArrayEquals(image(seeded), image(out.get("given")));
        assertEquals("latent has the wrong length: 10 values, latent_shape [3, 8, 8] needs 192",
                out.get("short").getAs("error"));
    }

    /**
     * An embedding-conditioned model: a row's own {@code cond}, or a {@code cond_key} into --embeddings (here the
     * model's own table), gives the bytes of the class whose embedding it is.
     */
    @Test
    void aRowsOwnEmbeddingOrKeyGivesTheBytesOfItsClass() throws IOException {
        Path model = Models.dir("gaussian-embedding");
        ModelCard conditioned = ModelCard.load(model);
        String class1 = Files.readAllLines(model.resolve("embeddings.jsonl")).get(1);
        String cond = class1.substring(class1.indexOf("\"cond\""));  // "cond": [...], "cond_shape": [1, 64]}
        Path table = tmp.resolve("conditioned.jsonl");
        Files.write(table, List.of("{\"id\": \"class\", \"seed\": 7, \"class_label\": 1}",
                "{\"id\": \"own\", \"seed\": 7, " + cond,
                "{\"id\": \"keyed\", \"seed\": 7, \"cond_key\": \"class-1\"}",
                "{\"id\": \"unknown-key\", \"seed\": 7, \"cond_key\": \"class-9\"}",
                "{\"id\": \"both\", \"seed\": 7, \"class_label\": 1, " + cond,
                "{\"id\": \"short\", \"seed\": 7, \"cond\": [0.5, 0.5], \"cond_shape\": [1, 2]}"));
        String embeddings = model.resolve("embeddings.jsonl").toString();
        RunReport report = SampleJob.run(spark, SampleJobOptions.builder().setModel(model.toString())
                .setOutput(tmp.resolve("conditioned").toString()).optSampler(SAMPLER).optRequests(table.toString())
                .optEmbeddings(embeddings).build(), conditioned);
        assertEquals(3, report.ok());
        Map<String, Row> out = byId("conditioned");
        for (String id : List.of("own", "keyed")) {
            assertArrayEquals(image(out.get("class")), image(out.get(id)), id);
            assertNull(out.get(id).getAs("class_label"), id);
            assertEquals(out.get("class").<String>getAs("sampler"), out.get(id).getAs("sampler"), id);
        }
        assertEquals("cond_key 'class-9' is not in --embeddings " + embeddings, out.get("unknown-key").getAs("error"));
        assertTrue(out.get("both").<String>getAs("error").startsWith("columns 'class_label' and 'cond' exclude each other"));
        assertEquals("column 'cond_shape' does not match the model: [1, 2], conditioning.shape [1, 64]",
                out.get("short").getAs("error"));
        // a model that takes class ids has no use for an embedding
        Path plain = tmp.resolve("cond-for-classes.jsonl");
        Files.write(plain, List.of("{\"id\": \"own\", \"seed\": 7, " + cond));
        SampleJob.run(spark, options("cond-for-classes").optRequests(plain.toString()).build(), card);
        assertEquals("column 'cond' needs an embedding-conditioned model; 'gaussian-x0-cond' takes class ids",
                byId("cond-for-classes").get("own").getAs("error"));
        // a cond_key needs the table it points into
        assertEquals("--requests " + table + " has a 'cond_key' column: give the table of embeddings it points into with"
                + " --embeddings", assertThrows(IllegalArgumentException.class, () -> SampleJob.run(spark,
                SampleJobOptions.builder().setModel(model.toString()).setOutput(tmp.resolve("no-table").toString())
                        .optRequests(table.toString()).build(), conditioned)).getMessage());
    }

    /** A model that also takes a pooled vector: a row's own pooled values, checked against the card's size. */
    @Test
    void aRowsPooledVectorReachesTheNetwork() throws IOException {
        Path model = Models.dir("gaussian-pooled");
        ModelCard pooled = ModelCard.load(model);
        String class1 = Files.readAllLines(model.resolve("embeddings.jsonl")).get(1);
        String cond = class1.substring(class1.indexOf("\"cond\""), class1.indexOf(", \"pooled\""));
        Path table = tmp.resolve("pooled.jsonl");
        Files.write(table, List.of("{\"id\": \"class\", \"seed\": 8, \"class_label\": 1}",
                "{\"id\": \"same\", \"seed\": 8, " + cond + ", \"pooled\": [0.25, -0.25]}",
                "{\"id\": \"shifted\", \"seed\": 8, " + cond + ", \"pooled\": [0.5, 0.0]}",
                "{\"id\": \"no-pooled\", \"seed\": 8, " + cond + "}"));
        SamplerOptions sampler = SAMPLER.toBuilder().optEta(0.0).build();
        SampleJob.run(spark, SampleJobOptions.builder().setModel(model.toString()).setOutput(tmp.resolve("pooled").toString())
                .optSampler(sampler).optSaveSample(true).optRequests(table.toString()).build(), pooled);
        Map<String, Row> out = byId("pooled");
        assertArrayEquals(image(out.get("class")), image(out.get("same")));
        assertEquals("column 'pooled' must hold 2 values (conditioning.pooled), got 0", out.get("no-pooled").getAs("error"));
        // pooled summing to 0.5 moves class 1's mean by 0.5: the Java closed form with that mean
        double[][] means = GaussianDenoiser.sineMeans(pooled, 0.8);
        for (int i = 0; i < means[1].length; i++) {
            means[1][i] += 0.5;
        }
        float[] expected = new DdimSampler(new GaussianDenoiser(pooled, means, 0.5), sampler.resolve(pooled, true))
                .sample(SeededNoise.latent(8, 64), new long[] {8}, new int[] {1}).samples();
        Row shifted = out.get("shifted");
        List<Float> actual = shifted.getList(shifted.fieldIndex("sample"));
        float[] values = new float[actual.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = actual.get(i);
        }
        assertTrue(RelativeError.of(values, expected) < 1e-5, "pooled [0.5, 0] against the closed form");
        // a model without a pooled input refuses one
        Path plain = tmp.resolve("pooled-for-embedding.jsonl");
        Files.write(plain, List.of("{\"id\": \"p\", \"seed\": 8, " + cond + ", \"pooled\": [0.25, -0.25]}"));
        SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir("gaussian-embedding").toString())
                .setOutput(tmp.resolve("pooled-for-embedding").toString()).optSampler(SAMPLER)
                .optRequests(plain.toString()).build(), ModelCard.load(Models.dir("gaussian-embedding")));
        assertEquals("column 'pooled' given to a model that takes no pooled vector",
                byId("pooled-for-embedding").get("p").getAs("error"));
    }

    @Test
    void repeatedOrMissingIdsFailBeforeAnythingIsSampled() {
        String repeated = parquet("repeated.parquet", List.of(RowFactory.create("a", 1L, 0, null, null, null, null),
                RowFactory.create("b", 2L, 0, null, null, null, null), RowFactory.create("a", 3L, 0, null, null, null, null)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SampleJob.run(spark, options("repeated-out").optRequests(repeated).build(), card));
        assertEquals("--requests " + repeated + ": id 'a' names 2 rows (1 id(s) repeat); ids must be unique", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("repeated-out")));
        String missing = parquet("missing.parquet", List.of(RowFactory.create(null, 1L, 0, null, null, null, null),
                RowFactory.create("b", 2L, 0, null, null, null, null)));
        e = assertThrows(IllegalArgumentException.class,
                () -> SampleJob.run(spark, options("missing-out").optRequests(missing).build(), card));
        assertEquals("--requests " + missing + ": 1 row(s) have no id; every request needs an id of its own", e.getMessage());
        String noId = tmp.resolve("no-id.jsonl").toString();
        e = assertThrows(IllegalArgumentException.class, () -> {
            Files.writeString(Path.of(noId), "{\"seed\": 1}\n");
            SampleJob.run(spark, options("no-id-out").optRequests(noId).build(), card);
        });
        assertEquals("--requests " + noId + " has no 'id' column", e.getMessage());
    }

    @Test
    void resumeSamplesOnlyTheRequestsTheOutputLacks() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(RowFactory.create("r" + i, 100L + i, i % 3, null, i % 2 == 0 ? null : 2 + i, null, null));
        }
        String firstFour = parquet("first-four.parquet", rows.subList(0, 4));
        String all = parquet("all-six.parquet", rows);
        SampleJob.run(spark, options("resumed").optRequests(firstFour).build(), card);
        Map<String, Row> before = byId("resumed");
        RunReport resumed = SampleJob.run(spark, options("resumed").optRequests(all).optResume(true).build(), card);
        assertEquals(4L, resumed.settings().get("rows_kept"));
        assertEquals(2, resumed.made());
        Map<String, Row> after = byId("resumed");
        assertEquals(6, after.size());
        assertEquals(6, spark.read().parquet(tmp.resolve("resumed").toString()).count());
        for (String id : before.keySet()) {
            assertArrayEquals(image(before.get(id)), image(after.get(id)), id);
        }
        // the same table in three waves of about two requests, each committed before the next
        RunReport inWaves = SampleJob.run(spark, options("in-one-go").optRequests(all).optWaveSize(2).build(), card);
        assertEquals(3, inWaves.settings().get("waves"));
        Map<String, Row> inOneGo = byId("in-one-go");
        assertEquals(6, inOneGo.size());
        for (String id : inOneGo.keySet()) {
            assertArrayEquals(image(inOneGo.get(id)), image(after.get(id)), id);
        }
    }
}
