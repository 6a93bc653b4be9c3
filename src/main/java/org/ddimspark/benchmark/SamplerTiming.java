package org.ddimspark.benchmark;

/**
 * The measured sampling of a batch: its total wall-clock time and the part of it spent in the network.
 *
 * @param steps the sampling steps
 * @param rows the requests sampled
 * @param forwardRows the rows of the network's forwards per step (twice the requests with guidance)
 * @param seconds the total seconds of the sampling
 * @param networkSeconds the seconds spent in the network's forwards
 */
public record SamplerTiming(int steps, int rows, int forwardRows, double seconds, double networkSeconds) {

    /** Returns the seconds not spent in the network: the DDIM arithmetic, the noise, guidance and checks. */
    public double samplerSeconds() {
        return seconds - networkSeconds;
    }

    /** Returns the fraction of the total not spent in the network. */
    public double samplerShare() {
        return samplerSeconds() / seconds;
    }
}
