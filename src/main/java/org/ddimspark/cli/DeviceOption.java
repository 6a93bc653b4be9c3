package org.ddimspark.cli;

import org.ddimspark.model.DeviceChoice;
import picocli.CommandLine.Option;

/** The {@code --device} option of the jobs that run a model in Spark tasks. */
final class DeviceOption {

    @Option(names = "--device", paramLabel = "auto|cpu|gpu", defaultValue = "auto",
            description = "Where tasks run the model: auto = the GPU Spark assigned the task (spark.task.resource.gpu"
                    + ".amount), else the CPU; gpu = a GPU or fail; cpu = never a GPU (default: ${DEFAULT-VALUE}).")
    String device;

    /** Returns the choice; throws IllegalArgumentException on a bad value. */
    DeviceChoice choice() {
        return DeviceChoice.fromId(device);
    }
}
