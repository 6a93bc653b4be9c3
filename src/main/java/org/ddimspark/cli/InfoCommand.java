package org.ddimspark.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.storage.RemoteModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code ddim info}: print what a model card says and check the model with one forward pass. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the model card and check the model with one forward pass.")
final class InfoCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        // a model on a remote file system is reached with the default Hadoop settings and credential chain
        Path dir = RemoteModels.localDirectory(model.model, null, Configuration::new);
        ModelCard card = ModelCard.load(dir);
        out.println("model       " + card.name());
        out.println("sha256      " + card.sha256() + " (model.pt)");
        out.println("prediction  " + card.prediction().id());
        out.println("schedule    " + card.schedule());
        out.println("time input  " + card.timestepInput().id());
        if (card.latent() == null) {
            out.println("sample      " + Arrays.toString(card.sampleShape()) + " in " + Arrays.toString(card.valueRange()));
        } else {
            ModelCard.LatentSpace latent = card.latent();
            out.println("sample      latent " + Arrays.toString(card.sampleShape()) + ", decoded by " + latent.decoder()
                    + " to " + Arrays.toString(latent.imageShape()) + " in " + Arrays.toString(card.valueRange())
                    + " (scale " + latent.scale() + ", shift " + latent.shift()
                    + (latent.encoder() == null ? ", no encoder" : ", encoder " + latent.encoder()) + ")");
        }
        out.println("classes     " + (card.isConditional() ? card.numClasses()
                + (card.classNames().isEmpty() ? "" : " " + card.classNames()) + ", guidance " + card.guidance()
                : "none (unconditional)"));
        long started = System.nanoTime();
        try (TorchScriptModel loaded = TorchScriptModel.load(dir, card)) {
            String check = loaded.check();
            out.printf("check       ok: %s (load and forward %.0f ms)%n", check, (System.nanoTime() - started) / 1e6);
        }
        return 0;
    }
}
