package org.ddimspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.OutputRows;
import org.ddimspark.testing.StandaloneCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar on a standalone cluster of separate JVMs (a master, two workers, an executor each),
 * submitted through SparkSubmit: the same rows, latents and PNG bytes as in-process local runs, for other
 * partitionings and batch sizes.
 */
@Tag("slow")
class ClusterJobsIT {

    @TempDir
    static Path tmp;

    private static StandaloneCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        // each worker offers two GPUs, found by the project's discovery script: simulated addresses on hosts
        // without any (CUDA_VISIBLE_DEVICES=0,1), which only applications that ask for GPUs are given
        cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2,
                Map.of("spark.worker.resource.gpu.amount", "2",
                        "spark.worker.resource.gpu.discoveryScript", Path.of("jobs/gpu-discovery.sh").toAbsolutePath().toString()),
                Map.of("CUDA_VISIBLE_DEVICES", "0,1"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A local run in this JVM. */
    private static void local(String master, List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--master", master, "--quiet", "--conf", "spark.ui.enabled=false"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(all.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
    }

    private static void onCluster(List<String> args) throws Exception {
        List<String> all = new ArrayList<>(args);
        all.add("--quiet");
        StandaloneCluster.Result r = cluster.submit(all);
        assertEquals(0, r.code(), r.output());
    }

    /** id -> (latent, PNG bytes, status) of an output, read in this JVM. */
    private static Map<String, Object[]> rows(Path output) {
        return OutputRows.read(output.toString(), Map.of());
    }

    /** The executors a run report names, with their model loads. */
    private static Map<String, Integer> modelLoads(Path output) throws java.io.IOException {
        com.google.gson.JsonObject loads = com.google.gson.JsonParser.parseString(
                java.nio.file.Files.readString(output.resolve("_ddim_run.json"))).getAsJsonObject()
                .getAsJsonObject("model_loads_by_executor");
        Map<String, Integer> map = new TreeMap<>();
        loads.entrySet().forEach(e -> map.put(e.getKey(), e.getValue().getAsInt()));
        return map;
    }

    /**
     * Runs a job for partitions 1, 3 and 8 crossed with batch sizes 1, 7 and 32 on local[1], local[2] and the
     * cluster: every output has the same ids, latents, PNG bytes and statuses as the first.
     *
     * @return the first output's rows
     */
    private static Map<String, Object[]> sameBytesEverywhere(String name, List<String> job) throws Exception {
        Map<String, Object[]> reference = null;
        for (String partitions : List.of("1", "3", "8")) {
            for (String batch : List.of("1", "7", "32")) {
                List<String> args = new ArrayList<>(job);
                args.addAll(List.of("--partitions", partitions, "--batch-size", batch));
                for (String master : List.of("local[1]", "local[2]", "cluster")) {
                    Path out = tmp.resolve(name + "-" + master.replaceAll("\\W", "") + "-p" + partitions + "-b" + batch);
                    List<String> run = new ArrayList<>(args);
                    run.addAll(List.of("--output", out.toString()));
                    if (master.equals("cluster")) {
                        onCluster(run);
                    } else {
                        local(master, run);
                    }
                    Map<String, Object[]> rows = rows(out);
                    if (reference == null) {
                        reference = rows;
                    } else {
                        OutputRows.assertSame(reference, rows, out.getFileName().toString());
                    }
                    if (master.equals("cluster") && !partitions.equals("1")) {
                        // both executors ran tasks, and each JVM loaded the model once
                        Map<String, Integer> loads = modelLoads(out);
                        assertEquals(2, loads.size(), loads.toString());
                        assertTrue(loads.values().stream().allMatch(n -> n == 1), loads.toString());
                    }
                }
            }
        }
        return reference;
    }

    @Test
    void sampleGivesTheSameBytesOnTheClusterAsLocally() throws Exception {
        Map<String, Object[]> rows = sameBytesEverywhere("sample", List.of("sample", "--model",
                Models.dir("gaussian-x0-cond").toString(), "--count", "23", "--all-classes", "--steps", "6", "--eta", "0.4"));
        assertEquals(23, rows.size());
    }

    /**
     * An executor JVM killed (SIGKILL) while its tasks run: Spark retries them on the other executor or a
     * new one, and the output has exactly the requested rows, each once, equal to a clean run; with
     * speculation on, the same.
     */
    @Test
    void aKilledExecutorCostsARetryNotADuplicateOrAHole() throws Exception {
        List<String> job = List.of("sample", "--model", Models.dir("gaussian-eps").toString(), "--count", "48",
                "--steps", "400", "--eta", "0.3", "--partitions", "12", "--batch-size", "4");
        Path clean = tmp.resolve("loss-clean");
        List<String> args = new ArrayList<>(job);
        args.addAll(List.of("--output", clean.toString()));
        local("local[2]", args);
        Map<String, Object[]> expected = rows(clean);
        for (boolean speculation : new boolean[] {false, true}) {
            Path out = tmp.resolve("loss-" + speculation);
            List<String> remote = new ArrayList<>(job);
            remote.addAll(List.of("--output", out.toString(), "--progress-interval", "1",
                    "--conf", "spark.speculation=" + speculation, "--conf", "spark.speculation.quantile=0.5",
                    "--conf", "spark.speculation.multiplier=1.2"));
            StandaloneCluster.Submission running = cluster.start(remote);
            // wait until rows are being made, then kill one executor
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
            while (!running.output().matches("(?s).*sample: [1-9]\\d*/48 rows.*") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            List<Long> executors = cluster.executorPids();
            assertEquals(2, executors.size(), running.output());
            ProcessHandle.of(executors.get(0)).ifPresent(ProcessHandle::destroyForcibly);
            StandaloneCluster.Result result = running.await();
            assertEquals(0, result.code(), result.output());
            assertTrue(result.output().contains("Lost executor") || result.output().contains("ExecutorLostFailure"),
                    "the executor died while the job ran: " + result.output());
            OutputRows.assertSame(expected, rows(out), "after a lost executor, speculation " + speculation);
            // the killed executor's tasks count for nothing; every executor whose tasks count loaded the model once
            Map<String, Integer> loads = modelLoads(out);
            assertTrue(!loads.isEmpty() && loads.values().stream().allMatch(n -> n == 1), loads.toString());
        }
    }

    /**
     * Executors given two (simulated) GPUs each by the workers' discovery script, half a GPU a task: each task
     * gets one of its executor's addresses, the run report names them, and on an engine without CUDA
     * {@code --device auto} runs on the CPU (one model per executor JVM, the same bytes as a local run) while
     * {@code --device gpu} fails in one line.
     */
    @Test
    void tasksTakeTheirDeviceFromSparksGpuResources() throws Exception {
        List<String> job = List.of("sample", "--model", Models.dir("gaussian-x0-cond").toString(), "--count", "16",
                "--all-classes", "--steps", "4", "--batch-size", "2", "--partitions", "8");
        Path local = tmp.resolve("gpu-local");
        List<String> args = new ArrayList<>(job);
        args.addAll(List.of("--output", local.toString()));
        local("local[2]", args);
        List<String> gpus = List.of("--conf", "spark.executor.resource.gpu.amount=2",
                "--conf", "spark.task.resource.gpu.amount=0.5");
        Path auto = tmp.resolve("gpu-auto");
        args = new ArrayList<>(job);
        args.addAll(List.of("--output", auto.toString(), "--device", "auto"));
        args.addAll(gpus);
        onCluster(args);
        OutputRows.assertSame(rows(local), rows(auto), "on simulated GPU executors");
        com.google.gson.JsonObject report = com.google.gson.JsonParser.parseString(
                java.nio.file.Files.readString(auto.resolve("_ddim_run.json"))).getAsJsonObject();
        com.google.gson.JsonObject addresses = report.getAsJsonObject("gpu_addresses_by_executor");
        assertEquals(2, addresses.size(), report.toString());
        addresses.entrySet().forEach(e -> e.getValue().getAsJsonArray().forEach(a -> assertTrue(
                List.of("0", "1").contains(a.getAsString()), "a discovered address: " + report)));
        Map<String, Integer> loads = modelLoads(auto);
        assertEquals(2, loads.size(), loads.toString());
        assertTrue(loads.entrySet().stream().allMatch(e -> e.getKey().endsWith("/cpu") && e.getValue() == 1),
                "no CUDA in this engine: the CPU, one load per JVM: " + loads);

        args = new ArrayList<>(job);
        args.addAll(List.of("--output", tmp.resolve("gpu-required").toString(), "--device", "gpu", "--quiet",
                "--conf", "spark.task.maxFailures=1"));
        args.addAll(gpus);
        StandaloneCluster.Result failed = cluster.submit(args);
        assertEquals(1, failed.code(), failed.output());
        List<String> lines = failed.output().lines().filter(l -> l.startsWith("ddim sample: failed:")).toList();
        assertEquals(1, lines.size(), failed.output());
        assertTrue(lines.get(0).contains("--device gpu: the PyTorch engine sees no GPU"), lines.get(0));
    }

    @Test
    void invertGivesTheSameBytesOnTheClusterAsLocally() throws Exception {
        Path images = Path.of("src/test/resources/fashion-mnist").toAbsolutePath();
        Map<String, Object[]> rows = sameBytesEverywhere("invert", List.of("invert", "--input", images + "/*.png",
                "--reconstruct", "--steps", "3"));
        assertEquals(20, rows.size());
        assertTrue(rows.values().stream().allMatch(r -> "ok".equals(r[2])));
    }
}
