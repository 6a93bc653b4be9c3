package org.ddimspark.cli;

import java.util.List;
import org.ddimspark.model.DeviceChoice;
import org.ddimspark.model.TorchScriptModel;
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

    /**
     * In local mode, where this JVM runs the tasks, checks before Spark starts that {@code --device gpu} can have
     * one; on a cluster the executors' engines decide.
     *
     * @param spark the job's Spark options
     * @throws IllegalArgumentException with a one-line reason when it cannot
     */
    void checkBeforeSpark(SparkOptions spark) {
        if (choice() == DeviceChoice.GPU && spark.isLocal()) {
            try {
                DeviceChoice.GPU.choose(List.of(), TorchScriptModel.engineGpus());
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }
}
