package org.ddimspark.spark;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.ddimspark.model.InvalidModelException;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.storage.RemoteModels;

/**
 * The models loaded in this JVM: one load per model directory per executor, shared by all its tasks,
 * closed when the JVM exits.
 */
public final class SharedModels {

    private static final Map<String, TorchScriptModel> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(SharedModels::closeAll, "ddim-close-models"));
    }

    private SharedModels() {}

    /**
     * Returns the model of a directory, loading it on first use.
     *
     * @param dir the model directory, or a bundled model's name
     * @param sha256 the sha256 the driver saw, which the executor's copy must have
     * @return the shared model; do not close it
     */
    public static TorchScriptModel get(String dir, String sha256) {
        // a remote model is first copied into this host's model cache and verified (RemoteModels)
        return shared(dir, sha256, () -> TorchScriptModel.load(
                RemoteModels.localDirectory(dir, sha256, ExecutorHadoop::configuration)));
    }

    /**
     * Shares a model whose local directory and card the driver has just read, loading it on first use
     * without resolving, copying or hashing it again.
     *
     * @param model the {@code --model} value, the key executors in this JVM look it up by
     * @param dir its local directory
     * @param card the card read from it
     * @return the shared model; do not close it
     */
    public static TorchScriptModel get(String model, Path dir, ModelCard card) {
        return shared(model, card.sha256(), () -> TorchScriptModel.load(dir, card));
    }

    private static TorchScriptModel shared(String dir, String sha256, Supplier<TorchScriptModel> loader) {
        TorchScriptModel model = MODELS.computeIfAbsent(dir, d -> {
            LOADS.computeIfAbsent(d, k -> new AtomicInteger()).incrementAndGet();
            return loader.get();
        });
        if (!model.card().sha256().equals(sha256)) {
            throw new InvalidModelException("model " + dir + " on this executor hashes to " + model.card().sha256()
                    + ", not " + sha256 + " as on the driver: the executors see another model.pt");
        }
        return model;
    }

    /**
     * Returns a denoiser of the shared model for the current Spark task, closed when the task completes.
     *
     * @param dir the model directory, or a bundled model's name
     * @param sha256 the sha256 the driver saw
     * @param progress the job's counters, which note this JVM's model loads for the run report
     * @return the task's denoiser
     */
    static TorchScriptDenoiser taskDenoiser(String dir, String sha256, RowProgress progress) {
        TorchScriptDenoiser denoiser = get(dir, sha256).newDenoiser();
        SparkEnv env = SparkEnv.get();
        progress.noteModelLoads(env == null ? "driver" : env.executorId(), loads(dir));
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> denoiser.close());
        }
        return denoiser;
    }

    /**
     * Returns how many times this JVM has loaded a model directory.
     *
     * @param dir the model directory
     * @return 0 or 1 while the JVM runs
     */
    public static int loads(String dir) {
        AtomicInteger n = LOADS.get(dir);
        return n == null ? 0 : n.get();
    }

    private static void closeAll() {
        MODELS.values().forEach(TorchScriptModel::close);
        MODELS.clear();
    }
}
