package org.ddimspark.evaluation;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddimspark.model.BundledModels;
import org.ddimspark.model.InvalidModelException;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptModel;

/**
 * An image classifier directory: {@code model.pt}, TorchScript {@code forward(x [B, C, H, W]) -> (logits
 * [B, K], features [B, F])}, {@code classifier.json} (input shape, value range, class names, sha256) and
 * {@code test_features.json} (the reference feature statistics). Load once, classify batches from many
 * threads through {@link #classify}, close when done.
 */
public final class ImageClassifier implements AutoCloseable {

    /** The classifier's card. */
    public static final String CARD_FILE = "classifier.json";
    /** The reference statistics. */
    public static final String REFERENCE_FILE = "test_features.json";

    private final String name;
    private final int[] inputShape;
    private final double[] valueRange;
    private final List<String> classNames;
    private final String sha256;
    private final FeatureStatistics reference;
    private final ZooModel<NDList, NDList> model;

    private ImageClassifier(JsonObject card, FeatureStatistics reference, ZooModel<NDList, NDList> model) {
        this.name = card.get("name").getAsString();
        this.inputShape = ints(card, "input_shape");
        this.valueRange = new double[] {card.getAsJsonArray("value_range").get(0).getAsDouble(),
            card.getAsJsonArray("value_range").get(1).getAsDouble()};
        this.classNames = new ArrayList<>();
        card.getAsJsonArray("class_names").forEach(e -> classNames.add(e.getAsString()));
        this.sha256 = card.get("sha256").getAsString();
        this.reference = reference;
        this.model = model;
    }

    /**
     * Loads a classifier: a directory, or the name of a bundled one.
     *
     * @param classifier the directory or name
     * @return the classifier
     */
    public static ImageClassifier load(String classifier) {
        Path dir = Files.isDirectory(Path.of(classifier)) ? Path.of(classifier)
                : BundledModels.isBundled(classifier, CARD_FILE)
                        ? BundledModels.extract(classifier, CARD_FILE, ModelCard.MODEL_FILE, REFERENCE_FILE) : null;
        if (dir == null) {
            throw new InvalidModelException("--classifier " + classifier + ": no such directory, and not a bundled classifier ("
                    + BundledModels.CLASSIFIER + ")");
        }
        JsonObject card;
        FeatureStatistics reference;
        try {
            card = JsonParser.parseString(Files.readString(dir.resolve(CARD_FILE), StandardCharsets.UTF_8)).getAsJsonObject();
            reference = FeatureStatistics.read(dir.resolve(REFERENCE_FILE));
            try (InputStream in = Files.newInputStream(dir.resolve(ModelCard.MODEL_FILE))) {
                String sha = ModelCard.sha256(in);
                if (!sha.equals(card.get("sha256").getAsString())) {
                    throw new InvalidModelException(CARD_FILE + ": field 'sha256' does not match " + ModelCard.MODEL_FILE
                            + " in " + dir);
                }
            }
        } catch (IOException e) {
            throw new InvalidModelException("cannot read the classifier in " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof InvalidModelException) {
                throw e;
            }
            throw new InvalidModelException("invalid classifier in " + dir + ": " + e.getMessage(), e);
        }
        return new ImageClassifier(card, reference, TorchScriptModel.loadTorchScript(dir, null));
    }

    /** Returns the classifier's name. */
    public String name() {
        return name;
    }

    /** Returns [C, H, W]. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** Returns the model-space values of pixel 0 and pixel 255. */
    public double[] valueRange() {
        return valueRange.clone();
    }

    /** Returns the class names. */
    public List<String> classNames() {
        return classNames;
    }

    /** Returns the sha256 of the classifier's model.pt. */
    public String sha256() {
        return sha256;
    }

    /** Returns the feature statistics of the reference set (the test set). */
    public FeatureStatistics reference() {
        return reference;
    }

    /**
     * The classifier's answer for a batch.
     *
     * @param predicted the most likely class of each image
     * @param features the feature vector of each image
     */
    public record Result(int[] predicted, float[][] features) {}

    /**
     * Classifies a batch.
     *
     * @param x {@code batch * C * H * W} values in the classifier's value range
     * @param batch the number of images
     * @return the predictions and features
     */
    public Result classify(float[] x, int batch) {
        try (Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager scope = model.getNDManager().newSubManager()) {
            NDList input = new NDList(scope.create(x, new Shape(batch, inputShape[0], inputShape[1], inputShape[2])));
            NDList out = predictor.predict(input);
            long[] predicted = out.get(0).argMax(1).toLongArray();
            float[] flat = out.get(1).toFloatArray();
            int dim = flat.length / batch;
            int[] classes = new int[batch];
            float[][] features = new float[batch][dim];
            for (int r = 0; r < batch; r++) {
                classes[r] = (int) predicted[r];
                System.arraycopy(flat, r * dim, features[r], 0, dim);
            }
            return new Result(classes, features);
        } catch (TranslateException e) {
            throw new IllegalStateException("classifier " + name + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        model.close();
    }

    private static int[] ints(JsonObject card, String field) {
        var array = card.getAsJsonArray(field);
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsInt();
        }
        return out;
    }
}
