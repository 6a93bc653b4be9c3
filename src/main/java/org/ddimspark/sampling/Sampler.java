package org.ddimspark.sampling;

import org.ddimspark.model.Denoiser;
import org.ddimspark.model.TensorDenoiser;

/**
 * Samples batches of requests from their x_T: {@link DdimSampler} in double precision on the JVM (the same
 * bits on every machine), {@link TensorDdimSampler} with x_t kept on a GPU, or {@link ExactSampler}, which
 * also takes the pairs of an exact inversion.
 */
public interface Sampler {

    /**
     * Samples a batch.
     *
     * @param latents x_T of each request, {@code batch * C * H * W} floats; not modified
     * @param seeds each request's seed, which keys its fresh noise when eta &gt; 0
     * @param classes each request's class, or null for unconditional requests
     * @return the samples and per-request errors
     */
    BatchResult sample(float[] latents, long[] seeds, int[] classes);

    /**
     * Returns the sampler for a denoiser: {@link ExactSampler} for {@link Solver#EXACT}; else the tensor loop when its model runs on a GPU, where a round trip
     * of x_t through the JVM at every step would cost more than the step; the double-precision loop otherwise.
     *
     * @param denoiser the network
     * @param options how to sample
     * @return the sampler
     */
    static Sampler of(Denoiser denoiser, SamplerOptions options) {
        if (options.solver() == Solver.EXACT) {
            return new ExactSampler(denoiser, options);
        }
        if (denoiser instanceof TensorDenoiser tensors && tensors.onGpu()) {
            return new TensorDdimSampler(tensors, options);
        }
        return new DdimSampler(denoiser, options);
    }
}
