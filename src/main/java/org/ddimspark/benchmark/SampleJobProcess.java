package org.ddimspark.benchmark;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddimspark.spark.RunReport;

/**
 * Column c of {@link LoopComparison}: the {@code sample} job end to end on {@code local[N]}, each run in a
 * JVM of its own started as a user starts one (this JVM's class path and options, its Java), so that the
 * time includes JVM, Spark and model start-up, writing Parquet, PNGs and the contact sheet. Two runs of
 * different sizes give the steady rate (the marginal rate between them) apart from the start-up.
 */
final class SampleJobProcess {

    private static final long TIMEOUT_SECONDS = 3600;

    private final Path work;

    /**
     * Creates the runner.
     *
     * @param work a folder for the outputs and logs
     */
    SampleJobProcess(Path work) {
        this.work = work;
    }

    /**
     * Runs the job twice and returns its steady state.
     *
     * @param model the model directory
     * @param conditional whether the model takes classes (the job then gives image i class i mod K)
     * @param smaller the images of the first run
     * @param larger the images of the second, more than the first
     * @param batch the job's {@code --batch-size}
     * @param steps the steps
     * @param threads the cores of {@code local[N]}, a task per core with one intra-op thread each
     * @param gpu whether the tasks run the model on the GPU ({@code --device gpu}: a local run's tasks are given
     *     no GPU address, and {@code auto} would keep them on the CPU)
     * @return the timing: the images and seconds between the two runs, and the start-up they imply
     * @throws IOException when a JVM cannot start
     */
    ColumnTiming run(Path model, boolean conditional, int smaller, int larger, int batch, int steps, int threads,
            boolean gpu) throws IOException {
        List<String> options = new ArrayList<>(List.of("--model", model.toString(), "--steps", Integer.toString(steps),
                "--batch-size", Integer.toString(batch), "--master", "local[" + threads + "]", "--device",
                gpu ? "gpu" : "cpu", "--quiet", "--overwrite"));
        if (conditional) {
            options.add("--all-classes");
        }
        ChildProcess first = job(options, smaller);
        ChildProcess second = job(options, larger);
        double seconds = second.seconds() - first.seconds();
        int images = larger - smaller;
        if (seconds <= 0) {
            throw new IllegalStateException("the job of " + larger + " images took no longer than the one of " + smaller
                    + " (" + second.seconds() + " s against " + first.seconds() + " s): give more rows");
        }
        double startup = first.seconds() - smaller * seconds / images;
        return new ColumnTiming("c. sample job", images, batch, steps, seconds, startup,
                Math.max(first.peakRssBytes(), second.peakRssBytes()), threads,
                "local[" + threads + "], one intra-op thread a task" + (gpu ? ", --device gpu" : "")
                        + "; marginal rate between " + smaller + " and " + larger + " images");
    }

    private ChildProcess job(List<String> options, int count) throws IOException {
        Path output = work.resolve("sample-" + count);
        List<String> command = javaCommand();
        command.addAll(List.of("org.ddimspark.cli.Main", "sample", "--output", output.toString(), "--count",
                Integer.toString(count)));
        command.addAll(options);
        ChildProcess p = ChildProcess.run(command, work.resolve("sample-" + count + ".log"), TIMEOUT_SECONDS);
        Path report = output.resolve(RunReport.FILE);
        if (p.exitCode() != 0 || !Files.exists(report)) {
            throw new IllegalStateException("the sample job of " + count + " images exited with " + p.exitCode() + ": "
                    + p.lastLine());
        }
        int ok = JsonParser.parseString(Files.readString(report)).getAsJsonObject().get("ok").getAsInt();
        if (ok != count) {
            throw new IllegalStateException("the sample job of " + count + " images made " + ok + " ok rows");
        }
        return p;
    }

    /**
     * This JVM's Java with its memory, system-property and module options (the engine's thread settings
     * left to the job), and its class path with the jar this class came from.
     */
    static List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            boolean kept = option.startsWith("-D") || option.startsWith("-Xm") || option.startsWith("--add-");
            if (kept && !option.startsWith("-Dai.djl.pytorch.num_threads")) {
                command.add(option);
            }
        }
        String classPath = System.getProperty("java.class.path");
        String self = SampleJobProcess.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        if (!List.of(classPath.split(java.io.File.pathSeparator)).contains(self)) {
            classPath = self + java.io.File.pathSeparator + classPath;
        }
        command.add("-cp");
        command.add(classPath);
        return command;
    }
}
