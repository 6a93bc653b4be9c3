package org.ddimspark.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.ddimspark.benchmark.Comparison;
import org.ddimspark.benchmark.ComparisonOptions;
import org.ddimspark.benchmark.ForwardBenchmark;
import org.ddimspark.benchmark.ForwardTiming;
import org.ddimspark.benchmark.LoopComparison;
import org.ddimspark.benchmark.SamplerTiming;
import org.ddimspark.model.BundledModels;
import org.ddimspark.model.EngineSettings;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ddim bench}: measure a model's forward for several forward batches, as ratios against the first,
 * and how much of a sampling step is not the network. Runs in this JVM, without Spark, with the intra-op
 * threads of one task ({@code ai.djl.pytorch.num_threads}, default 1). With {@code --compare FILE}, the
 * four-column benchmark instead ({@link LoopComparison}), its Markdown table written to FILE.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the model's forward throughput for each forward batch, as a ratio to the first (the"
                + " baseline, measured in the same run), and the share of a DDIM step that is not the network. No"
                + " Spark: one task's view, with its intra-op threads (ai.djl.pytorch.num_threads, default 1).",
            "With --compare FILE: the same sampling as bare forwards, the library's loop, the sample job on"
                + " local[N] and a plain PyTorch loop, one after the other, into a Markdown table (see README, Speed)."})
final class BenchCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "64",
            description = "Rows of every measured forward and of the timed sampling (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--forward-batch", paramLabel = "B", split = ",",
            description = "Forward batches to measure, the first being the baseline (default: the card's, then 1,"
                    + " 4, 8, 32, 64).")
    int[] forwardBatches;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2",
            description = "Unmeasured runs before each configuration (default: ${DEFAULT-VALUE}).")
    int warmups;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "5",
            description = "Measured runs per configuration, of which the median counts (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--steps", paramLabel = "S", defaultValue = "10",
            description = "Steps of the timed sampling, 0 for none (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--write-card", paramLabel = "DIR",
            description = "Copy the model directory to DIR (a new folder) with the fastest measured forward batch as its"
                    + " card's forward_batch. Outputs of the copy can differ from the original's in their last bits.")
    Path writeCard;

    @Option(names = "--compare", paramLabel = "FILE",
            description = "Run the four-column benchmark instead of the forward batches and write its Markdown table"
                    + " to FILE: --rows images of --steps steps in batches of --batch, --threads in total.")
    Path compare;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "16",
            description = "--compare: requests of a batch, the job's --batch-size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "--compare: threads of every column in total: intra-op threads of this JVM's engine (set"
                    + " before it starts) and of plain PyTorch, local[N] for the job (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--job-rows", paramLabel = "N",
            description = "--compare: images of the job's second run, for its steady rate (default: 4 x --rows).")
    Integer jobRows;

    @Option(names = "--python", paramLabel = "PROGRAM",
            description = "--compare: the Python with torch for the plain PyTorch loop (default: /usr/bin/python3"
                    + " where it exists, else python3).")
    String python;

    @Option(names = "--overhead-model", paramLabel = "DIR", defaultValue = "src/test/resources/models/gaussian-eps",
            description = "--compare: a model with almost no compute for the fixed cost per step, 'none' for none"
                    + " (default: ${DEFAULT-VALUE}, the tests' closed-form 1 x 16 x 16 model in a checkout of the"
                    + " repository; skipped where it does not exist).")
    String overheadModel;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "--compare: rounds, each running every column once, of which the median counts (default:"
                    + " ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--overhead-steps", paramLabel = "S", defaultValue = "1000",
            description = "--compare: steps of the fixed-cost measurement (default: ${DEFAULT-VALUE}).")
    int overheadSteps;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (writeCard != null && Files.exists(writeCard)) {
            throw new IllegalArgumentException("--write-card " + writeCard + " exists: give a new folder");
        }
        if (compare != null) {
            if (writeCard != null || forwardBatches != null) {
                throw new IllegalArgumentException("--compare runs the card's forward batch: it takes no --write-card"
                        + " or --forward-batch");
            }
            return compare(out);
        }
        Path dir = BundledModels.resolve(model.model);
        ForwardBenchmark.Builder builder = ForwardBenchmark.builder().optRows(rows).optWarmups(warmups)
                .optRepeats(repeats).optSteps(steps);
        try (TorchScriptModel loaded = TorchScriptModel.load(dir)) {
            ModelCard card = loaded.card();
            builder.optForwardBatches(forwardBatches != null ? forwardBatches : defaultBatches(card.forwardBatch()));
            ForwardBenchmark bench = builder.build();
            out.printf("bench: %s (sha256 %s) on %s, %d intra-op threads, %s=%s%n", card.name(),
                    card.sha256().substring(0, 12), loaded.device(), EngineSettings.intraOpThreads(),
                    EngineSettings.ONEDNN_ISA, System.getenv().getOrDefault(EngineSettings.ONEDNN_ISA, "unset"));
            out.printf("forward of %d rows of %s; median of %d runs after %d warm-up runs; ratio = rows/s over the"
                    + " first line's%n", rows, Arrays.toString(card.sampleShape()), repeats, warmups);
            List<ForwardTiming> timings = bench.forwards(loaded);
            ForwardTiming baseline = timings.get(0);
            out.printf("%-18s %10s %10s %7s %12s %12s%n", "forward_batch", "seconds", "rows/s", "ratio", "max |diff|",
                    "first run s");
            for (ForwardTiming t : timings) {
                String batch = t.forwardBatch() + (t.forwardBatch() == card.forwardBatch() ? " (card)" : "");
                out.printf("%-18s %10.4f %10.1f %7.2f %12.2e %12.4f%n", batch, t.seconds(),
                        t.rowsPerSecond(), t.ratioTo(baseline), t.maxDifference(), t.firstSeconds());
            }
            out.println("first run: the first forward of the rows at that forward batch, in which TorchScript's graph"
                    + " optimizer profiles the input shape; the medians leave it out, and it gives the same outputs");
            if (writeCard != null) {
                ForwardTiming fastest = timings.stream().max(Comparator.comparingDouble(ForwardTiming::rowsPerSecond))
                        .orElseThrow();
                writeCard(dir, writeCard, fastest.forwardBatch());
                out.printf("wrote %s: forward_batch %d, the fastest measured (%.1f rows/s, ratio %.2f)%n", writeCard,
                        fastest.forwardBatch(), fastest.rowsPerSecond(), fastest.ratioTo(baseline));
            }
            if (steps > 0) {
                SamplerTiming s = bench.sampler(loaded);
                out.printf("sampling: %d steps of %d rows (%d rows a forward, the card's forward batch): %.3f s,"
                        + " network %.3f s, sampler arithmetic, noise and guidance %.4f s (%.2f%%)%n",
                        s.steps(), s.rows(), s.forwardRows(), s.seconds(),
                        s.networkSeconds(), s.samplerSeconds(), 100 * s.samplerShare());
            }
        }
        return 0;
    }

    /** The four-column benchmark. */
    private int compare(PrintWriter out) throws IOException {
        Path overhead = "none".equals(overheadModel) || !Files.isDirectory(Path.of(overheadModel)) ? null
                : Path.of(overheadModel);
        ComparisonOptions options = new ComparisonOptions(rows, batch, steps, threads,
                jobRows != null ? jobRows : 4 * rows, python != null ? python : defaultPython(), overhead, overheadSteps,
                rounds);
        Path dir = BundledModels.resolve(model.model);
        // the engine reads its intra-op threads when it starts: this JVM's columns get --threads when it has not
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        Path work = Files.createTempDirectory("ddim-bench-");
        try (TorchScriptModel loaded = TorchScriptModel.load(dir)) {
            out.printf("bench --compare: %s on %s: a. bare forwards, b. library loop, c. sample job, d. plain PyTorch%n",
                    loaded.card().name(), loaded.device());
            Comparison result = new LoopComparison(options, work).run(dir, loaded);
            result.write(compare);
            out.print(result.markdown());
            out.printf("wrote %s%n", compare);
        }
        deleteTree(work);
        return 0;
    }

    private static String defaultPython() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Copies model.pt and model.json to a new folder, the card's forward_batch set; every other field kept. */
    private static void writeCard(Path from, Path to, int forwardBatch) throws IOException {
        JsonObject card = JsonParser.parseString(Files.readString(from.resolve(ModelCard.CARD_FILE))).getAsJsonObject();
        card.addProperty("forward_batch", forwardBatch);
        Files.createDirectories(to);
        Files.copy(from.resolve(ModelCard.MODEL_FILE), to.resolve(ModelCard.MODEL_FILE));
        Files.writeString(to.resolve(ModelCard.CARD_FILE),
                new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(card) + "\n");
        // the copy must load as a card of its own, its sha256 unchanged
        ModelCard.load(to);
    }

    private static int[] defaultBatches(int card) {
        return IntStream.concat(IntStream.of(card),
                IntStream.of(1, 4, 8, 32, 64).filter(b -> b != card)).toArray();
    }
}
