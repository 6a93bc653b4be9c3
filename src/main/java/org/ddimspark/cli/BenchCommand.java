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
import org.ddimspark.benchmark.ForwardBenchmark;
import org.ddimspark.benchmark.ForwardTiming;
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
 * threads of one task ({@code ai.djl.pytorch.num_threads}, default 1).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the model's forward throughput for each forward batch, as a ratio to the first (the"
                + " baseline, measured in the same run), and the share of a DDIM step that is not the network. No"
                + " Spark: one task's view, with its intra-op threads (ai.djl.pytorch.num_threads, default 1)."})
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (writeCard != null && Files.exists(writeCard)) {
            throw new IllegalArgumentException("--write-card " + writeCard + " exists: give a new folder");
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
