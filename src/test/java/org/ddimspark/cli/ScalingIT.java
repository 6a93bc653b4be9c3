package org.ddimspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.testing.OutputRows;
import org.ddimspark.testing.StandaloneCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scaling figure: the same sample job of the bundled flow model on the two-executor standalone cluster
 * against one executor of it ({@code spark.cores.max=1}), each rate the marginal one between a job of 64 and
 * one of 576 images (start-up, the first forwards and the driver's own bursts of work cancel out). Its baseline, measured in the same round: the
 * bare network in this JVM on two threads at once against one (each thread a denoiser of its own with one
 * intra-op thread, as two executors' tasks), which is what the machine's two cores give this network with no
 * Spark at all. Three rounds, one and two executors in alternating order, and the medians. Prints each round;
 * asserts only that one and two executors give the same bytes, since benchmarks are not timed assertions.
 */
@Tag("slow")
class ScalingIT {

    private static final int ROUNDS = 3;
    private static final int[] COUNTS = {64, 576};

    @TempDir
    static Path tmp;

    @Test
    void twoExecutorsAgainstOne() throws Exception {
        try (StandaloneCluster cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2)) {
            double[] ratios = new double[ROUNDS];
            double[] machine = new double[ROUNDS];
            try (TorchScriptModel network = TorchScriptModel.load(Path.of("src/main/resources/models/fashion-mnist-flow"))) {
                for (int round = 0; round < ROUNDS; round++) {
                    machine[round] = forwardsPerSecond(network, 2) / forwardsPerSecond(network, 1);
                    double[] rates = new double[2];
                    for (int k = 0; k < 2; k++) {
                        int executors = round % 2 == 0 ? 1 + k : 2 - k;
                        rates[executors - 1] = marginalRate(cluster, executors, round);
                    }
                    ratios[round] = rates[1] / rates[0];
                    System.out.println(String.format(Locale.ROOT, "scaling round %d: one executor %.2f images/s, two"
                            + " executors %.2f images/s, ratio %.2f; the bare network on two threads against one %.2f",
                            round + 1, rates[0], rates[1], ratios[round], machine[round]));
                }
            }
            System.out.println(String.format(Locale.ROOT, "scaling: fashion-mnist-flow, 10 steps, batches of 16, marginal"
                    + " rate between 64 and 576 images, median of %d rounds: two executors against one %.2f, the bare"
                    + " network on two threads against one %.2f", ROUNDS, median(ratios), median(machine)));
            Map<String, Object[]> one = OutputRows.read(tmp.resolve("e1-n576-r1").toString(), Map.of());
            OutputRows.assertSame(one, OutputRows.read(tmp.resolve("e2-n576-r1").toString(), Map.of()), "two executors");
        }
    }

    /**
     * Forwards a second of the network (batches of 16 images with a class, 32 rows with guidance's halves) on
     * this many threads at once for about 5 seconds, after one forward each.
     */
    private static double forwardsPerSecond(TorchScriptModel network, int threads) throws Exception {
        int rows = 32;
        int size = network.card().sampleSize();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Double>> rates = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                rates.add(pool.submit(() -> {
                    try (TorchScriptDenoiser denoiser = network.newDenoiser()) {
                        float[] x = new float[rows * size];
                        float[] t = new float[rows];
                        Arrays.fill(t, 500f);
                        long[] y = new long[rows];
                        denoiser.forward(x, t, y, rows);
                        long start = System.nanoTime();
                        long end = start + 5_000_000_000L;
                        int n = 0;
                        for (long now = start; now < end; now = System.nanoTime()) {
                            denoiser.forward(x, t, y, rows);
                            n++;
                        }
                        return n / ((System.nanoTime() - start) / 1e9);
                    }
                }));
            }
            double sum = 0;
            for (Future<Double> rate : rates) {
                sum += rate.get();
            }
            return sum;
        } finally {
            pool.shutdownNow();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Images per second between a job of 64 and one of 576 images on this many executors. */
    private static double marginalRate(StandaloneCluster cluster, int executors, int round) throws Exception {
        double[] seconds = new double[COUNTS.length];
        for (int i = 0; i < COUNTS.length; i++) {
            Path out = tmp.resolve("e" + executors + "-n" + COUNTS[i] + "-r" + (round + 1));
            List<String> args = new ArrayList<>(List.of("sample", "--model", "fashion-mnist-flow", "--count",
                    String.valueOf(COUNTS[i]), "--all-classes", "--steps", "10", "--batch-size", "16",
                    "--output", out.toString(), "--quiet", "--conf", "spark.cores.max=" + executors));
            StandaloneCluster.Result r = cluster.submit(args);
            assertEquals(0, r.code(), r.output());
            JsonObject report = JsonParser.parseString(Files.readString(out.resolve("_ddim_run.json"))).getAsJsonObject();
            assertEquals(executors, report.getAsJsonObject("model_loads_by_executor").size(), report.toString());
            seconds[i] = report.getAsJsonObject("stage_seconds").get("sample_and_write").getAsDouble();
        }
        return (COUNTS[1] - COUNTS[0]) / (seconds[1] - seconds[0]);
    }
}
