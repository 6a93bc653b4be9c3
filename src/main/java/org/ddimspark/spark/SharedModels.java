package org.ddimspark.spark;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceUtils;
import org.apache.spark.util.TaskCompletionListener;
import org.ddimspark.model.DeviceChoice;
import org.ddimspark.model.InvalidModelException;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.storage.RemoteModels;

/**
 * The models loaded in this JVM: one load per model directory and device per executor, shared by all the
 * tasks on that device, closed when the JVM exits. A task's device comes from Spark's resources
 * ({@link DeviceChoice}): several tasks given the same GPU (a fractional {@code spark.task.resource.gpu.amount})
 * share its model.
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
     * @param device the device to run it on
     * @return the shared model; do not close it
     */
    public static TorchScriptModel get(String dir, String sha256, Device device) {
        // a remote model is first copied into this host's model cache and verified (RemoteModels)
        return shared(dir, sha256, device, () -> {
            Path local = RemoteModels.localDirectory(dir, sha256, ExecutorHadoop::configuration);
            TorchScriptModel model = TorchScriptModel.load(local, ModelCard.load(local), device);
            if (device.isGpu()) {
                // the driver checked the model on its CPU; a graph can still fail on a GPU (a traced tensor fixed
                // on the CPU): say so in one line at the load, not in every batch's error
                try {
                    model.check();
                } catch (RuntimeException e) {
                    model.close();
                    throw e;
                }
            }
            return model;
        });
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
        return shared(model, card.sha256(), Device.cpu(), () -> TorchScriptModel.load(dir, card, Device.cpu()));
    }

    private static TorchScriptModel shared(String dir, String sha256, Device device, Supplier<TorchScriptModel> loader) {
        TorchScriptModel model = MODELS.computeIfAbsent(key(dir, device), d -> {
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
     * @param choice how to choose the task's device from its resources
     * @param progress the job's counters, which note this JVM's model loads for the run report
     * @return the task's denoiser
     */
    static TorchScriptDenoiser taskDenoiser(String dir, String sha256, DeviceChoice choice, RowProgress progress) {
        TaskContext task = TaskContext.get();
        List<String> gpus = List.of();
        if (task != null) {
            ResourceInformation gpu = task.resourcesJMap().get(ResourceUtils.GPU());
            gpus = gpu == null ? List.of() : List.of(gpu.addresses());
        }
        Device device = choice.choose(gpus, TorchScriptModel.engineGpus());
        TorchScriptDenoiser denoiser = get(dir, sha256, device).newDenoiser();
        SparkEnv env = SparkEnv.get();
        progress.noteModel(env == null ? "driver" : env.executorId(), name(device), loads(dir, device), gpus);
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> denoiser.close());
        }
        return denoiser;
    }

    /**
     * Returns how many times this JVM has loaded a model directory onto a device.
     *
     * @param dir the model directory
     * @param device the device
     * @return 0 or 1 while the JVM runs
     */
    public static int loads(String dir, Device device) {
        AtomicInteger n = LOADS.get(key(dir, device));
        return n == null ? 0 : n.get();
    }

    /** A device as the run report names it: {@code cpu}, {@code gpu0}, {@code gpu1}... */
    static String name(Device device) {
        return device.isGpu() ? "gpu" + device.getDeviceId() : "cpu";
    }

    private static String key(String dir, Device device) {
        return dir + "\n" + name(device);
    }

    private static void closeAll() {
        MODELS.values().forEach(TorchScriptModel::close);
        MODELS.clear();
    }
}
