package org.ddimspark.testing;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.ddimspark.model.ModelCard;

/** The closed-form model directories kept as test resources, and cards made up for a test. */
public final class Models {

    private Models() {}

    /** Returns the directory of a test model, for example {@code gaussian-eps}. */
    public static Path dir(String name) {
        try {
            return Path.of(Models.class.getResource("/models/" + name + "/model.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Returns a card made up for a test.
     *
     * @param prediction the prediction type id
     * @param schedule the schedule as JSON, for example {@code {"kind": "linear", ...}}
     * @param input index or unit
     * @param shape [C, H, W]
     * @param classes 0 for unconditional
     * @return the card
     */
    public static ModelCard card(String prediction, String schedule, String input, int[] shape, int classes) {
        String json = "{\"name\": \"test-" + prediction + "\", \"prediction\": \"" + prediction + "\", \"schedule\": "
                + schedule + ", \"timestep_input\": \"" + input + "\", \"sample_shape\": [" + shape[0] + ", "
                + shape[1] + ", " + shape[2] + "], \"value_range\": [-1, 1]"
                + (classes > 0 ? ", \"num_classes\": " + classes : "") + "}";
        return ModelCard.parse(json, "0".repeat(64));
    }

    /** The linear DDPM schedule: T = 1000, betas 1e-4 .. 0.02. */
    public static final String LINEAR = "{\"kind\": \"linear\", \"num_train_timesteps\": 1000, \"beta_start\": 0.0001, \"beta_end\": 0.02}";
    /** Stable Diffusion's scaled_linear schedule. */
    public static final String SCALED_LINEAR = "{\"kind\": \"scaled_linear\", \"num_train_timesteps\": 1000, \"beta_start\": 0.00085, \"beta_end\": 0.012}";
    /** The cosine schedule, T = 1000. */
    public static final String COSINE = "{\"kind\": \"cosine\", \"num_train_timesteps\": 1000}";
    /** Rectified flow. */
    public static final String FLOW = "{\"kind\": \"rectified_flow\"}";
}
