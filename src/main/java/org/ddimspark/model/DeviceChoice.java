package org.ddimspark.model;

import ai.djl.Device;
import java.util.List;
import java.util.Locale;

/**
 * Where a task runs its model ({@code --device}): {@link #AUTO} takes the GPU that Spark gave the task
 * (its {@code gpu} resource address) when the engine has GPUs, and the CPU otherwise; {@link #GPU} insists on
 * one and fails in one line when the engine sees none; {@link #CPU} never uses one.
 */
public enum DeviceChoice {
    /** The task's GPU resource when there is one and the engine can use it, else the CPU. */
    AUTO,
    /** Always the CPU. */
    CPU,
    /** The task's GPU resource, or GPU 0 without one; an error when the engine has no GPU. */
    GPU;

    /** Returns the option's value, e.g. {@code auto}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code --device}.
     *
     * @param id auto, cpu or gpu
     * @return the choice
     * @throws IllegalArgumentException for any other value
     */
    public static DeviceChoice fromId(String id) {
        for (DeviceChoice c : values()) {
            if (c.id().equals(id == null ? "" : id.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("--device must be auto, cpu or gpu, got '" + id + "'");
    }

    /**
     * Chooses the device of a task.
     *
     * @param gpuAddresses the addresses of the {@code gpu} resource Spark assigned to the task (empty without one)
     * @param engineGpus the GPUs the PyTorch engine of this JVM sees
     * @return the device
     * @throws IllegalStateException with a one-line reason when a GPU is required and the engine has none, or
     *     when the task's address is not a GPU index the engine has
     */
    public Device choose(List<String> gpuAddresses, int engineGpus) {
        if (this == CPU || (this == AUTO && (gpuAddresses.isEmpty() || engineGpus == 0))) {
            return Device.cpu();
        }
        if (engineGpus == 0) {
            throw new IllegalStateException("--device gpu: the PyTorch engine sees no GPU (a CPU-only libtorch is"
                    + " loaded; give executors a CUDA libtorch with PYTORCH_LIBRARY_PATH and PYTORCH_FLAVOR=cu128,"
                    + " see README)");
        }
        if (gpuAddresses.isEmpty()) {
            return Device.gpu(0);
        }
        String address = gpuAddresses.get(0).trim();
        int index;
        try {
            index = Integer.parseInt(address);
        } catch (NumberFormatException e) {
            index = -1;
        }
        if (index < 0 || index >= engineGpus) {
            throw new IllegalStateException("the task was given GPU address '" + address + "', but the PyTorch engine"
                    + " sees GPUs 0.." + (engineGpus - 1) + " (the discovery script must print CUDA device indices)");
        }
        return Device.gpu(index);
    }
}
