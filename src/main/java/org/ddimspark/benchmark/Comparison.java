package org.ddimspark.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The figures of a {@link LoopComparison} and their Markdown table.
 *
 * @param model the model's name
 * @param sha256 the first 12 hex digits of its sha256
 * @param device the device the model ran on in this JVM
 * @param options what ran
 * @param forwardRows the rows of one forward of a batch (twice the batch with guidance)
 * @param columns the measured columns, a to d; a column that could not run is missing, with a note
 * @param overhead a, b and d on the closed-form model, or empty
 * @param overheadModel the closed-form model's name and directory, or null
 * @param flopsPerRow the network's floating-point operations per row of a forward, or NaN when unknown
 * @param ceilingGflops the engine's float32 matrix-product rate on the same device and threads
 * @param notes why columns are missing
 */
public record Comparison(String model, String sha256, String device, ComparisonOptions options, int forwardRows,
        List<ColumnTiming> columns, List<ColumnTiming> overhead, String overheadModel, double flopsPerRow,
        double ceilingGflops, List<String> notes) {

    /** Target of b/a: the loop adds at most 3% to the network's time. */
    public static final double LOOP_TARGET = 1.03;
    /** Target of the library loop's fixed cost per step, in milliseconds. */
    public static final double FIXED_COST_TARGET_MS = 0.1;

    /**
     * Returns a column by its letter.
     *
     * @param letter a, b, c or d
     * @return the column, when it ran
     */
    public Optional<ColumnTiming> column(char letter) {
        return columns.stream().filter(c -> c.name().charAt(0) == letter).findFirst();
    }

    /** Returns the library loop's fixed cost per step on the closed-form model in ms, or NaN without one. */
    public double fixedCostMs() {
        return overhead.stream().filter(c -> c.name().startsWith("b")).mapToDouble(ColumnTiming::msPerStep)
                .findFirst().orElse(Double.NaN);
    }

    /** Returns the network's achieved GFLOP/s in column a, or NaN when the operations are unknown. */
    public double floorGflops() {
        return column('a').map(this::gflops).orElse(Double.NaN);
    }

    private double gflops(ColumnTiming c) {
        double forwards = (double) c.images() / c.batch() * c.steps();
        return flopsPerRow * forwardRows * forwards / c.seconds() / 1e9;
    }

    /** Returns the table, as Markdown. */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "## `%s` (sha256 %s) on %s%n%n", model, sha256, device));
        md.append(String.format(Locale.ROOT, "%d images of %d DDIM steps (eta 0) in batches of %d (%d rows a forward),"
                + " %d thread%s in total; %s, %d cores, Java %s.%n%n", options.rows(), options.steps(), options.batch(),
                forwardRows, options.threads(), options.threads() == 1 ? "" : "s", cpuName(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        md.append("| column | images/s | ms/step | start-up s | peak RSS MiB | GFLOP/s | how |\n");
        md.append("|---|---:|---:|---:|---:|---:|---|\n");
        for (ColumnTiming c : columns) {
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %s | %s | %s |%n", c.name(),
                    c.imagesPerSecond(), c.msPerStep(), Double.isNaN(c.startupSeconds()) ? "" : format("%.1f",
                    c.startupSeconds()), c.peakRssBytes() < 0 ? "n/a" : format("%.0f", c.peakRssBytes() / 1048576.0),
                    Double.isNaN(flopsPerRow) ? "n/a" : format("%.1f", gflops(c)), c.how()));
        }
        md.append("\n| ratio (time per image) | value | target |\n|---|---:|---|\n");
        ratio(md, 'b', 'a', "b/a: the loop over the bare network", LOOP_TARGET);
        ratio(md, 'c', 'a', "c/a: the job over the bare network", Double.NaN);
        ratio(md, 'c', 'd', "c/d: the job over plain PyTorch (steady state)", 1.0);
        if (!overhead.isEmpty()) {
            md.append(String.format(Locale.ROOT, "%nFixed cost per step: %s, %d images of %d steps in batches of %d"
                    + " (the network's compute almost nil):%n%n| column | ms/step | target |%n|---|---:|---|%n",
                    overheadModel, overhead.get(0).images(), overhead.get(0).steps(), overhead.get(0).batch()));
            for (ColumnTiming c : overhead) {
                boolean library = c.name().startsWith("b");
                md.append(String.format(Locale.ROOT, "| %s | %.3f | %s |%n", c.name(), c.msPerStep(), library
                        ? verdict(c.msPerStep() <= FIXED_COST_TARGET_MS, "<= " + FIXED_COST_TARGET_MS + " ms") : ""));
            }
        }
        md.append(String.format(Locale.ROOT, "%nCeiling: a float32 %d x %d matrix product through the same engine, device"
                + " and threads ran at %.1f GFLOP/s", 1024, 1024, ceilingGflops));
        if (!Double.isNaN(flopsPerRow)) {
            md.append(String.format(Locale.ROOT, "; the network does %.1f MFLOP a row (convolutions, linear layers and"
                    + " products, counted by the plain-PyTorch script), so the bare forwards reach %.1f GFLOP/s, %.0f%%"
                    + " of it", flopsPerRow / 1e6, floorGflops(), 100 * floorGflops() / ceilingGflops));
        }
        md.append(".\n");
        for (String note : notes) {
            md.append("\n- ").append(note);
        }
        if (!notes.isEmpty()) {
            md.append('\n');
        }
        return md.toString();
    }

    /**
     * Writes the table to a file.
     *
     * @param file the file, replaced when it exists
     * @throws IOException when it cannot be written
     */
    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, markdown());
    }

    private void ratio(StringBuilder md, char top, char bottom, String what, double target) {
        Optional<ColumnTiming> a = column(top);
        Optional<ColumnTiming> b = column(bottom);
        if (a.isEmpty() || b.isEmpty()) {
            return;
        }
        double value = a.get().timeRatioTo(b.get());
        String verdict = Double.isNaN(target) ? "" : verdict(value <= target, format("<= %.2f", target));
        md.append(String.format(Locale.ROOT, "| %s | %.3f | %s |%n", what, value, verdict));
    }

    private static String verdict(boolean met, String target) {
        return target + (met ? ": met" : ": missed");
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }

    private static String cpuName() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
