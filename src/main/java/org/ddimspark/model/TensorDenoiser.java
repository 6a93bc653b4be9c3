package org.ddimspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A {@link Denoiser} that also takes and returns tensors on its model's device, so that a sampling loop can
 * keep x_t there between steps.
 */
public interface TensorDenoiser extends Denoiser {

    /** Returns whether the model runs on a GPU. */
    boolean onGpu();

    /**
     * Creates a memory scope on the model's device; arrays made in it live until it is closed.
     *
     * @return the scope; close it
     */
    NDManager newScope();

    /**
     * Runs the network on a batch that is already on the device, all rows at one model time.
     *
     * @param x the inputs, float32 of shape (rows, C, H, W)
     * @param modelTime the timestep input of every row
     * @param y the class of each row (int64 of shape (rows)), or null for an unconditional model
     * @param scope where the output is kept
     * @return the output, float32 of the input's shape
     */
    NDArray forward(NDArray x, float modelTime, NDArray y, NDManager scope);
}
