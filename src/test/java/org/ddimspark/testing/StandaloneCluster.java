package org.ddimspark.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on 127.0.0.1 made of JVMs of its own: a master and workers started from Spark's
 * jars on the Maven class path (no Spark install: {@code SPARK_HOME} is a folder with an empty {@code jars/}),
 * and jobs submitted with the application jar through {@code SparkSubmit}, as {@code jobs/ddim} and
 * {@code spark-submit} run them. Closing it stops every JVM it started, executors included.
 */
public final class StandaloneCluster implements AutoCloseable {

    /** What a submitted job printed and returned. */
    public record Result(int code, String output) {}

    private final Path work;
    private final String classpath;
    private final String masterUrl;
    private final int webUiPort;
    private final List<Process> processes = new ArrayList<>();

    private StandaloneCluster(Path work, String classpath, int port, int webUiPort) {
        this.work = work;
        this.classpath = classpath;
        this.masterUrl = "spark://127.0.0.1:" + port;
        this.webUiPort = webUiPort;
    }

    /**
     * Starts a master and workers, and waits until every worker has registered.
     *
     * @param work a scratch folder for logs and the workers' folders
     * @param workers the number of workers, one core and 1 GiB each
     * @return the running cluster
     */
    public static StandaloneCluster start(Path work, int workers) throws Exception {
        return start(work, workers, Map.of(), Map.of());
    }

    /**
     * Starts a master and workers with settings of their own, and waits until every worker has registered.
     *
     * @param work a scratch folder for logs and the workers' folders
     * @param workers the number of workers, one core and 1 GiB each
     * @param workerConf Spark settings of each worker, e.g. {@code spark.worker.resource.gpu.amount}
     * @param workerEnv environment variables of each worker (and the executors it starts)
     * @return the running cluster
     */
    public static StandaloneCluster start(Path work, int workers, Map<String, String> workerConf,
            Map<String, String> workerEnv) throws Exception {
        String classpath = Files.readString(Path.of(System.getProperty("ddim.it.classpath"))).trim();
        Files.createDirectories(work.resolve("spark-home/jars"));
        StandaloneCluster cluster = new StandaloneCluster(work, classpath, freePort(), freePort());
        try {
            cluster.launch("master", List.of(), Map.of(), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    cluster.masterUrl.substring(cluster.masterUrl.lastIndexOf(':') + 1), "--webui-port",
                    String.valueOf(cluster.webUiPort));
            for (int i = 0; i < workers; i++) {
                Path dir = Files.createDirectories(work.resolve("worker-" + i));
                List<String> properties = new ArrayList<>();
                workerConf.forEach((k, v) -> properties.add("-D" + k + "=" + v));
                cluster.launch("worker-" + i, properties, workerEnv, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                        "--cores", "1", "--memory", "1g", "--webui-port", String.valueOf(freePort()),
                        "--work-dir", dir.toString(), cluster.masterUrl);
            }
            cluster.awaitWorkers(workers, 120);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Returns the master's URL, {@code spark://127.0.0.1:PORT}. */
    public String masterUrl() {
        return masterUrl;
    }

    /** A job submitted and still running: its driver JVM and the file its output goes to. */
    public static final class Submission {

        private final Process driver;
        private final Path log;

        private Submission(Process driver, Path log) {
            this.driver = driver;
            this.log = log;
        }

        /** Returns what the driver has printed so far. */
        public String output() throws IOException {
            return Files.readString(log);
        }

        /** Kills the driver JVM (SIGKILL), as a lost driver host would end it, and waits for it to be gone. */
        public void killDriver() throws InterruptedException {
            driver.destroyForcibly();
            driver.waitFor(30, TimeUnit.SECONDS);
        }

        /** Returns whether the driver is still running. */
        public boolean isAlive() {
            return driver.isAlive();
        }

        /**
         * Waits for the job to end.
         *
         * @return its exit code and output
         */
        public Result await() throws Exception {
            if (!driver.waitFor(10, TimeUnit.MINUTES)) {
                kill(driver);
                throw new IllegalStateException("the job did not end in 10 minutes: " + output());
            }
            return new Result(driver.exitValue(), output());
        }
    }

    /**
     * Runs a command of the application on the cluster through SparkSubmit, in a driver JVM of its own.
     *
     * @param args the command and its options, as after {@code jobs/ddim}
     * @return its exit code and output
     */
    public Result submit(List<String> args) throws Exception {
        return start(args).await();
    }

    /**
     * Starts a command of the application on the cluster through SparkSubmit, in a driver JVM of its own.
     *
     * @param args the command and its options, as after {@code jobs/ddim}
     * @return the running submission
     */
    public Submission start(List<String> args) throws Exception {
        String jar = System.getProperty("ddim.it.jar");
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx1g", "-Dai.djl.offline=true",
                "-DENGINE_CACHE_DIR=" + System.getProperty("ddim.it.engineCache"),
                "-cp", jar + java.io.File.pathSeparator + classpath,
                "org.apache.spark.deploy.SparkSubmit", "--master", masterUrl, "--class", "org.ddimspark.cli.Main",
                "--conf", "spark.executor.extraClassPath=" + classpath,
                "--conf", "spark.executor.memory=768m", "--conf", "spark.executor.cores=1",
                "--conf", "spark.executorEnv.ENGINE_CACHE_DIR=" + System.getProperty("ddim.it.engineCache"),
                "--conf", "spark.ui.enabled=false",
                // every worker's executor registers before the first task, so that each one gets work
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s", jar));
        command.addAll(args);
        Path log = Files.createTempFile(work, "submit-", ".log");
        Process driver = processBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Submission(driver, log);
    }

    private void launch(String name, List<String> properties, Map<String, String> env, String mainClass, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m"));
        command.addAll(properties);
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(List.of(args));
        Path log = work.resolve(name + ".log");
        ProcessBuilder builder = processBuilder(command);
        builder.environment().putAll(env);
        processes.add(builder.redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    private ProcessBuilder processBuilder(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("SPARK_HOME", work.resolve("spark-home").toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("ONEDNN_MAX_CPU_ISA", "AVX2");
        return builder;
    }

    /** Polls the master's JSON status until it counts the workers alive. */
    private void awaitWorkers(int workers, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String status = "";
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a cluster JVM exited: " + logs());
                }
            }
            try (InputStream in = URI.create("http://127.0.0.1:" + webUiPort + "/json/").toURL().openStream()) {
                status = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (status.contains("\"aliveworkers\" : " + workers) || status.contains("\"aliveworkers\":" + workers)) {
                    return;
                }
            } catch (IOException e) {
                // the master is not up yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the workers did not register: " + status + " " + logs());
    }

    /** The PIDs of the executor JVMs the workers run now. */
    public List<Long> executorPids() {
        List<Long> pids = new ArrayList<>();
        for (Process p : processes) {
            p.descendants().filter(d -> commandLine(d.pid()).contains("CoarseGrainedExecutorBackend"))
                    .forEach(d -> pids.add(d.pid()));
        }
        return pids;
    }

    /** A process's whole command line (ProcessHandle.Info cuts long ones short). */
    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String logs() {
        StringBuilder text = new StringBuilder();
        try (var files = Files.list(work)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".log"))::iterator) {
                String content = Files.readString(f);
                text.append("\n--- ").append(f.getFileName()).append('\n')
                        .append(content.length() > 4000 ? content.substring(content.length() - 4000) : content);
            }
        } catch (IOException e) {
            text.append(e);
        }
        return text.toString();
    }

    private static void kill(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        // workers first (they stop their executors), then the master
        for (int i = processes.size() - 1; i >= 0; i--) {
            kill(processes.get(i));
        }
        processes.clear();
    }
}
