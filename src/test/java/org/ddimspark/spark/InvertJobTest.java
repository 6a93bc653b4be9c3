package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.image.ImageDecoder;
import org.ddimspark.image.ImageFit;
import org.ddimspark.image.ModelSpace;
import org.ddimspark.image.PngCodec;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.DdimInverter;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.sampling.Solver;
import org.ddimspark.testing.GaussianDenoiser;
import org.ddimspark.testing.ImageFiles;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.RelativeError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The invert job on local[2] with a closed-form TorchScript model, real files, real Parquet. */
class InvertJobTest {

    private static final String MODEL = "gaussian-eps";
    private static SparkSession spark;
    private static ModelCard card;

    @TempDir
    static Path tmp;
    static Path input;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkSession.builder().master("local[2]").appName("InvertJobTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        card = ModelCard.load(Models.dir(MODEL));
        input = tmp.resolve("images");
        // good files: the model's size, other sizes and shapes, every format, a folder with a space
        write("gaussian-0.png", ImageFiles.encode(gaussianImage(0), "png"));
        write("gaussian-1.png", ImageFiles.encode(gaussianImage(1), "png"));
        write("more/rgb.bmp", ImageFiles.encode(ImageFiles.image("rgb", 20, 17), "bmp"));
        write("more/wide.gif", ImageFiles.encode(ImageFiles.image("palette", 31, 9), "gif"));
        write("more/tall.jpg", ImageFiles.encode(ImageFiles.image("rgb", 11, 40), "jpeg"));
        write("with space/deep16.png", ImageFiles.encode(ImageFiles.image("gray16", 16, 16), "png"));
        // bad files
        write("bad/empty.png", new byte[0]);
        byte[] png = ImageFiles.encode(ImageFiles.image("gray", 64, 64), "png");
        write("bad/truncated.png", Arrays.copyOf(png, png.length / 2));
        write("bad/notes.png", "not an image\n".getBytes());
        write("bad/bomb.png", ImageFiles.pngHeaderOnly(100_000, 100_000));
        write("bad/scan.tif", ImageFiles.encode(ImageFiles.image("gray", 16, 16), "tiff"));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void invertsGoodFilesExactlyAndTurnsEachBadFileIntoItsErrorRow() throws Exception {
        SamplerOptions sampler = SamplerOptions.builder().setSteps(20).build();
        InvertJobOptions options = InvertJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setInput(input.toString()).setOutput(tmp.resolve("p2b3").toString()).optSampler(sampler)
                .optReconstruct(true).optPartitions(2).optBatchSize(3).build();
        RunReport report = InvertJob.run(spark, options, card);
        assertEquals(11, report.rows());
        assertEquals(6, report.ok());
        assertEquals(Map.of("empty file", 1L, "truncated or corrupt image", 1L, "not an image", 1L,
                "too many pixels", 1L, "unsupported image format", 1L), report.errors());
        assertTrue(report.metrics().containsKey("mean_reconstruction_mse"));

        Map<String, Row> rows = byId("p2b3");
        assertEquals("empty file", rows.get("bad/empty.png").getAs("error"));
        assertEquals("not an image: no PNG, JPEG, BMP or GIF signature", rows.get("bad/notes.png").getAs("error"));
        assertEquals("too many pixels: 100000x100000 = 10000000000, above --max-pixels 16777216",
                rows.get("bad/bomb.png").getAs("error"));
        assertEquals("unsupported image format: TIF (takes PNG, JPEG, BMP, GIF)", rows.get("bad/scan.tif").getAs("error"));
        assertTrue(((String) rows.get("bad/truncated.png").getAs("error")).startsWith("truncated or corrupt image: "));
        for (String bad : List.of("bad/empty.png", "bad/truncated.png", "bad/notes.png", "bad/bomb.png", "bad/scan.tif")) {
            Row r = rows.get(bad);
            assertEquals("error", r.getAs("status"));
            assertNull(r.getAs("latent"));
            assertNull(r.getAs("image"));
            assertTrue(((String) r.getAs("source")).endsWith(bad.replace(" ", "%20")) || ((String) r.getAs("source")).endsWith(bad));
        }

        // good rows: the latent of an independent Java inversion of the same pixels, and the reconstruction measured
        GaussianDenoiser reference = new GaussianDenoiser(card, GaussianDenoiser.sineMeans(card, 0.8), 0.5);
        DdimInverter inverter = new DdimInverter(reference, sampler);
        int size = card.sampleSize();
        for (String id : List.of("gaussian-0.png", "gaussian-1.png", "more/rgb.bmp", "more/wide.gif", "more/tall.jpg",
                "with space/deep16.png")) {
            Row r = rows.get(id);
            assertEquals("ok", r.getAs("status"), id + ": " + r.getAs("error"));
            float[] pixels = new float[size];
            BufferedImage image = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(Files.readAllBytes(input.resolve(id)));
            ModelSpace.fromImage(image, card.sampleShape(), card.valueRange(), ImageFit.CENTER_CROP, pixels, 0);
            BatchResult expected = inverter.invert(pixels, null);
            float[] latent = floats(r.getList(r.fieldIndex("latent")));
            assertTrue(RelativeError.of(latent, 0, toDouble(expected.samples())) < 1e-5, id);
            assertEquals(List.of(1, 16, 16), r.getList(r.fieldIndex("latent_shape")));
            assertEquals(20, (int) r.getAs("steps"));

            Row png = r.getStruct(r.fieldIndex("image"));
            assertEquals(id.endsWith(".png") ? id : id + ".png", png.getAs("path"));
            BufferedImage reconstruction = PngCodec.decode(png.getAs("bytes"));
            double sum = 0;
            for (int i = 0; i < size; i++) {
                double d = reconstruction.getRaster().getSample(i % 16, i / 16, 0) / 255.0 - (pixels[i] + 1.0) / 2.0;
                sum += d * d;
            }
            double mse = r.getAs("reconstruction_mse");
            assertEquals(sum / size, mse, 1e-6 * mse); // the input in float here, in double in the job
            assertEquals(-10 * Math.log10(mse), (double) r.getAs("reconstruction_psnr"), 1e-9);
            assertTrue(mse < 0.01, id + " reconstruction mse " + mse);
        }

        // the contact sheet: the 6 inputs beside their reconstructions, 8 tiles a row
        BufferedImage sheet = PngCodec.decode(Files.readAllBytes(tmp.resolve("p2b3").resolve("_contact_sheet.png")));
        int tile = (sheet.getWidth() - 2) / 8 - 2; // 8 columns of tile + gap 2, plus a gap
        assertTrue(tile >= 56, "tile " + tile);
        assertEquals(2 * (tile + 14 + 2) + 2, sheet.getHeight(), "two rows of 12 tiles (label 14, gap 2)");

        // the same files in one partition, one image per forward, in waves of 4: the same latents and PNG bytes
        RunReport waves = InvertJob.run(spark, InvertJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setInput(input.toString()).setOutput(tmp.resolve("p1b1").toString()).optSampler(sampler)
                .optReconstruct(true).optPartitions(1).optBatchSize(1).optWaveSize(4).build(), card);
        assertTrue((int) waves.settings().get("waves") > 1, waves.toJson());
        assertEquals(rows.size(), waves.made(), "every file once, the empty ones in the first wave");
        Map<String, Row> again = byId("p1b1");
        assertEquals(rows.keySet(), again.keySet());
        for (String id : rows.keySet()) {
            Row a = rows.get(id);
            Row b = again.get(id);
            assertEquals(a.<Object>getAs("error"), b.getAs("error"));
            if (a.getAs("latent") != null) {
                assertEquals(a.getList(a.fieldIndex("latent")), b.getList(b.fieldIndex("latent")), id);
                assertArrayEquals((byte[]) a.getStruct(a.fieldIndex("image")).getAs("bytes"),
                        (byte[]) b.getStruct(b.fieldIndex("image")).getAs("bytes"), id);
            }
        }
    }

    /** Invert, then sample the stored latents: each image comes back as its reconstruction, byte for byte. */
    @Test
    void sampleFromLatentsGivesBackTheReconstruction() {
        SamplerOptions sampler = SamplerOptions.builder().setSteps(10).build();
        String inverted = tmp.resolve("inverted").toString();
        InvertJob.run(spark, InvertJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setInput(input.toString()).setOutput(inverted).optSampler(sampler).optReconstruct(true).build(), card);
        String resampled = tmp.resolve("resampled").toString();
        RunReport report = SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(resampled).optFromLatents(inverted).optSampler(sampler).optPartitions(3).optBatchSize(2)
                .build(), card);
        assertEquals(11, report.rows());
        assertEquals(Map.of("input row has no latent", 5L), report.errors());
        Map<String, Row> inversions = byId("inverted");
        Map<String, Row> samples = byId("resampled");
        assertEquals(inversions.keySet(), samples.keySet());
        for (Map.Entry<String, Row> e : inversions.entrySet()) {
            Row inversion = e.getValue();
            Row sample = samples.get(e.getKey());
            if (inversion.getAs("latent") == null) {
                assertEquals("input row has no latent", sample.getAs("error"));
                continue;
            }
            assertEquals("ok", sample.getAs("status"), e.getKey());
            assertEquals(inversion.getList(inversion.fieldIndex("latent")), sample.getList(sample.fieldIndex("latent")));
            assertArrayEquals((byte[]) inversion.getStruct(inversion.fieldIndex("image")).getAs("bytes"),
                    (byte[]) sample.getStruct(sample.fieldIndex("image")).getAs("bytes"), e.getKey());
            assertEquals(SampleRows.seedOf(e.getKey()), (long) sample.getAs("seed"));
            assertNull(sample.getAs("class_label"));
        }
    }

    /**
     * --inverter exact: each latent is the pair [2, C, H, W], the reconstruction is lossless (every 8-bit pixel,
     * MSE 0) and within 5e-5 in model space; sample --from-latents honours the pairs with the exact solver and gives
     * the same PNG bytes; an explicit other solver refuses each pair in one line; resume refuses another inverter.
     */
    @Test
    void exactInversionIsLosslessAndSampleFromLatentsHonoursIt() {
        SamplerOptions exact = SamplerOptions.builder().setSteps(10).optSolver(Solver.EXACT).build();
        String inverted = tmp.resolve("exact").toString();
        InvertJobOptions options = InvertJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setInput(input.toString()).setOutput(inverted).optSampler(exact).optReconstruct(true).build();
        RunReport report = InvertJob.run(spark, options, card);
        assertEquals(6L, report.ok());
        // the two images of the model's size come back pixel for pixel; the others were resized by --fit off the
        // 8-bit levels, and come back as their 8-bit rounding (MSE at most (0.5 / 255)^2, 54 dB)
        assertEquals(2L, ((Number) report.metrics().get("lossless_rows")).longValue(), () -> report.metrics().toString());
        assertTrue((double) report.metrics().get("max_round_trip_max_error") < 5e-5);
        Map<String, Row> inversions = byId("exact");
        for (Row r : inversions.values()) {
            if (r.getAs("latent") == null) {
                continue;
            }
            assertEquals(List.of(2, 1, 16, 16), r.getList(r.fieldIndex("latent_shape")));
            assertEquals(512, r.getList(r.fieldIndex("latent")).size());
            if (((String) r.getAs("id")).startsWith("gaussian-")) {
                assertEquals(0.0, (double) r.getAs("reconstruction_mse"), (String) r.getAs("id"));
                assertEquals(Double.POSITIVE_INFINITY, (double) r.getAs("reconstruction_psnr"));
            } else {
                assertTrue((double) r.getAs("reconstruction_psnr") > 54.0, (String) r.getAs("id"));
            }
            assertTrue((double) r.getAs("round_trip_mse") < 1e-11, "round trip mse " + r.getAs("round_trip_mse"));
            assertTrue(((String) r.getAs("sampler")).endsWith("solver=exact"), (String) r.getAs("sampler"));
        }
        // sample --from-latents with the default solver samples each pair with the exact one
        SamplerOptions plain = SamplerOptions.builder().setSteps(10).build();
        RunReport resampled = SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("exact-resampled").toString()).optFromLatents(inverted).optSampler(plain)
                .optBatchSize(4).build(), card);
        assertEquals(6L, resampled.ok());
        Map<String, Row> samples = byId("exact-resampled");
        for (Map.Entry<String, Row> e : inversions.entrySet()) {
            Row inversion = e.getValue();
            if (inversion.getAs("latent") == null) {
                continue;
            }
            Row sample = samples.get(e.getKey());
            assertEquals("ok", sample.getAs("status"), e.getKey());
            assertEquals(List.of(2, 1, 16, 16), sample.getList(sample.fieldIndex("latent_shape")));
            assertTrue(((String) sample.getAs("sampler")).endsWith("solver=exact"));
            assertArrayEquals((byte[]) inversion.getStruct(inversion.fieldIndex("image")).getAs("bytes"),
                    (byte[]) sample.getStruct(sample.fieldIndex("image")).getAs("bytes"), e.getKey());
        }
        // resuming it keeps every row: the exact solver the pairs were sampled with is the job's for them
        RunReport again = SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("exact-resampled").toString()).optFromLatents(inverted).optSampler(plain)
                .optResume(true).build(), card);
        assertEquals(0L, again.made());
        assertEquals(11L, again.rows());
        // a solver that was asked for and cannot sample a pair refuses it, row by row
        RunReport refused = SampleJob.run(spark, SampleJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setOutput(tmp.resolve("exact-refused").toString()).optFromLatents(inverted)
                .optSampler(plain.toBuilder().optSolver(Solver.DDIM).build()).build(), card);
        assertEquals(0L, refused.ok());
        assertEquals(6L, refused.errors().get("latent is an exact inversion's pair"));
        Row one = byId("exact-refused").get("gaussian-0.png");
        assertEquals("latent is an exact inversion's pair: latent_shape [2, 1, 16, 16] holds x_T and the next point,"
                + " which only --solver exact samples (--solver ddim was given)", one.getAs("error"));
        // resuming the exact output with the DDIM inverter is refused before anything runs
        assertThrows(IllegalArgumentException.class, () -> InvertJob.run(spark, options.toBuilder()
                .optSampler(plain).optResume(true).build(), card));
    }

    @Test
    void aGlobSelectsFilesAndIdsAreRelativeToItsFixedPart() {
        InvertJobOptions options = InvertJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setInput(input.resolve("more").toString() + "/*.{bmp,gif}").setOutput(tmp.resolve("glob").toString())
                .optSampler(SamplerOptions.builder().setSteps(5).build()).optFit(ImageFit.ERROR).build();
        RunReport report = InvertJob.run(spark, options, card);
        assertEquals(2, report.rows());
        assertEquals(2, report.settings().get("partitions"), "two small files still make two tasks on local[2]");
        Map<String, Row> rows = byId("glob");
        assertEquals(new TreeMap<>(Map.of("rgb.bmp", "wrong size: image is 20x17, the model takes 16x16 (--fit error)",
                "wide.gif", "wrong size: image is 31x9, the model takes 16x16 (--fit error)")),
                new TreeMap<>(Map.of("rgb.bmp", rows.get("rgb.bmp").getAs("error"), "wide.gif", rows.get("wide.gif").getAs("error"))));
        assertEquals(Map.of("wrong size", 2L), report.errors());
    }

    /** --retry-errors computes the error rows again and replaces them; ok rows are neither recomputed nor lost. */
    @Test
    void retryErrorsReplacesErrorRowsAndKeepsOkRows() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("retry"));
        for (int i = 0; i < 4; i++) {
            Files.write(folder.resolve("good-" + i + ".png"), ImageFiles.encode(gaussianImage(30 + i), "png"));
        }
        Files.writeString(folder.resolve("late.png"), "still uploading");
        String output = tmp.resolve("retry-out").toString();
        InvertJobOptions options = InvertJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setInput(folder.toString()).setOutput(output).optPartitions(2)
                .optSampler(SamplerOptions.builder().setSteps(4).build()).build();
        assertEquals(Map.of("not an image", 1L), InvertJob.run(spark, options, card).errors());
        Map<String, Row> before = byId("retry-out");

        // the file is complete now: a plain resume keeps its error row, --retry-errors replaces it
        Files.write(folder.resolve("late.png"), ImageFiles.encode(gaussianImage(40), "png"));
        RunReport resumed = InvertJob.run(spark, options.toBuilder().optResume(true).build(), card);
        assertEquals(Map.of("not an image", 1L), resumed.errors());
        assertEquals(0L, resumed.metrics().get("files_read"));
        RunReport retried = InvertJob.run(spark, options.toBuilder().optRetryErrors(true).build(), card);
        assertEquals(5, retried.rows(), "each id once");
        assertEquals(5, retried.ok());
        assertEquals(1L, retried.metrics().get("files_read"), "only the error row's file is read again");
        assertEquals(4L, retried.settings().get("rows_kept"));
        assertEquals(1L, retried.settings().get("rows_replaced"));
        Map<String, Row> after = byId("retry-out");
        assertEquals(5, after.size());
        for (String id : before.keySet()) {
            if (!id.equals("late.png")) {
                assertEquals(before.get(id).getList(before.get(id).fieldIndex("latent")),
                        after.get(id).getList(after.get(id).fieldIndex("latent")), id);
            }
        }
        assertFalse(Files.exists(tmp.resolve("retry-out").resolve(ResumedOutput.REPAIRING)));
        // a retry refused for its settings, before any row is written, leaves no marker
        assertThrows(IllegalArgumentException.class, () -> InvertJob.run(spark,
                options.toBuilder().optRetryErrors(true).optFit(ImageFit.PAD).build(), card));
        assertFalse(Files.exists(tmp.resolve("retry-out").resolve(ResumedOutput.REPAIRING)),
                "a run refused for its settings touches nothing");

        // a repair that was cut short (its marker left, a file's rows written twice) is finished by the next resume
        Path part;
        try (var files = Files.list(tmp.resolve("retry-out"))) {
            part = files.filter(p -> p.getFileName().toString().startsWith("part-"))
                    .max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        Files.copy(part, part.resolveSibling("part-99999-copy.snappy.parquet"));
        Files.createFile(tmp.resolve("retry-out").resolve(ResumedOutput.REPAIRING));
        assertTrue(spark.read().parquet(output).count() > 5, "duplicates before the repair");
        RunReport repaired = InvertJob.run(spark, options.toBuilder().optResume(true).build(), card);
        assertEquals(5, repaired.rows());
        assertEquals(5, spark.read().parquet(output).select("id").distinct().count());
        assertFalse(Files.exists(tmp.resolve("retry-out").resolve(ResumedOutput.REPAIRING)));
    }

    /** A file larger than --max-bytes (by its listed length) becomes an error row and is never opened. */
    @Test
    void aFileOverTheByteCapIsAnErrorRowWithoutBeingRead() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("capped"));
        byte[] small = ImageFiles.encode(gaussianImage(3), "png");
        Files.write(folder.resolve("small.png"), small);
        byte[] big = new byte[small.length * 4 + 1000];
        new java.util.Random(1).nextBytes(big);
        Files.write(folder.resolve("video.png"), big);
        RunReport report = InvertJob.run(spark, InvertJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setInput(folder.toString()).setOutput(tmp.resolve("capped-out").toString())
                .optSampler(SamplerOptions.builder().setSteps(3).build()).optMaxBytes(small.length + 10).build(), card);
        assertEquals(Map.of("too large", 1L), report.errors());
        assertEquals(1L, report.metrics().get("files_read"));
        assertEquals((long) small.length, report.metrics().get("bytes_read"));
        assertEquals("too large: " + big.length + " bytes (--max-bytes " + (small.length + 10) + ")",
                byId("capped-out").get("video.png").getAs("error"));
        assertThrows(IllegalArgumentException.class, () -> InvertJobOptions.builder().setModel("m").setInput("i")
                .setOutput("o").optMaxBytes(InvertJobOptions.MAX_BYTES + 1).build());
    }

    /** A scheduled run over a growing folder: --resume inverts only the new files, empty ones included. */
    @Test
    void resumeInvertsOnlyTheFilesTheOutputLacks() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("growing"));
        for (int i = 0; i < 3; i++) {
            Files.write(folder.resolve("day1-" + i + ".png"), ImageFiles.encode(gaussianImage(10 + i), "png"));
        }
        Files.write(folder.resolve("day1-empty.png"), new byte[0]);
        InvertJobOptions options = InvertJobOptions.builder().setModel(Models.dir(MODEL).toString())
                .setInput(folder.toString()).setOutput(tmp.resolve("growing-resumed").toString())
                .optSampler(SamplerOptions.builder().setSteps(6).build()).optReconstruct(true).optResume(true).build();
        assertEquals(4, InvertJob.run(spark, options, card).rows(), "a first run with --resume: no output yet");

        Files.createDirectories(folder.resolve("day2"));
        for (int i = 0; i < 2; i++) {
            Files.write(folder.resolve("day2/" + i + ".png"), ImageFiles.encode(gaussianImage(20 + i), "png"));
        }
        Files.write(folder.resolve("day2/empty.png"), new byte[0]);
        RunReport report = InvertJob.run(spark, options, card);
        assertEquals(4L, report.settings().get("rows_kept"));
        assertEquals(7, report.rows(), "each file once");
        assertEquals(3, report.made(), "the new files only");
        assertEquals(Map.of("empty file", 2L), report.errors());
        // only the two new images were opened: the ids came from the listing, before any content was read
        assertEquals(2L, report.metrics().get("files_read"));
        long newBytes = Files.size(folder.resolve("day2/0.png")) + Files.size(folder.resolve("day2/1.png"));
        assertEquals(newBytes, report.metrics().get("bytes_read"));

        InvertJob.run(spark, options.toBuilder().setOutput(tmp.resolve("growing-fresh").toString()).optResume(false)
                .build(), card);
        Map<String, Row> fresh = byId("growing-fresh");
        Map<String, Row> resumed = byId("growing-resumed");
        assertEquals(fresh.keySet(), resumed.keySet());
        for (String id : fresh.keySet()) {
            Row a = fresh.get(id);
            Row b = resumed.get(id);
            assertEquals((Object) a.getAs("status"), b.getAs("status"), id);
            if (a.getAs("latent") != null) {
                assertArrayEquals(floats(a.getList(a.fieldIndex("latent"))), floats(b.getList(b.fieldIndex("latent"))), id);
                assertArrayEquals((byte[]) a.<Row>getAs("image").getAs("bytes"), (byte[]) b.<Row>getAs("image").getAs("bytes"), id);
            }
        }
        assertEquals("cannot resume " + tmp.resolve("growing-resumed") + ": its rows were made with --reconstruct"
                + " (--overwrite replaces the output)", assertThrows(IllegalArgumentException.class,
                () -> InvertJob.run(spark, options.toBuilder().optReconstruct(false).build(), card)).getMessage());
        // the rows record how images were fitted and capped: another --fit or --max-pixels is refused too
        assertEquals("cannot resume " + tmp.resolve("growing-resumed") + ": its rows have fit center-crop, this run"
                + " writes pad (--overwrite replaces the output)", assertThrows(IllegalArgumentException.class,
                () -> InvertJob.run(spark, options.toBuilder().optFit(ImageFit.PAD).build(), card)).getMessage());
        assertEquals("cannot resume " + tmp.resolve("growing-resumed") + ": its rows have max_pixels 16777216, this run"
                + " writes 1000 (--overwrite replaces the output)", assertThrows(IllegalArgumentException.class,
                () -> InvertJob.run(spark, options.toBuilder().optMaxPixels(1000).build(), card)).getMessage());
    }

    /**
     * A latent model: images enter the latent space through its encoder (pixel unshuffle, then (e - shift) *
     * scale), the latents are inverted there, and the reconstruction comes back through its decoder.
     */
    @Test
    void aLatentModelInvertsItsEncodersLatentsAndReconstructsThroughItsDecoder() throws Exception {
        ModelCard latentCard = ModelCard.load(Models.dir("gaussian-latent"));
        Path folder = Files.createDirectories(tmp.resolve("latent-in"));
        for (int k = 0; k < 3; k++) {
            BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            for (int i = 0; i < 64; i++) {
                image.getRaster().setSample(i % 8, i / 8, 0, PngCodec.toPixel(0.3 * SeededNoise.gaussian(50 + k, 0, i), -1, 1));
            }
            Files.write(folder.resolve("img-" + k + ".png"), ImageFiles.encode(image, "png"));
        }
        SamplerOptions sampler = SamplerOptions.builder().setSteps(40).build();
        InvertJob.run(spark, InvertJobOptions.builder().setModel(Models.dir("gaussian-latent").toString())
                .setInput(folder.toString()).setOutput(tmp.resolve("latent-out").toString()).optSampler(sampler)
                .optReconstruct(true).optBatchSize(2).build(), latentCard);
        DdimInverter inverter = new DdimInverter(
                new GaussianDenoiser(latentCard, GaussianDenoiser.sineMeans(latentCard, 0.8), 0.5), sampler);
        for (int k = 0; k < 3; k++) {
            Row r = byId("latent-out").get("img-" + k + ".png");
            assertEquals("ok", r.getAs("status"), r.<String>getAs("error"));
            assertEquals(List.of(4, 4, 4), r.getList(r.fieldIndex("latent_shape")));
            float[] pixels = new float[64];
            ModelSpace.fromImage(PngCodec.decode(Files.readAllBytes(folder.resolve("img-" + k + ".png"))),
                    new int[] {1, 8, 8}, latentCard.valueRange(), ImageFit.CENTER_CROP, pixels, 0);
            // encoder.pt is F.pixel_unshuffle(x, 2): z[2i + j][h][w] = x[2h + i][2w + j]; then (z - 0.25) * 2
            float[] z = new float[64];
            for (int c = 0; c < 4; c++) {
                for (int h = 0; h < 4; h++) {
                    for (int w = 0; w < 4; w++) {
                        z[c * 16 + h * 4 + w] = (float) ((pixels[(2 * h + c / 2) * 8 + 2 * w + c % 2] - 0.25) * 2.0);
                    }
                }
            }
            float[] latent = floats(r.getList(r.fieldIndex("latent")));
            assertTrue(RelativeError.of(latent, 0, toDouble(inverter.invert(z, null).samples())) < 1e-5, "img-" + k);
            double mse = r.getAs("reconstruction_mse");
            assertTrue(mse < 1e-3, "img-" + k + " reconstruction mse through the decoder " + mse);
        }
    }

    /** A 16x16 image drawn from the closed-form model's data distribution (class 0). */
    private static BufferedImage gaussianImage(long seed) {
        double[] mean = GaussianDenoiser.sineMeans(card, 0.8)[0];
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 256; i++) {
            double v = mean[i] + 0.5 * SeededNoise.gaussian(seed, 0, i);
            image.getRaster().setSample(i % 16, i / 16, 0, PngCodec.toPixel(v, -1, 1));
        }
        return image;
    }

    private static void write(String name, byte[] bytes) throws IOException {
        Path file = input.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    private static Map<String, Row> byId(String output) {
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(tmp.resolve(output).toString()).collectAsList()) {
            rows.put(r.getAs("id"), r);
        }
        return rows;
    }

    private static float[] floats(List<Object> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Float) values.get(i);
        }
        return out;
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
