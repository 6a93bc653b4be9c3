package org.ddimspark.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.schedule.NoiseLevel;
import org.slf4j.LoggerFactory;

/**
 * A TorchScript model directory loaded on DJL's PyTorch engine: the native model, shared by every
 * {@link TorchScriptDenoiser} made from it. Load it once per JVM and close it when the JVM is done.
 */
public final class TorchScriptModel implements AutoCloseable {

    private final ModelCard card;
    private final ZooModel<NDList, NDList> model;
    /** A latent model's decoder and encoder on the same device, else null. */
    private final ZooModel<NDList, NDList> decoder;
    private final ZooModel<NDList, NDList> encoder;

    private TorchScriptModel(ModelCard card, ZooModel<NDList, NDList> model, ZooModel<NDList, NDList> decoder,
            ZooModel<NDList, NDList> encoder) {
        this.card = card;
        this.model = model;
        this.decoder = decoder;
        this.encoder = encoder;
    }

    /**
     * Validates and loads a model directory ({@code model.json} and {@code model.pt}).
     *
     * @param dir the directory, on a local file system
     * @return the loaded model
     * @throws InvalidModelException when the card is invalid or the TorchScript cannot be loaded
     */
    public static TorchScriptModel load(Path dir) {
        return load(dir, ModelCard.load(dir));
    }

    /**
     * Loads a model directory whose card was just read from it ({@link ModelCard#load}, which hashed
     * {@code model.pt}), without reading and hashing it again.
     *
     * @param dir the directory, on a local file system
     * @param card its card
     * @return the loaded model
     * @throws InvalidModelException when the TorchScript cannot be loaded
     */
    public static TorchScriptModel load(Path dir, ModelCard card) {
        return load(dir, card, null);
    }

    /**
     * Loads a model directory whose card was just read from it onto one device.
     *
     * @param dir the directory, on a local file system
     * @param card its card
     * @param device the device, e.g. {@code Device.gpu(1)}; null for the engine's default (its first GPU, else the CPU)
     * @return the loaded model
     * @throws InvalidModelException when the TorchScript cannot be loaded
     */
    public static TorchScriptModel load(Path dir, ModelCard card, Device device) {
        ZooModel<NDList, NDList> network = loadTorchScript(dir, device);
        if (card.latent() == null) {
            return new TorchScriptModel(card, network, null, null);
        }
        ZooModel<NDList, NDList> decoder = null;
        try {
            decoder = loadTorchScript(dir, card.latent().decoder(), device);
            ZooModel<NDList, NDList> encoder = card.latent().encoder() == null ? null
                    : loadTorchScript(dir, card.latent().encoder(), device);
            return new TorchScriptModel(card, network, decoder, encoder);
        } catch (RuntimeException e) {
            network.close();
            if (decoder != null) {
                decoder.close();
            }
            throw e;
        }
    }

    /**
     * Loads {@code model.pt} of a directory on the PyTorch engine, NDList in and out, with the engine
     * settings of {@link EngineSettings}.
     *
     * @param dir the directory
     * @param device the device to load it onto, or null for the engine's default
     * @return the native model; close it
     * @throws InvalidModelException when the file is not loadable TorchScript
     */
    public static ZooModel<NDList, NDList> loadTorchScript(Path dir, Device device) {
        return loadTorchScript(dir, ModelCard.MODEL_FILE, device);
    }

    /**
     * Loads a TorchScript file of a directory, as {@link #loadTorchScript(Path, Device)} loads {@code model.pt}.
     *
     * @param dir the directory
     * @param file the file's name, ending in {@code .pt}
     * @param device the device to load it onto, or null for the engine's default
     * @return the native model; close it
     * @throws InvalidModelException when the file is not loadable TorchScript
     */
    public static ZooModel<NDList, NDList> loadTorchScript(Path dir, String file, Device device) {
        EngineSettings.applyDefaults();
        if (!EngineSettings.oneDnnLimited()) {
            LoggerFactory.getLogger(TorchScriptModel.class).warn("{} is not set in this JVM's environment: on CPUs"
                    + " with AVX-512, libtorch 2.7.1 can return NaN for convolutional models; set it to {}",
                    EngineSettings.ONEDNN_ISA, EngineSettings.ONEDNN_ISA_VALUE);
        }
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine("PyTorch")
                .optModelPath(dir)
                .optModelName(file.substring(0, file.length() - ".pt".length()))
                .optOption("mapLocation", "true")
                .optDevice(device)
                .build();
        try {
            return criteria.loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new InvalidModelException("cannot load " + dir.resolve(file) + " as TorchScript: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Checks the model with one forward pass of a batch of two seeded-noise samples at the noisiest point
     * of its path (for a conditional model, one with class 0 and one with the null class): the output must
     * have the input's shape and be finite.
     *
     * @return a one-line description of the check
     * @throws InvalidModelException with a one-line reason when the model fails
     */
    public String check() {
        int batch = 2;
        int size = card.sampleSize();
        NoiseLevel first = card.noisiestLevel();
        float[] x = new float[batch * size];
        for (int r = 0; r < batch; r++) {
            SeededNoise.fill(r, SeededNoise.LATENT_STREAM, x, r * size, size);
        }
        float[] t = new float[batch];
        Arrays.fill(t, (float) first.modelTime());
        long[] y = card.isConditional() ? new long[] {0, card.numClasses()} : null;
        int[] shape = card.sampleShape();
        String input = "[" + batch + ", " + shape[0] + ", " + shape[1] + ", " + shape[2] + "]";
        float[] output;
        try (TorchScriptDenoiser denoiser = newDenoiser()) {
            output = denoiser.forward(x, t, y, batch);
        } catch (RuntimeException e) {
            String line = usefulLine(e);
            throw new InvalidModelException(ModelCard.MODEL_FILE + " fails on an input of " + input + " at " + first.label()
                    + " on " + device() + " (" + likelyCause(line) + "): " + line, e);
        }
        if (output.length != x.length) {
            throw new InvalidModelException(ModelCard.MODEL_FILE + " returned " + output.length + " values for an input of "
                    + input + ": its output does not match sample_shape " + Arrays.toString(shape));
        }
        for (float v : output) {
            if (!Float.isFinite(v)) {
                throw new InvalidModelException(ModelCard.MODEL_FILE + " returned a non-finite value on seeded noise at "
                        + first.label());
            }
        }
        String checked = "forward of " + input + " at " + first.label() + " on " + device();
        ModelCard.LatentSpace latent = card.latent();
        if (latent == null) {
            return checked;
        }
        int[] image = latent.imageShape();
        String decoded = "[" + batch + ", " + image[0] + ", " + image[1] + ", " + image[2] + "]";
        float[] images;
        try (TorchScriptDenoiser denoiser = newDenoiser()) {
            images = denoiser.images(output, batch);
        } catch (RuntimeException e) {
            throw new InvalidModelException(latent.decoder() + " fails on the network's output of " + input + " (the"
                    + " decoder must turn it into " + decoded + ", latent.image_shape of " + ModelCard.CARD_FILE + "): "
                    + usefulLine(e), e);
        }
        for (float v : images) {
            if (!Float.isFinite(v)) {
                throw new InvalidModelException(latent.decoder() + " returned a non-finite value for the network's output");
            }
        }
        return checked + ", decoded to " + decoded;
    }

    /**
     * What a failed check most likely means, from the line of the error: a tensor of the graph fixed on
     * another device, or a card that does not match the network.
     */
    static String likelyCause(String line) {
        if (line.contains("same device")) {
            // torch.jit.trace records tensors made inside forward (torch.arange, torch.zeros...) on the device
            // it traced on; such a graph runs only there
            return "a tensor in its graph is fixed on another device, as torch.jit.trace fixes tensors made inside"
                    + " forward: trace it on the device it runs on, make them on an input's device, or torch.jit.script"
                    + " it; --device cpu runs it as it is";
        }
        return "sample_shape, timestep_input and num_classes of " + ModelCard.CARD_FILE + " must match it";
    }

    /** The line of a (TorchScript) error that says what went wrong. */
    static String usefulLine(Throwable e) {
        String message = e.getMessage();
        for (Throwable c = e.getCause(); (message == null || message.isBlank()) && c != null; c = c.getCause()) {
            message = c.getMessage();
        }
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        String[] lines = message.split("\\R");
        for (String line : lines) {
            if (line.trim().startsWith("RuntimeError:")) {
                return line.trim();
            }
        }
        for (String line : lines) {
            if (!line.isBlank()) {
                return line.trim();
            }
        }
        return e.getClass().getSimpleName();
    }

    /**
     * Returns how many GPUs the PyTorch engine of this JVM sees: 0 with a CPU-only libtorch. The engine does
     * not gain or lose GPUs while the JVM runs, so it is asked once.
     *
     * @return the count
     */
    public static int engineGpus() {
        return EngineGpus.COUNT;
    }

    /** The engine's GPU count, asked once per JVM (every task chooses its device by it). */
    private static final class EngineGpus {
        static final int COUNT = count();

        private static int count() {
            EngineSettings.applyDefaults();
            return ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
        }
    }

    /** Returns the model's card. */
    public ModelCard card() {
        return card;
    }

    /** Returns the device the model runs on, for example {@code cpu()} or {@code gpu(0)}. */
    public String device() {
        return model.getNDManager().getDevice().toString();
    }

    /**
     * Returns a new denoiser on this model. Denoisers are not thread-safe: make one per thread or task,
     * and close it; closing it leaves the model loaded.
     *
     * @return the denoiser
     */
    public TorchScriptDenoiser newDenoiser() {
        return new TorchScriptDenoiser(card, model, decoder, encoder, card.forwardBatch());
    }

    /**
     * Returns a new denoiser whose forwards run on chunks of another size than the card's
     * {@code forward_batch}: for measuring which size to write into a card. Its outputs can differ from
     * those of {@link #newDenoiser()} in the last bits, so jobs never use it.
     *
     * @param forwardBatch the rows of every network forward, at least 1
     * @return the denoiser
     */
    public TorchScriptDenoiser newDenoiser(int forwardBatch) {
        return new TorchScriptDenoiser(card, model, decoder, encoder, forwardBatch);
    }

    @Override
    public void close() {
        model.close();
        if (decoder != null) {
            decoder.close();
        }
        if (encoder != null) {
            encoder.close();
        }
    }
}
