package org.ddimspark.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The peak resident memory (Linux's {@code VmHWM}) of this process or another, read from {@code /proc};
 * -1 where {@code /proc} does not have it. This process's peak can be reset to its current resident memory
 * between measurements ({@code /proc/self/clear_refs}, Linux 4.0 and later).
 */
final class PeakMemory {

    private PeakMemory() {}

    /** Resets this process's peak to its current resident memory, where the kernel allows it. */
    static void resetSelf() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            // the peak then covers everything this process did before: the table says where it comes from
        }
    }

    /** Returns this process's peak resident memory in bytes, or -1. */
    static long self() {
        return of(ProcessHandle.current().pid());
    }

    /**
     * Returns a process's peak resident memory in bytes so far.
     *
     * @param pid the process
     * @return the bytes, or -1 when the process is gone or {@code /proc} is not there
     */
    static long of(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
