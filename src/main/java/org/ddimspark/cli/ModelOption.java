package org.ddimspark.cli;

import org.ddimspark.model.BundledModels;
import picocli.CommandLine.Option;

/** The {@code --model} option of every command that runs a model. */
final class ModelOption {

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = BundledModels.DEFAULT,
            description = "Model directory (model.pt + model.json) or bundled model: fashion-mnist-flow, "
                    + "fashion-mnist-ddpm (default: ${DEFAULT-VALUE}).")
    String model;
}
