package org.ddimspark.cli;

import java.nio.file.Path;
import java.util.function.Consumer;
import org.ddimspark.model.BundledModels;
import org.ddimspark.model.ModelCard;
import org.ddimspark.spark.SharedModels;
import org.ddimspark.storage.RemoteModels;
import org.ddimspark.storage.StorageProbe;
import picocli.CommandLine.Option;

/** The {@code --model} option of every command that runs a model. */
final class ModelOption {

    @Option(names = "--model", paramLabel = "DIR|URI|NAME", defaultValue = BundledModels.DEFAULT,
            description = "Model directory (model.pt + model.json) on any Hadoop file system (a path, s3a://, "
                    + "hdfs://) or bundled model: fashion-mnist-flow, fashion-mnist-ddpm (default: ${DEFAULT-VALUE}).")
    String model;

    /**
     * Loads a model's card, checks a job's options against it and runs one forward pass, all before Spark
     * starts: a model that does not fit its card fails here, in one line. In local mode the executors then
     * find the model already loaded.
     *
     * @param model the model directory or URI, or a bundled name
     * @param storage the probe of the job's file systems, which reaches a remote model
     * @param validate checks the job's options against the card
     * @return the card
     */
    static ModelCard checked(String model, StorageProbe storage, Consumer<ModelCard> validate) {
        Path dir = RemoteModels.localDirectory(model, null, storage::configuration);
        ModelCard card = ModelCard.load(dir);
        validate.accept(card);
        SharedModels.get(model, dir, card).check();
        return card;
    }
}
