package org.ddimspark.benchmark;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Column d of {@link LoopComparison}: the DDIM loop a user would write in plain PyTorch over the same
 * {@code model.pt}, run by a Python interpreter from the script that ships in the jar
 * ({@code org/ddimspark/benchmark/plain_pytorch_ddim.py}).
 */
final class PlainPyTorchLoop {

    static final String SCRIPT = "plain_pytorch_ddim.py";
    private static final long TIMEOUT_SECONDS = 3600;

    private final String python;
    private final Path work;
    private final Path script;

    /**
     * Extracts the script into a work folder.
     *
     * @param python the interpreter, for example {@code /usr/bin/python3}
     * @param work a folder for the script and the logs
     * @throws IOException when the script cannot be written
     */
    PlainPyTorchLoop(String python, Path work) throws IOException {
        this.python = python;
        this.work = work;
        this.script = work.resolve(SCRIPT);
        try (InputStream in = PlainPyTorchLoop.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IOException(SCRIPT + " is missing from the class path");
            }
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Returns why the interpreter cannot run the loop (no such program, no torch), or null when it can. */
    String unavailable() {
        try {
            ChildProcess p = ChildProcess.run(List.of(python, "-c", "import torch; print(torch.__version__)"),
                    work.resolve("python-check.log"), 120);
            return p.exitCode() == 0 ? null : python + " cannot import torch (" + p.lastLine() + ")";
        } catch (IOException e) {
            return python + " cannot be run (" + e.getMessage() + ")";
        }
    }

    /**
     * Runs the loop.
     *
     * @param model the model directory
     * @param rows the images
     * @param batch the images of a batch
     * @param steps the steps
     * @param threads torch's intra-op threads
     * @param device {@code cpu} or {@code cuda}
     * @return the timing (steady state: the script leaves out its warm-up batch)
     * @throws IOException when it cannot start
     */
    ColumnTiming run(Path model, int rows, int batch, int steps, int threads, String device) throws IOException {
        List<String> command = command(model, "--rows", rows, "--batch", batch, "--steps", steps, "--threads", threads);
        command.add("--device");
        command.add(device);
        JsonObject json = result(command, "plain-" + rows + "-" + batch + "-" + steps + ".log");
        return new ColumnTiming("d. plain PyTorch", rows, batch, steps, json.get("seconds").getAsDouble(), Double.NaN,
                json.get("peak_rss_bytes").getAsLong(), threads,
                "torch " + json.get("torch").getAsString() + ", one process, " + threads + " intra-op thread"
                        + (threads == 1 ? "" : "s"));
    }

    /**
     * Returns the floating-point operations of one row of the model's forward, as the script counts them.
     *
     * @param model the model directory
     * @return the operations
     * @throws IOException when it cannot start
     */
    double flopsPerRow(Path model) throws IOException {
        List<String> command = command(model);
        command.add("--flops");
        return result(command, "flops.log").get("flops_per_row").getAsDouble();
    }

    private List<String> command(Path model, Object... options) {
        List<String> command = new ArrayList<>(List.of(python, script.toString(), model.toString()));
        for (Object option : options) {
            command.add(option.toString());
        }
        return command;
    }

    private JsonObject result(List<String> command, String log) throws IOException {
        ChildProcess p = ChildProcess.run(command, work.resolve(log), TIMEOUT_SECONDS);
        if (p.exitCode() != 0 || !p.lastLine().startsWith("{")) {
            throw new IllegalStateException(SCRIPT + " exited with " + p.exitCode() + ": " + p.lastLine());
        }
        return JsonParser.parseString(p.lastLine()).getAsJsonObject();
    }
}
