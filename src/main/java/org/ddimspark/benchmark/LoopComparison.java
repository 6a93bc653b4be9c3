package org.ddimspark.benchmark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.ddimspark.model.EngineSettings;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.sampling.Sampler;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.schedule.NoiseLevel;

/**
 * The four-column benchmark: the same sampling (images, batch, steps, threads) run as
 * <ol type="a">
 *   <li>bare TorchScript forwards through DJL, the floor: the forwards the loop makes and nothing else;</li>
 *   <li>the library's loop ({@link Sampler#of}), no Spark;</li>
 *   <li>the {@code sample} job end to end on {@code local[N]} in JVMs of its own ({@link SampleJobProcess});</li>
 *   <li>a plain PyTorch loop over the same {@code model.pt} ({@link PlainPyTorchLoop}).</li>
 * </ol>
 * and the fixed cost per step of a, b and d on a closed-form model (batches of the card's forward batch: the
 * network's compute is almost nil), the network's operations per row, and the engine's float32
 * matrix-product rate as the ceiling of its GFLOP/s. Columns a and b run in this JVM on the loaded model, each after a warm-up batch;
 * c and d in processes of their own. Every column runs once a round, and the median round counts.
 */
public final class LoopComparison {

    private static final int MATMUL_SIZE = 1024;
    /** Rounds of the fixed-cost columns in this JVM, of which the median counts: the first ones compile the loop. */
    private static final int OVERHEAD_ROUNDS = 5;

    private final ComparisonOptions options;
    private final Path work;

    /**
     * Creates the benchmark.
     *
     * @param options what to run
     * @param work a folder for the job outputs, the script and the logs
     */
    public LoopComparison(ComparisonOptions options, Path work) {
        this.options = options;
        this.work = work;
    }

    /**
     * Runs every column.
     *
     * @param dir the model's directory
     * @param model the model, loaded from it
     * @return the figures
     * @throws IOException when a process cannot start or its files cannot be written
     */
    public Comparison run(Path dir, TorchScriptModel model) throws IOException {
        ModelCard card = model.card();
        String device = model.device();
        int rows = options.rows();
        int batch = options.batch();
        List<String> notes = new ArrayList<>();
        PlainPyTorchLoop plain = new PlainPyTorchLoop(options.python(), work);
        String unavailable = plain.unavailable();
        if (unavailable != null) {
            notes.add("d. plain PyTorch: not measured: " + unavailable);
        }
        String torchDevice = device.startsWith("gpu") ? "cuda" : "cpu";
        SampleJobProcess job = new SampleJobProcess(work);
        // every column once a round, so that the machine's drift over minutes falls on all of them alike
        List<List<ColumnTiming>> rounds = new ArrayList<>();
        try (InProcessColumns inProcess = new InProcessColumns(model, rows, batch, options.steps())) {
            for (int round = 0; round < options.rounds(); round++) {
                List<ColumnTiming> timings = new ArrayList<>(inProcess.round(round % 2 == 1));
                if (notes.stream().noneMatch(n -> n.startsWith("c."))) {
                    try {
                        timings.add(job.run(dir, card.isConditional(), rows, options.jobRows(), batch, options.steps(),
                                options.threads(), device.startsWith("gpu")));
                    } catch (IllegalStateException e) {
                        notes.add("c. sample job: not measured: " + e.getMessage());
                    }
                }
                if (unavailable == null) {
                    timings.add(plain.run(dir, rows, batch, options.steps(), options.threads(), torchDevice));
                }
                rounds.add(timings);
            }
        }
        List<ColumnTiming> columns = medians(rounds);
        double flops = unavailable == null ? plain.flopsPerRow(dir) : Double.NaN;
        List<ColumnTiming> overhead = List.of();
        String overheadModel = null;
        if (options.overheadModel() != null) {
            try (TorchScriptModel closedForm = TorchScriptModel.load(options.overheadModel())) {
                overheadModel = closedForm.card().name() + " (" + options.overheadModel() + ")";
                // a batch of one forward chunk: no padding, and without guidance (the card's) one forward a step
                int perBatch = closedForm.card().forwardBatch();
                int n = ComparisonOptions.OVERHEAD_BATCHES * perBatch;
                List<List<ColumnTiming>> overheadRounds = new ArrayList<>();
                try (InProcessColumns inProcess = new InProcessColumns(closedForm, n, perBatch, options.overheadSteps())) {
                    for (int round = 0; round < OVERHEAD_ROUNDS; round++) {
                        List<ColumnTiming> timings = new ArrayList<>(inProcess.round(round % 2 == 1));
                        if (unavailable == null) {
                            timings.add(plain.run(options.overheadModel(), n, perBatch, options.overheadSteps(),
                                    options.threads(), torchDevice));
                        }
                        overheadRounds.add(timings);
                    }
                }
                overhead = medians(overheadRounds);
            }
        }
        return new Comparison(card.name(), card.sha256().substring(0, 12), device, options,
                forwardRows(card, batch), columns, overhead, overheadModel, flops, ceilingGflops(model), notes);
    }

    /** Each column's median round: the median seconds and start-up, the largest peak memory. */
    private static List<ColumnTiming> medians(List<List<ColumnTiming>> rounds) {
        List<ColumnTiming> medians = new ArrayList<>();
        for (int c = 0; c < rounds.get(0).size(); c++) {
            int column = c;
            List<ColumnTiming> all = rounds.stream().filter(r -> r.size() > column).map(r -> r.get(column)).toList();
            ColumnTiming first = all.get(0);
            double seconds = ForwardBenchmark.median(all.stream().mapToDouble(ColumnTiming::seconds).toArray());
            double startup = ForwardBenchmark.median(all.stream().mapToDouble(ColumnTiming::startupSeconds).toArray());
            long peak = all.stream().mapToLong(ColumnTiming::peakRssBytes).max().orElse(-1);
            medians.add(new ColumnTiming(first.name(), first.images(), first.batch(), first.steps(), seconds, startup,
                    peak, first.threads(), first.how() + "; median of " + all.size() + " round"
                    + (all.size() == 1 ? "" : "s")));
        }
        return medians;
    }

    /**
     * Columns a and b in this JVM on one model: a denoiser each, warmed up with a batch at creation; each
     * round times every image of a, then of b (b first when reversed).
     */
    private static final class InProcessColumns implements AutoCloseable {

        private final ModelCard card;
        private final int rows;
        private final int batch;
        private final int forwardRows;
        private final float[] x;
        private final long[] y;
        private final float[][] t;
        private final TorchScriptDenoiser bare;
        private final TorchScriptDenoiser looped;
        private final Sampler sampler;

        InProcessColumns(TorchScriptModel model, int rows, int batch, int steps) {
            this.card = model.card();
            this.rows = rows;
            this.batch = batch;
            SamplerOptions sampling = SamplerOptions.builder().setSteps(steps).build();
            NoiseLevel[] levels = sampling.levels(card);
            this.forwardRows = forwardRows(card, batch);
            this.x = SeededRows.latents(card, 0, forwardRows);
            this.y = card.isConditional() ? LongStream.range(0, forwardRows)
                    .map(r -> r < batch ? r % card.numClasses() : card.numClasses()).toArray() : null;
            this.t = new float[levels.length - 1][forwardRows];
            for (int k = 0; k < t.length; k++) {
                Arrays.fill(t[k], (float) levels[k].modelTime());
            }
            this.bare = model.newDenoiser();
            this.looped = model.newDenoiser();
            this.sampler = Sampler.of(looped, sampling);
            floor();
            sample(sampler, card, 0, batch);
        }

        /** a: the forwards of the loop, at the loop's points, with its guidance halves, and nothing else. */
        private void floor() {
            for (float[] tk : t) {
                bare.forward(x, tk, y, forwardRows);
            }
        }

        List<ColumnTiming> round(boolean reversed) {
            double[] seconds = new double[2];
            long[] peaks = new long[2];
            for (int i = 0; i < 2; i++) {
                int column = reversed ? 1 - i : i;
                PeakMemory.resetSelf();
                long started = System.nanoTime();
                for (int b = 0; b < rows / batch; b++) {
                    if (column == 0) {
                        floor();
                    } else {
                        // b: the library's loop over seeded x_T, the sampler a task would use on this device
                        sample(sampler, card, b * batch, batch);
                    }
                }
                seconds[column] = (System.nanoTime() - started) / 1e9;
                peaks[column] = PeakMemory.self();
            }
            int threads = EngineSettings.intraOpThreads();
            return List.of(
                    new ColumnTiming("a. bare forwards", rows, batch, t.length, seconds[0], Double.NaN, peaks[0], threads,
                            "this JVM: DJL forwards of " + forwardRows + " rows in chunks of the card's "
                            + card.forwardBatch() + ", " + threads(threads)),
                    new ColumnTiming("b. library loop", rows, batch, t.length, seconds[1], Double.NaN, peaks[1], threads,
                            "this JVM: " + sampler.getClass().getSimpleName() + ", " + threads(threads)));
        }

        @Override
        public void close() {
            bare.close();
            looped.close();
        }
    }

    private static void sample(Sampler sampler, ModelCard card, int first, int batch) {
        sampler.sample(SeededRows.latents(card, first, batch), LongStream.range(first, first + batch).toArray(),
                SeededRows.classes(card, first, batch));
    }

    /** The rows of one forward of a batch: twice the requests when the card's guidance needs the null half. */
    private static int forwardRows(ModelCard card, int batch) {
        boolean guided = card.isConditional()
                && SamplerOptions.builder().setSteps(1).build().guidanceFor(card, true) != 1.0;
        return guided ? 2 * batch : batch;
    }

    /** GFLOP/s of a float32 matrix product of 1024 x 1024 on the model's device and threads: median of 5. */
    private static double ceilingGflops(TorchScriptModel model) {
        try (TorchScriptDenoiser denoiser = model.newDenoiser(); NDManager scope = denoiser.newScope()) {
            NDArray a = scope.randomNormal(new Shape(MATMUL_SIZE, MATMUL_SIZE));
            NDArray b = scope.randomNormal(new Shape(MATMUL_SIZE, MATMUL_SIZE));
            double[] seconds = new double[7];
            for (int i = 0; i < seconds.length; i++) {
                long started = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.get(0, 0).getFloat();
                }
                seconds[i] = (System.nanoTime() - started) / 1e9;
            }
            double median = ForwardBenchmark.median(Arrays.copyOfRange(seconds, 2, seconds.length));
            return 2.0 * MATMUL_SIZE * MATMUL_SIZE * MATMUL_SIZE / median / 1e9;
        }
    }

    private static String threads(int n) {
        return n + " intra-op thread" + (n == 1 ? "" : "s");
    }
}
