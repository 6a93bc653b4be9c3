package org.ddimspark.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command run to its end with its output in a log file, timed from start to exit, its peak resident
 * memory polled from {@code /proc} while it runs.
 *
 * @param exitCode the exit code
 * @param seconds wall-clock seconds from start to exit
 * @param peakRssBytes the largest peak resident memory read while it ran, or -1
 * @param output what it printed, standard output and error together
 */
record ChildProcess(int exitCode, double seconds, long peakRssBytes, String output) {

    /**
     * Runs a command.
     *
     * @param command the command and its arguments
     * @param log the file that receives its output
     * @param timeoutSeconds how long it may run before it is killed
     * @return how it ended
     * @throws IOException when it cannot start
     * @throws IllegalStateException when it runs past the timeout
     */
    static ChildProcess run(List<String> command, Path log, long timeoutSeconds) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        long started = System.nanoTime();
        Process process = builder.start();
        long peak = -1;
        long deadline = started + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try {
            while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
                peak = Math.max(peak, PeakMemory.of(process.pid()));
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command.subList(0, Math.min(3, command.size())))
                            + " ... ran past " + timeoutSeconds + " s (log: " + log + ")");
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + command.get(0), e);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new ChildProcess(process.exitValue(), seconds, peak,
                Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Returns the last non-empty line of the output, or an empty string. */
    String lastLine() {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
