package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.export.NpyWriter;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.testing.ImageFiles;
import org.ddimspark.testing.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export of sample and inversion outputs: PNG bytes, metadata.csv and latents.npy read back byte for byte. */
class ExportJobTest {

    private static SparkSession spark;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("ExportJobTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** A crafted Parquet: ids that point outside the output, or that share one file name. */
    @Test
    void idsThatLeaveTheOutputOrCollideGetNoFileAndAreReported() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("hostile"));
        byte[] png = ImageFiles.encode(ImageFiles.image("gray", 4, 4), "png");
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("id", "string").add("image", new org.apache.spark.sql.types.StructType()
                        .add("bytes", "binary").add("path", "string")).add("status", "string");
        List<String> ids = List.of("../../escaped", "/" + root.resolve("absolute"), "a", "a.png", "ok/b", "c:d",
                "dots/./x", "tab\tname");
        List<Row> rows = new java.util.ArrayList<>();
        for (String id : ids) {
            rows.add(org.apache.spark.sql.RowFactory.create(id, org.apache.spark.sql.RowFactory.create(png, id), "ok"));
        }
        String input = root.resolve("in/crafted").toString();
        spark.createDataFrame(rows, schema).write().parquet(input);
        Path out = root.resolve("in/../out/x/y");
        ExportJob.Summary summary = ExportJob.run(spark, input, out.toString(), false);

        assertEquals(8, summary.rows());
        assertEquals(1, summary.images());
        assertEquals(java.util.Map.of(ExportJob.UNSAFE_ID, 5L, ExportJob.SHARED_NAME, 2L), summary.skipped());
        try (var files = Files.walk(root)) {
            List<String> pngs = files.filter(p -> p.toString().endsWith(".png")).map(p -> root.relativize(p).toString())
                    .sorted().toList();
            assertEquals(List.of("out/x/y/ok/b.png"), pngs, "nothing outside the output, no shared name");
        }
        assertFalse(Files.exists(root.resolve("absolute.png")));
        List<String> metadata = Files.readAllLines(root.resolve("out/x/y/metadata.csv"));
        assertEquals(9, metadata.size());
        assertEquals(1, metadata.stream().filter(l -> l.startsWith("ok/b.png,")).count(), metadata.toString());
        assertEquals(7, metadata.stream().skip(1).filter(l -> l.startsWith(",")).count(), metadata.toString());
    }

    @Test
    void anOutputThatIsHoldsOrLiesInsideTheInputIsRefusedBeforeAnythingIsDeleted() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("nested"));
        String input = root.resolve("job/rows").toString();
        spark.range(3).selectExpr("cast(id as string) as id").write().parquet(input);
        for (Path output : List.of(root.resolve("job/rows"), root.resolve("job"), root, root.resolve("job/rows/export"))) {
            IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ExportJob.run(spark, input, output.toString(), true));
            assertEquals("--output " + output + " must not be, hold or lie inside --input " + input, refused.getMessage());
            assertEquals(3, spark.read().parquet(input).count(), "the input is still there");
        }
        // a sibling is fine
        assertEquals(3, ExportJob.run(spark, input, root.resolve("job/export").toString(), true).rows());
    }

    @Test
    void exportsASampleJobsImagesMetadataAndLatents() throws Exception {
        ModelCard card = ModelCard.load(Models.dir("gaussian-x0-cond"));
        String samples = tmp.resolve("samples").toString();
        SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir("gaussian-x0-cond").toString())
                .setOutput(samples).optCount(12).optSeedStart(95).optClassMode(ClassMode.all())
                .optSampler(SamplerOptions.builder().setSteps(4).build()).optPartitions(3).build(), card);
        Path out = tmp.resolve("exported");
        ExportJob.Summary summary = ExportJob.run(spark, samples, out.toString(), false);
        assertEquals(12, summary.rows());
        assertEquals(12, summary.images());
        assertArrayEquals(new int[] {12, 3, 8, 8}, summary.latentShape());

        List<Row> rows = spark.read().parquet(samples).orderBy("id").collectAsList();
        List<String> metadata = Files.readAllLines(out.resolve(ExportJob.METADATA));
        assertEquals("file_name,id,seed,class_label,steps,eta,guidance,spacing,sampler,model,status,error,latent_index",
                metadata.get(0));
        assertEquals(13, metadata.size());
        List<String> ids = Files.readAllLines(out.resolve(ExportJob.LATENT_IDS));
        byte[] npy = Files.readAllBytes(out.resolve(ExportJob.LATENTS));
        byte[] header = NpyWriter.header(12, 3, 8, 8);
        assertArrayEquals(header, java.util.Arrays.copyOf(npy, header.length));
        assertEquals(header.length + 12 * 192 * 4, npy.length);
        ByteBuffer values = ByteBuffer.wrap(npy, header.length, npy.length - header.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            String id = r.getAs("id");
            assertEquals(id, ids.get(i));
            assertArrayEquals((byte[]) r.getStruct(r.fieldIndex("image")).getAs("bytes"),
                    Files.readAllBytes(out.resolve(id + ".png")), id);
            assertTrue(metadata.get(i + 1).startsWith(id + ".png," + id + "," + r.getAs("seed") + ","
                    + r.getAs("class_label") + ",4,0.0,"), metadata.get(i + 1));
            assertTrue(metadata.get(i + 1).contains(",\"" + r.getAs("sampler") + "\","), "the sampler string is quoted");
            assertTrue(metadata.get(i + 1).endsWith(",ok,," + i), metadata.get(i + 1));
            for (Object v : r.getList(r.fieldIndex("latent"))) {
                assertEquals(Float.floatToRawIntBits((Float) v), values.getInt(), id);
            }
        }
        // NumPy itself reads the same array, where Debian's python3-numpy is installed
        File python = new File("/usr/bin/python3");
        Assumptions.assumeTrue(python.canExecute());
        Process p = new ProcessBuilder(python.getPath(), "-c", "import numpy, sys; a = numpy.load(sys.argv[1]); "
                + "print(a.dtype, a.shape, repr(float(a.astype('float64').sum())))", out.resolve(ExportJob.LATENTS).toString())
                .redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Assumptions.assumeFalse(printed.contains("No module named"), "no numpy: " + printed);
        double sum = 0;
        for (Row r : rows) {
            for (Object v : r.getList(r.fieldIndex("latent"))) {
                sum += (Float) v;
            }
        }
        assertTrue(printed.startsWith("float32 (12, 3, 8, 8) "), printed);
        assertEquals(sum, Double.parseDouble(printed.substring(printed.lastIndexOf(' ') + 1)), 1e-9 * Math.abs(sum) + 1e-9);
    }

    @Test
    void exportsAnInversionWithErrorRowsAndNoImages() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Files.write(images.resolve("a.png"), ImageFiles.encode(ImageFiles.image("gray", 16, 16), "png"));
        Files.write(images.resolve("b, the second.png"), ImageFiles.encode(ImageFiles.image("gray", 20, 16), "png"));
        Files.write(images.resolve("c.png"), "broken".getBytes(StandardCharsets.UTF_8));
        String inverted = tmp.resolve("inverted").toString();
        InvertJob.run(spark, InvertJobOptions.builder().setModel(Models.dir("gaussian-eps").toString())
                .setInput(images.toString()).setOutput(inverted)
                .optSampler(SamplerOptions.builder().setSteps(3).build()).build(), ModelCard.load(Models.dir("gaussian-eps")));
        Path out = tmp.resolve("inverted-export");
        ExportJob.Summary summary = ExportJob.run(spark, inverted, out.toString(), false);
        assertEquals(3, summary.rows());
        assertEquals(0, summary.images());
        assertArrayEquals(new int[] {2, 1, 16, 16}, summary.latentShape());
        List<String> metadata = Files.readAllLines(out.resolve(ExportJob.METADATA));
        assertEquals("file_name,id,source,steps,spacing,sampler,fit,max_pixels,model,reconstruction_mse,reconstruction_psnr,"
                + "round_trip_mse,round_trip_max_error,status,error,latent_index", metadata.get(0));
        assertTrue(metadata.get(1).startsWith(",a.png,"), metadata.get(1));
        assertTrue(metadata.get(1).endsWith(",ok,,0"), metadata.get(1));
        assertTrue(metadata.get(2).startsWith(",\"b, the second.png\","), metadata.get(2));
        assertTrue(metadata.get(2).endsWith(",ok,,1"), metadata.get(2));
        assertTrue(metadata.get(3).endsWith(",error,not an image: no PNG, JPEG, BMP or GIF signature,")
                || metadata.get(3).endsWith(",error,\"not an image: no PNG, JPEG, BMP or GIF signature\","), metadata.get(3));
        assertEquals(List.of("a.png", "b, the second.png"), Files.readAllLines(out.resolve(ExportJob.LATENT_IDS)));
        assertFalse(Files.exists(out.resolve("a.png")));

        // an existing folder is kept unless --overwrite
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ExportJob.run(spark, inverted, out.toString(), false));
        assertTrue(e.getMessage().endsWith("already exists (--overwrite replaces it)"), e.getMessage());
        assertEquals(3, ExportJob.run(spark, inverted, out.toString(), true).rows());
    }

    @Test
    void aForeignParquetIsRefused() throws IOException {
        String other = tmp.resolve("other").toString();
        spark.range(3).write().parquet(other);
        assertEquals(other + " has no string 'id' column: not the output of a ddim-spark job",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> ExportJob.run(spark, other, tmp.resolve("x").toString(), false)).getMessage());
    }
}
