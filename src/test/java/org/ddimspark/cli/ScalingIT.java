package org.ddimspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ddimspark.testing.OutputRows;
import org.ddimspark.testing.StandaloneCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scaling figure: the same sample job of the bundled flow model on the two-executor standalone cluster
 * against one executor of it ({@code spark.cores.max=1}), each rate the marginal one between a job of 64 and
 * one of 320 images (start-up and the first forwards cancel out). Prints the figure; asserts only that both
 * give the same bytes, since benchmarks are not timed assertions.
 */
@Tag("slow")
class ScalingIT {

    @TempDir
    static Path tmp;

    @Test
    void twoExecutorsAgainstOne() throws Exception {
        try (StandaloneCluster cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2)) {
            double[] rates = new double[2];
            for (int executors = 1; executors <= 2; executors++) {
                double[] seconds = new double[2];
                int[] counts = {64, 320};
                for (int i = 0; i < 2; i++) {
                    Path out = tmp.resolve("e" + executors + "-n" + counts[i]);
                    List<String> args = new ArrayList<>(List.of("sample", "--model", "fashion-mnist-flow", "--count",
                            String.valueOf(counts[i]), "--all-classes", "--steps", "10", "--batch-size", "16",
                            "--output", out.toString(), "--quiet", "--conf", "spark.cores.max=" + executors));
                    StandaloneCluster.Result r = cluster.submit(args);
                    assertEquals(0, r.code(), r.output());
                    JsonObject report = JsonParser.parseString(Files.readString(out.resolve("_ddim_run.json")))
                            .getAsJsonObject();
                    assertEquals(executors, report.getAsJsonObject("model_loads_by_executor").size(), report.toString());
                    seconds[i] = report.getAsJsonObject("stage_seconds").get("sample_and_write").getAsDouble();
                }
                rates[executors - 1] = (counts[1] - counts[0]) / (seconds[1] - seconds[0]);
            }
            System.out.println(String.format(Locale.ROOT, "scaling: fashion-mnist-flow, 10 steps, batches of 16, marginal"
                    + " rate between 64 and 320 images: one executor %.2f images/s, two executors %.2f images/s, ratio %.2f",
                    rates[0], rates[1], rates[1] / rates[0]));
            Map<String, Object[]> one = OutputRows.read(tmp.resolve("e1-n320").toString(), Map.of());
            OutputRows.assertSame(one, OutputRows.read(tmp.resolve("e2-n320").toString(), Map.of()), "two executors");
        }
    }
}
