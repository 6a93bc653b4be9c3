package org.ddimspark.sampling;

import org.ddimspark.model.Denoiser;

/**
 * Maps clean samples to the latents that a sampler with the same options maps back: {@link DdimInverter}
 * (x_T, approximate) or {@link ExactInverter} (the pair (x_T, x at the next level), exact), as
 * {@code invert --inverter} chooses.
 */
public interface Inverter {

    /**
     * Inverts a batch.
     *
     * @param samples each request's clean sample in model space, {@code batch * C * H * W} floats; not modified
     * @param classes each request's class, or null for unconditional requests
     * @return the latents ({@link #latentLength(int)} values a request) and per-request errors
     */
    BatchResult invert(float[] samples, int[] classes);

    /**
     * Returns how many latent values one request gets: the sample size, or twice it for a pair.
     *
     * @param sampleSize C * H * W
     * @return the latent's length
     */
    default int latentLength(int sampleSize) {
        return sampleSize;
    }

    /**
     * Returns the inverter of a sampler's options: {@link ExactInverter} for {@link Solver#EXACT}, else
     * {@link DdimInverter}.
     *
     * @param denoiser the network
     * @param options the options of the sampler that is to map the latents back
     * @return the inverter
     */
    static Inverter of(Denoiser denoiser, SamplerOptions options) {
        return options.solver() == Solver.EXACT ? new ExactInverter(denoiser, options) : new DdimInverter(denoiser, options);
    }
}
