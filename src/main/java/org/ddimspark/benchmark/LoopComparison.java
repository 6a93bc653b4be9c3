package org.ddimspark.benchmark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.ddimspark.model.EngineSettings;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.noise.SeededNoise;
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
 * network's compute is almost nil), the network's operations per row and the engine's float32 matrix-product rate as the
 * ceiling of its GFLOP/s. Columns a and b run in this JVM on the loaded model, each after a warm-up batch;
 * c and d in their own processes.
 */
public final class LoopComparison {

    private static final int MATMUL_SIZE = 1024;
    /** Runs of the fixed-cost columns in this JVM, of which the median counts: the first ones compile the loop. */
    private static final int OVERHEAD_REPEATS = 5;

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
        List<ColumnTiming> columns = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        columns.add(floor(model, rows, batch, options.steps(), 1));
        columns.add(loop(model, rows, batch, options.steps(), 1));
        try {
            columns.add(new SampleJobProcess(work).run(dir, card.isConditional(), rows, options.jobRows(), batch,
                    options.steps(), options.threads()));
        } catch (IllegalStateException e) {
            notes.add("c. sample job: not measured: " + e.getMessage());
        }
        PlainPyTorchLoop plain = new PlainPyTorchLoop(options.python(), work);
        String unavailable = plain.unavailable();
        String torchDevice = device.startsWith("gpu") ? "cuda" : "cpu";
        double flops = Double.NaN;
        if (unavailable == null) {
            columns.add(plain.run(dir, rows, batch, options.steps(), options.threads(), torchDevice));
            flops = plain.flopsPerRow(dir);
        } else {
            notes.add("d. plain PyTorch: not measured: " + unavailable);
        }
        List<ColumnTiming> overhead = new ArrayList<>();
        String overheadModel = null;
        if (options.overheadModel() != null) {
            try (TorchScriptModel closedForm = TorchScriptModel.load(options.overheadModel())) {
                overheadModel = closedForm.card().name() + " (" + options.overheadModel() + ")";
                // a batch of one forward chunk: no padding, and without guidance (the card's) one forward a step
                int perBatch = closedForm.card().forwardBatch();
                int n = ComparisonOptions.OVERHEAD_BATCHES * perBatch;
                overhead.add(floor(closedForm, n, perBatch, options.overheadSteps(), OVERHEAD_REPEATS));
                overhead.add(loop(closedForm, n, perBatch, options.overheadSteps(), OVERHEAD_REPEATS));
                if (unavailable == null) {
                    overhead.add(plain.run(options.overheadModel(), n, perBatch, options.overheadSteps(),
                            options.threads(), torchDevice));
                }
            }
        }
        return new Comparison(card.name(), card.sha256().substring(0, 12), device, options,
                forwardRows(card, batch), columns, overhead, overheadModel, flops, ceilingGflops(model), notes);
    }

    /** Column a: the forwards of the loop, at the loop's points, with its guidance halves, and nothing else. */
    private ColumnTiming floor(TorchScriptModel model, int rows, int batch, int steps, int repeats) {
        ModelCard card = model.card();
        NoiseLevel[] levels = SamplerOptions.builder().setSteps(steps).build().levels(card);
        int forwardRows = forwardRows(card, batch);
        float[] x = noise(card, forwardRows);
        long[] y = card.isConditional() ? LongStream.range(0, forwardRows)
                .map(r -> r < batch ? r % card.numClasses() : card.numClasses()).toArray() : null;
        float[][] t = new float[levels.length - 1][forwardRows];
        for (int k = 0; k < t.length; k++) {
            Arrays.fill(t[k], (float) levels[k].modelTime());
        }
        try (TorchScriptDenoiser denoiser = model.newDenoiser()) {
            for (float[] tk : t) {
                denoiser.forward(x, tk, y, forwardRows);
            }
            PeakMemory.resetSelf();
            double[] times = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long started = System.nanoTime();
                for (int b = 0; b < rows / batch; b++) {
                    for (float[] tk : t) {
                        denoiser.forward(x, tk, y, forwardRows);
                    }
                }
                times[i] = (System.nanoTime() - started) / 1e9;
            }
            double seconds = ForwardBenchmark.median(times);
            return new ColumnTiming("a. bare forwards", rows, batch, t.length, seconds, Double.NaN, PeakMemory.self(),
                    EngineSettings.intraOpThreads(), "this JVM: DJL forwards of " + forwardRows + " rows in chunks of the card's "
                    + card.forwardBatch() + ", " + threads(EngineSettings.intraOpThreads()));
        }
    }

    /** Column b: the library's loop over seeded x_T, the sampler a task would use on this device. */
    private ColumnTiming loop(TorchScriptModel model, int rows, int batch, int steps, int repeats) {
        ModelCard card = model.card();
        SamplerOptions sampling = SamplerOptions.builder().setSteps(steps).build();
        try (TorchScriptDenoiser denoiser = model.newDenoiser()) {
            Sampler sampler = Sampler.of(denoiser, sampling);
            sample(sampler, card, 0, batch);
            PeakMemory.resetSelf();
            double[] times = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long started = System.nanoTime();
                for (int b = 0; b < rows / batch; b++) {
                    sample(sampler, card, b * batch, batch);
                }
                times[i] = (System.nanoTime() - started) / 1e9;
            }
            double seconds = ForwardBenchmark.median(times);
            return new ColumnTiming("b. library loop", rows, batch, sampling.levels(card).length - 1, seconds,
                    Double.NaN, PeakMemory.self(), EngineSettings.intraOpThreads(), "this JVM: "
                    + sampler.getClass().getSimpleName() + ", " + threads(EngineSettings.intraOpThreads()));
        }
    }

    private static void sample(Sampler sampler, ModelCard card, int first, int batch) {
        int size = card.sampleSize();
        float[] latents = new float[batch * size];
        long[] seeds = LongStream.range(first, first + batch).toArray();
        for (int r = 0; r < batch; r++) {
            SeededNoise.fill(seeds[r], SeededNoise.LATENT_STREAM, latents, r * size, size);
        }
        int[] classes = card.isConditional()
                ? IntStream.range(first, first + batch).map(i -> i % card.numClasses()).toArray() : null;
        if (sampler.sample(latents, seeds, classes).errors().length != batch) {
            throw new IllegalStateException("the sampler returned another number of rows");
        }
    }

    /** The rows of one forward of a batch: twice the requests when the card's guidance needs the null half. */
    private static int forwardRows(ModelCard card, int batch) {
        boolean guided = card.isConditional()
                && SamplerOptions.builder().setSteps(1).build().guidanceFor(card, true) != 1.0;
        return guided ? 2 * batch : batch;
    }

    private static float[] noise(ModelCard card, int rows) {
        int size = card.sampleSize();
        float[] x = new float[rows * size];
        for (int r = 0; r < rows; r++) {
            SeededNoise.fill(r, SeededNoise.LATENT_STREAM, x, r * size, size);
        }
        return x;
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
