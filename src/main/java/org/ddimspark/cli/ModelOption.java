package org.ddimspark.cli;

import java.util.function.Consumer;
import org.ddimspark.model.BundledModels;
import org.ddimspark.model.ModelCard;
import org.ddimspark.spark.SharedModels;
import picocli.CommandLine.Option;

/** The {@code --model} option of every command that runs a model. */
final class ModelOption {

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = BundledModels.DEFAULT,
            description = "Model directory (model.pt + model.json) or bundled model: fashion-mnist-flow, "
                    + "fashion-mnist-ddpm (default: ${DEFAULT-VALUE}).")
    String model;

    /**
     * Loads a model's card, checks a job's options against it and runs one forward pass, all before Spark
     * starts: a model that does not fit its card fails here, in one line. In local mode the executors then
     * find the model already loaded.
     *
     * @param model the model directory or bundled name
     * @param validate checks the job's options against the card
     * @return the card
     */
    static ModelCard checked(String model, Consumer<ModelCard> validate) {
        ModelCard card = ModelCard.load(BundledModels.resolve(model));
        validate.accept(card);
        SharedModels.get(model, card.sha256()).check();
        return card;
    }
}
