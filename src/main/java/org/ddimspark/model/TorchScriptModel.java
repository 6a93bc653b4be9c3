package org.ddimspark.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A TorchScript model directory loaded on DJL's PyTorch engine: the native model, shared by every
 * {@link TorchScriptDenoiser} made from it. Load it once per JVM and close it when the JVM is done.
 */
public final class TorchScriptModel implements AutoCloseable {

    private final ModelCard card;
    private final ZooModel<NDList, NDList> model;

    private TorchScriptModel(ModelCard card, ZooModel<NDList, NDList> model) {
        this.card = card;
        this.model = model;
    }

    /**
     * Validates and loads a model directory ({@code model.json} and {@code model.pt}).
     *
     * @param dir the directory, on a local file system
     * @return the loaded model
     * @throws InvalidModelException when the card is invalid or the TorchScript cannot be loaded
     */
    public static TorchScriptModel load(Path dir) {
        ModelCard card = ModelCard.load(dir);
        EngineSettings.applyDefaults();
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine("PyTorch")
                .optModelPath(dir)
                .optModelName(ModelCard.MODEL_FILE.replace(".pt", ""))
                .optOption("mapLocation", "true")
                .build();
        try {
            return new TorchScriptModel(card, criteria.loadModel());
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new InvalidModelException("cannot load " + dir.resolve(ModelCard.MODEL_FILE) + " as TorchScript: "
                    + e.getMessage(), e);
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
        return new TorchScriptDenoiser(card, model);
    }

    @Override
    public void close() {
        model.close();
    }
}
