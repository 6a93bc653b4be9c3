package org.ddimspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.model.ModelCard;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.OutputRows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs a command that must fail before Spark starts, with exit code 2 and exactly this one line. */
    private static void assertUsageError(String expected, String... args) {
        Result r = run(args);
        assertEquals(Main.USAGE, r.code(), r.err());
        assertEquals(expected + System.lineSeparator(), r.err());
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "no Spark session was started");
    }

    private String[] sample(String model, String... more) {
        List<String> args = new ArrayList<>(List.of("sample", "--model", Models.dir(model).toString(),
                "--output", tmp.resolve("out").toString()));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("sample") && r.out().contains("info"), r.out());
        Result sampleHelp = run("sample", "--help");
        assertEquals(0, sampleHelp.code());
        assertTrue(sampleHelp.out().contains("--all-classes"), sampleHelp.out());
    }

    @Test
    void badInputFailsInOneLineBeforeSparkStarts() {
        assertUsageError("ddim sample: Missing required option: '--output=URI' (see --help)",
                "sample", "--model", Models.dir("gaussian-eps").toString());
        assertUsageError("ddim sample: --model " + tmp.resolve("none")
                + ": no such directory, and not a bundled model (fashion-mnist-ddpm, fashion-mnist-flow,"
                + " fashion-mnist-latent-flow)",
                "sample", "--model", tmp.resolve("none").toString(), "--output", tmp.resolve("o").toString());
        assertUsageError("ddim sample: --steps must be at least 1, got 0", sample("gaussian-eps", "--steps", "0"));
        assertUsageError("ddim sample: --steps must be in 1..1000 (the model's trained timesteps), got 1001",
                sample("gaussian-eps", "--steps", "1001"));
        assertUsageError("ddim sample: --eta must be in [0, 1], got 1.5", sample("gaussian-eps", "--eta", "1.5"));
        assertUsageError("ddim sample: --eta must be in [0, 1], got -0.1", sample("gaussian-eps", "--eta", "-0.1"));
        assertUsageError("ddim sample: --count must be at least 1, got 0", sample("gaussian-eps", "--count", "0"));
        assertUsageError("ddim sample: --batch-size must be at least 1, got 0", sample("gaussian-eps", "--batch-size", "0"));
        assertUsageError("ddim sample: --class must be in 0..2 for 'gaussian-x0-cond', got 3",
                sample("gaussian-x0-cond", "--class", "3"));
        assertUsageError("ddim sample: --class needs a class-conditional model; 'gaussian-eps' is unconditional",
                sample("gaussian-eps", "--class", "1"));
        assertUsageError("ddim sample: --all-classes needs a class-conditional model; 'gaussian-eps' is unconditional",
                sample("gaussian-eps", "--all-classes"));
        assertUsageError("ddim sample: --guidance needs a class-conditional model; 'gaussian-eps' is unconditional",
                sample("gaussian-eps", "--guidance", "2"));
        assertUsageError("ddim sample: --guidance needs --class or --all-classes",
                sample("gaussian-x0-cond", "--guidance", "2"));
        assertUsageError("ddim sample: --class and --all-classes exclude each other",
                sample("gaussian-x0-cond", "--class", "1", "--all-classes"));
        assertUsageError("ddim sample: --resume and --overwrite exclude each other",
                sample("gaussian-eps", "--resume", "--overwrite"));
        assertUsageError("ddim sample: --spacing quad is for diffusion models; flow model 'gaussian-flow-cond' takes uniform (with --shift)",
                sample("gaussian-flow-cond", "--spacing", "quad"));
        assertUsageError("ddim sample: --shift is for flow models; 'gaussian-eps' is a diffusion model",
                sample("gaussian-eps", "--shift", "3"));
        assertUsageError("ddim sample: unknown spacing 'cubic' (expected one of uniform, quad, leading, trailing, linspace)",
                sample("gaussian-eps", "--spacing", "cubic"));
        assertUsageError("ddim sample: Invalid value for option '--steps': 'many' is not an int (see --help)",
                sample("gaussian-eps", "--steps", "many"));
        assertUsageError("ddim: --config: no such file " + tmp.resolve("none.conf"),
                sample("gaussian-eps", "--config", tmp.resolve("none.conf").toString()));
        assertUsageError("ddim sample: --solver dpm++2m is deterministic: --eta must be 0, got 0.3",
                sample("gaussian-eps", "--solver", "dpm++2m", "--eta", "0.3"));
        assertUsageError("ddim sample: --solver must be ddim, dpm++2m or exact, got 'euler'",
                sample("gaussian-eps", "--solver", "euler"));
        assertUsageError("ddim sample: --solver exact is deterministic: --eta must be 0, got 0.5",
                sample("gaussian-eps", "--solver", "exact", "--eta", "0.5"));
        assertUsageError("ddim sample: --device must be auto, cpu or gpu, got 'tpu'", sample("gaussian-eps", "--device", "tpu"));
        assertUsageError("ddim sample: --wave-size must be at least 1, got 0", sample("gaussian-eps", "--wave-size", "0"));
        String table = tmp.resolve("requests.csv").toString();
        assertUsageError("ddim sample: --count and --seed-start do not apply to --requests",
                sample("gaussian-x0-cond", "--requests", table, "--count", "3"));
        assertUsageError("ddim sample: --requests and --from-latents exclude each other",
                sample("gaussian-x0-cond", "--requests", table, "--from-latents", table));
        assertUsageError("ddim sample: --all-classes does not combine with --requests (rows keep their own class_label,"
                + " or take --class)", sample("gaussian-x0-cond", "--requests", table, "--all-classes"));
        Result missing = run(sample("gaussian-x0-cond", "--requests", table));
        assertEquals(Main.FAILED, missing.code(), missing.err());
        assertEquals("ddim sample: failed: --requests " + table + ": no such file or folder" + System.lineSeparator(),
                missing.err());
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "no Spark session was started");
        if (org.ddimspark.model.TorchScriptModel.engineGpus() == 0) {
            Result gpu = run(sample("gaussian-eps", "--device", "gpu"));
            assertEquals(Main.USAGE, gpu.code(), gpu.err());
            assertTrue(gpu.err().startsWith("ddim sample: --device gpu: the PyTorch engine sees no GPU")
                    && gpu.err().lines().count() == 1, gpu.err());
            assertTrue(SparkSession.getDefaultSession().isEmpty(), "no Spark session was started");
        }
    }

    @Test
    void sampleMakesARowPerRequestOfACsvTable() throws IOException {
        Path table = Files.writeString(tmp.resolve("requests.csv"), "id,seed,class_label,steps,prompt\n"
                + "coat,7,1,,a coat\nshirt,8,2,3,a shirt\n");
        Result r = run(sample("gaussian-x0-cond", "--requests", table.toString(), "--steps", "5", "--quiet"));
        assertEquals(0, r.code(), r.err());
        Map<String, Object[]> rows = OutputRows.read(tmp.resolve("out").toString(), Map.of());
        assertEquals(Set.of("coat", "shirt"), rows.keySet());
        String report = Files.readString(tmp.resolve("out").resolve("_ddim_run.json"));
        JsonObject settings = JsonParser.parseString(report).getAsJsonObject().getAsJsonObject("settings");
        assertEquals("[\"prompt\"]", settings.get("ignored_columns").toString());
        assertEquals(2, settings.getAsJsonArray("sampler").size(), report);
        assertTrue(report.contains("steps=3") && report.contains("steps=5"), report);
    }

    @Test
    void aMalformedModelCardFailsInOneLine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("broken"));
        Files.copy(Models.dir("gaussian-eps").resolve("model.pt"), dir.resolve("model.pt"));
        Files.writeString(dir.resolve("model.json"), "{\"name\": \"broken\", \"prediction\": \"epsilon\"}");
        assertUsageError("ddim sample: model.json: field 'schedule' is missing",
                "sample", "--model", dir.toString(), "--output", tmp.resolve("o").toString());
        assertUsageError("ddim info: model.json: field 'schedule' is missing", "info", "--model", dir.toString());
    }

    @Test
    void sampleWithoutAModelDrawsTheBundledDefaultAndAContactSheet() throws IOException {
        Path output = tmp.resolve("default");
        Result r = run("sample", "--output", output.toString(), "--count", "12", "--all-classes", "--steps", "5",
                "--master", "local[2]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, r.code(), r.err());
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
            assertEquals(12, rows.size());
            assertTrue(rows.get(0).<String>getAs("model").startsWith("fashion-mnist-flow@sha256:"));
        } finally {
            spark.stop();
        }
        java.awt.image.BufferedImage sheet = org.ddimspark.image.PngCodec.decode(
                Files.readAllBytes(output.resolve("_contact_sheet.png")));
        // 8 columns and 2 rows of 56-pixel tiles (28x28 scaled by 2) with labels
        assertEquals(8 * 58 + 2, sheet.getWidth());
        assertEquals(2 * (56 + 14 + 2) + 2, sheet.getHeight());
    }

    @Test
    void infoPrintsTheCardAndChecksTheModel() {
        Result r = run("info", "--model", Models.dir("gaussian-x0-cond").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("prediction  sample"), r.out());
        assertTrue(r.out().contains("classes     3 [class-0, class-1, class-2], guidance 2.0"), r.out());
        assertTrue(r.out().contains("check       ok: forward of [2, 3, 8, 8] at t=999 on cpu()"), r.out());
    }

    @Test
    void benchPrintsOneLinePerConfigurationAndTheSamplersShare() {
        Result r = run("bench", "--model", Models.dir("gaussian-x0-cond").toString(), "--rows", "6",
                "--forward-batch", "4,6", "--warmup", "0", "--repeats", "1", "--steps", "2");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("bench: gaussian-x0-cond (sha256 537a4a2f76ff) on cpu(), 1 intra-op threads, ONEDNN_MAX_CPU_ISA="), r.out());
        assertEquals("forward of 6 rows of [3, 8, 8]; median of 1 runs after 0 warm-up runs; ratio = rows/s over the"
                + " first line's", lines.get(1));
        assertTrue(lines.get(3).matches("4 +[0-9.]+ +[0-9.]+ +1\\.00 +0\\.00e\\+00 +[0-9.]+"), lines.get(3));
        assertTrue(lines.get(4).matches("6 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.e+-]+ +[0-9.]+"), lines.get(4));
        assertTrue(lines.get(5).startsWith("first run: the first forward of the rows at that forward batch"), lines.get(5));
        assertTrue(lines.get(6).startsWith("sampling: 2 steps of 6 rows (12 rows a forward, the card's forward batch"), lines.get(6));
        assertEquals(7, lines.size(), r.out());

        Result bad = run("bench", "--model", Models.dir("gaussian-x0-cond").toString(), "--forward-batch", "4,4");
        assertEquals(Main.USAGE, bad.code());
        assertEquals("ddim bench: forward batch 4 is given twice", bad.err().strip());
    }

    /** bench --write-card: a copy of the model whose card names the fastest measured forward batch. */
    @Test
    void benchWritesTheFastestForwardBatchIntoACopyOfTheCard() throws IOException {
        Path copy = tmp.resolve("tuned");
        Result r = run("bench", "--model", Models.dir("gaussian-x0-cond").toString(), "--rows", "6",
                "--forward-batch", "4,6,1", "--warmup", "0", "--repeats", "1", "--steps", "0", "--write-card", copy.toString());
        assertEquals(0, r.code(), r.err());
        Map<Integer, Double> rates = new HashMap<>();
        for (String line : r.out().lines().toList()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)( \\(card\\))? +[0-9.]+ +([0-9.]+) .*")
                    .matcher(line);
            if (m.matches()) {
                rates.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(3)));
            }
        }
        assertEquals(3, rates.size(), r.out());
        int fastest = rates.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        ModelCard original = ModelCard.load(Models.dir("gaussian-x0-cond"));
        ModelCard tuned = ModelCard.load(copy);
        assertEquals(fastest, tuned.forwardBatch(), r.out());
        assertEquals(original.sha256(), tuned.sha256());
        assertEquals(original.guidance(), tuned.guidance());
        assertEquals(original.classNames(), tuned.classNames());
        assertTrue(r.out().contains("wrote " + copy + ": forward_batch " + fastest + ", the fastest measured"), r.out());
        Result again = run("bench", "--model", Models.dir("gaussian-x0-cond").toString(), "--write-card", copy.toString());
        assertEquals(Main.USAGE, again.code());
        assertEquals("ddim bench: --write-card " + copy + " exists: give a new folder", again.err().strip());
    }

    /**
     * bench --compare on a small closed-form setting: the four columns run (the job twice in JVMs of its own, the plain loop
     * where /usr/bin/python3 has torch) and the table is written; what it measures, not how fast.
     */
    @Test
    void benchCompareWritesTheFourColumnTable() throws IOException, InterruptedException {
        Path table = tmp.resolve("tables").resolve("bench-table");
        Result r = run("bench", "--model", Models.dir("gaussian-x0-cond").toString(), "--compare", table.toString(),
                "--rows", "4", "--batch", "2", "--steps", "500", "--job-rows", "200", "--rounds", "2", "--python", "/usr/bin/python3",
                "--overhead-model", Models.dir("gaussian-eps").toString(), "--overhead-steps", "5");
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(table);
        assertTrue(r.out().contains(md), r.out());
        assertTrue(md.startsWith("## `gaussian-x0-cond` (sha256 537a4a2f76ff) on cpu()\n\n4 images of 500 DDIM steps (eta 0)"
                + " in batches of 2 (4 rows a forward), 1 thread in total;"), md);
        boolean torch = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").start().waitFor() == 0;
        String number = "[0-9]+\\.[0-9]+";
        List<String> columns = new ArrayList<>(List.of("a. bare forwards", "b. library loop", "c. sample job"));
        if (torch) {
            columns.add("d. plain PyTorch");
        } else {
            assertTrue(md.contains("- d. plain PyTorch: not measured: /usr/bin/python3 cannot import torch"), md);
        }
        for (String column : columns) {
            // images/s, ms/step, start-up (the job only), peak RSS MiB, GFLOP/s (n/a: the closed form has no layers)
            String startup = column.startsWith("c") ? "-?" + number : "";
            String gflops = torch ? number : "n/a";
            assertTrue(md.lines().anyMatch(l -> l.matches("\\| " + java.util.regex.Pattern.quote(column) + " \\| "
                    + number + " \\| " + number + " \\| " + startup + " \\| [0-9]+ \\| " + gflops + " \\| .+ \\|")),
                    column + " in\n" + md);
        }
        // the larger job's 196 more images of 500 steps outweigh the start-up's run-to-run noise
        assertTrue(md.contains("| c. sample job |") && md.contains("local[1], one intra-op thread a task; marginal rate"
                + " between 4 and 200 images; median of 2 rounds"), md);
        assertTrue(md.contains("| b/a: the loop over the bare network | "), md);
        assertTrue(md.contains("| c/a: the job over the bare network | "), md);
        assertEquals(torch, md.contains("| c/d: the job over plain PyTorch (steady state) | "), md);
        assertTrue(md.contains("Fixed cost per step: gaussian-eps (" + Models.dir("gaussian-eps") + "), 64 images of 5"
                + " steps in batches of 16"), md);
        assertTrue(md.lines().anyMatch(l -> l.matches("\\| b\\. library loop \\| " + number
                + " \\| <= 0\\.1 ms: (met|missed) \\|")), md);
        assertTrue(md.matches("(?s).*Ceiling: a float32 1024 x 1024 matrix product through the same engine, device and"
                + " threads ran at " + number + " GFLOP/s.*"), md);

        assertUsageError("ddim bench: rows (5) must be a multiple of the batch (2)", "bench", "--model",
                Models.dir("gaussian-x0-cond").toString(), "--compare", table.toString(), "--rows", "5", "--batch", "2");
        assertUsageError("ddim bench: --compare runs the card's forward batch: it takes no --write-card or"
                + " --forward-batch", "bench", "--model", Models.dir("gaussian-x0-cond").toString(), "--compare",
                table.toString(), "--forward-batch", "4");
    }

    @Test
    void sampleRunsSparkWithConfigFileDefaultsThatTheCommandLineOverrides() throws IOException {
        Path config = tmp.resolve("job.conf");
        Files.writeString(config, String.join("\n",
                "steps = 3",
                "sample { count = 5, spacing = trailing, all-classes = true }",
                "conf { \"spark.ui.enabled\" = false, \"spark.sql.shuffle.partitions\" = 2 }"));
        String[] args = sample("gaussian-x0-cond", "--config", config.toString(), "--steps", "4",
                "--master", "local[2]", "--conf", "spark.app.name=from-cli");
        Result r = run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "the session is stopped");
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> rows = spark.read().parquet(tmp.resolve("out").toString()).orderBy("seed").collectAsList();
            assertEquals(5, rows.size(), "count from the file's sample block");
            for (Row row : rows) {
                assertEquals(4, (int) row.getAs("steps"), "steps from the command line");
                assertEquals("trailing", row.getAs("spacing"));
                assertEquals((int) ((long) row.getAs("seed") % 3), (int) row.getAs("class_label"), "all-classes");
                assertEquals(2.0, row.<Double>getAs("guidance"), "the card's recommended guidance");
            }
        } finally {
            spark.stop();
        }
        // the same output again: the job fails (exit 1) and says why in one line
        Result again = run(args);
        assertEquals(Main.FAILED, again.code());
        assertTrue(again.err().startsWith("ddim sample: failed: ") && again.err().contains("already exists"), again.err());
        assertEquals(1, again.err().lines().count(), again.err());
    }

    @Test
    void invertRejectsBadOptionsBeforeSparkStarts() {
        String images = Models.dir("gaussian-eps").toString();
        assertUsageError("ddim invert: --fit must be one of error, center-crop, pad, stretch; got 'zoom'",
                "invert", "--input", images, "--output", tmp.resolve("o").toString(), "--fit", "zoom");
        assertUsageError("ddim invert: --max-pixels must be at least 1, got 0",
                "invert", "--input", images, "--output", tmp.resolve("o").toString(), "--max-pixels", "0");
        assertUsageError("ddim invert: --shift is for flow models; 'fashion-mnist-ddpm' is a diffusion model",
                "invert", "--model", "fashion-mnist-ddpm", "--input", images, "--output", tmp.resolve("o").toString(),
                "--shift", "2");
        assertUsageError("ddim invert: --resume and --overwrite exclude each other",
                "invert", "--input", images, "--output", tmp.resolve("o").toString(), "--resume", "--overwrite");
        assertUsageError("ddim invert: --inverter must be ddim or exact, got 'belm'",
                "invert", "--input", images, "--output", tmp.resolve("o").toString(), "--inverter", "belm");
        assertUsageError("ddim invert: --refine is for --inverter exact",
                "invert", "--input", images, "--output", tmp.resolve("o").toString(), "--refine", "5");
        assertUsageError("ddim invert: --refine must be in 0..1000, got -2", "invert", "--input", images, "--output",
                tmp.resolve("o").toString(), "--inverter", "exact", "--refine", "-2");
        Path noEncoder = tmp.resolve("no-encoder");
        try {
            Files.createDirectories(noEncoder);
            for (String file : List.of("model.pt", "decoder.pt")) {
                Files.copy(Models.dir("gaussian-latent").resolve(file), noEncoder.resolve(file));
            }
            Files.writeString(noEncoder.resolve("model.json"), Files.readString(Models.dir("gaussian-latent")
                    .resolve("model.json")).replaceAll(",\\s*\"encoder\": \"encoder.pt\"", "")
                    .replaceAll(",\\s*\"encoder_sha256\": \"[0-9a-f]+\"", ""));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertUsageError("ddim invert: invert of latent model 'gaussian-latent' needs an encoder (field 'latent.encoder' of"
                + " its model.json): images enter its latent space through it", "invert", "--model", noEncoder.toString(),
                "--input", images, "--output", tmp.resolve("o").toString());
    }

    @Test
    void invertOfAMissingFolderFailsInOneLine() {
        Result r = run("invert", "--input", tmp.resolve("nothing-here").toString(), "--output",
                tmp.resolve("o").toString(), "--master", "local[1]", "--conf", "spark.ui.enabled=false");
        assertEquals(Main.FAILED, r.code(), r.err());
        assertTrue(r.err().startsWith("ddim invert: failed: ") && r.err().contains("nothing-here"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    /** A run whose rows are all errors, or more errors than --max-error-rate allows, fails after its summary. */
    @Test
    void tooManyErrorRowsFailTheRunAfterItsSummary() throws IOException {
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(broken.resolve("a.png"), "not a png");
        Files.writeString(broken.resolve("b.jpg"), "not a jpeg either");
        Result all = run("invert", "--input", broken.toString(), "--output", tmp.resolve("all-bad").toString(),
                "--steps", "2", "--quiet", "--master", "local[1]", "--conf", "spark.ui.enabled=false");
        assertEquals(Main.FAILED, all.code(), all.err());
        assertTrue(all.out().startsWith("invert: wrote 2 rows (0 ok, 2 error)"), all.out());
        assertEquals("ddim invert: failed: all 2 rows are errors ({not an image=2})" + System.lineSeparator(), all.err());

        Path images = Path.of(Models.dir("gaussian-eps").toString()).getParent().getParent().resolve("fashion-mnist");
        Files.copy(images.resolve("t10k-00000.png"), broken.resolve("good.png"));
        Files.copy(images.resolve("t10k-00001.png"), broken.resolve("good2.png"));
        Result strict = run("invert", "--input", broken.toString(), "--output", tmp.resolve("strict").toString(),
                "--steps", "2", "--quiet", "--max-error-rate", "0.25", "--master", "local[1]", "--conf", "spark.ui.enabled=false");
        assertEquals(Main.FAILED, strict.code(), strict.err());
        assertEquals("ddim invert: failed: 2 of 4 rows are errors (0.5000 > --max-error-rate 0.25; {not an image=2})"
                + System.lineSeparator(), strict.err());
        Result lenient = run("invert", "--input", broken.toString(), "--output", tmp.resolve("lenient").toString(),
                "--steps", "2", "--quiet", "--max-error-rate", "0.5", "--master", "local[1]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, lenient.code(), lenient.err());
        assertUsageError("ddim invert: --max-error-rate must be in [0, 1], got 1.5", "invert", "--input", broken.toString(),
                "--output", tmp.resolve("o").toString(), "--max-error-rate", "1.5");
    }

    /** The bundled default model on real Fashion-MNIST test images: more steps, a closer reconstruction. */
    @Test
    void invertReconstructsRealImagesWithTheBundledModelBetterWithMoreSteps() throws IOException {
        Path images = Path.of(Models.dir("gaussian-eps").toString()).getParent().getParent().resolve("fashion-mnist");
        double[] mse = new double[2];
        int[] steps = {5, 25};
        for (int k = 0; k < 2; k++) {
            Path output = tmp.resolve("invert-" + steps[k]);
            Result r = run("invert", "--input", images + "/*.png", "--output", output.toString(), "--reconstruct",
                    "--steps", String.valueOf(steps[k]), "--master", "local[2]", "--conf", "spark.ui.enabled=false");
            assertEquals(0, r.code(), r.err());
            SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
            try {
                List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
                assertEquals(20, rows.size());
                double sum = 0;
                for (Row row : rows) {
                    assertEquals("ok", row.getAs("status"), row.<String>getAs("error"));
                    assertTrue(row.<String>getAs("id").matches("t10k-\\d{5}\\.png"), row.<String>getAs("id"));
                    sum += row.<Double>getAs("reconstruction_mse");
                }
                mse[k] = sum / rows.size();
            } finally {
                spark.stop();
            }
            assertTrue(Files.readString(output.resolve("_ddim_run.json")).contains("\"mean_reconstruction_mse\""));
        }
        assertTrue(mse[1] < mse[0] && mse[1] < 0.01, "mean reconstruction mse at 5 and 25 steps: " + mse[0] + ", " + mse[1]);
    }

    @Test
    void interpolateRejectsBadPairsBeforeSparkStarts() throws IOException {
        String out = tmp.resolve("o").toString();
        assertUsageError("ddim interpolate: --ids needs --from", "interpolate", "--output", out, "--ids", "a,b");
        assertUsageError("ddim interpolate: --seeds takes two values A,B, got 3", "interpolate", "--output", out,
                "--seeds", "1,2,3");
        assertUsageError("ddim interpolate: give --seeds A,B or --pairs FILE", "interpolate", "--output", out);
        Path pairs = tmp.resolve("pairs.txt");
        Files.writeString(pairs, "# seed pairs\n1,2\n\n3;4\n");
        assertUsageError("ddim interpolate: --pairs " + pairs + " line 4: expected 'A,B', got '3;4'",
                "interpolate", "--output", out, "--pairs", pairs.toString());
        assertUsageError("ddim interpolate: --class must be in 0..9 for 'fashion-mnist-flow', got 10",
                "interpolate", "--output", out, "--seeds", "1,2", "--class", "10");
    }

    @Test
    void interpolateThenExportOnTheCommandLine() throws IOException {
        Path pairs = tmp.resolve("pairs.txt");
        Files.writeString(pairs, "0,1  # first\n2,3\n");
        Path frames = tmp.resolve("frames");
        Result r = run("interpolate", "--model", Models.dir("gaussian-eps").toString(), "--output", frames.toString(),
                "--pairs", pairs.toString(), "--frames", "3", "--steps", "4", "--master", "local[2]",
                "--conf", "spark.ui.enabled=false");
        assertEquals(0, r.code(), r.err());
        Path exported = tmp.resolve("exported");
        Result e = run("export", "--input", frames.toString(), "--output", exported.toString(), "--master", "local[1]",
                "--conf", "spark.ui.enabled=false");
        assertEquals(0, e.code(), e.err());
        List<String> ids = Files.readAllLines(exported.resolve("latents_ids.txt"));
        assertEquals(List.of("p0-f0", "p0-f1", "p0-f2", "p1-f0", "p1-f1", "p1-f2"), ids);
        for (String id : ids) {
            assertTrue(Files.size(exported.resolve(id + ".png")) > 0, id);
        }
        assertTrue(Files.readAllLines(exported.resolve("metadata.csv")).get(0)
                .startsWith("file_name,id,pair,a,b,frame,alpha,class_label,"));
    }
}
