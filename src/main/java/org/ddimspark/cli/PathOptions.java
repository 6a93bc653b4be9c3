package org.ddimspark.cli;

import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.schedule.Spacing;
import picocli.CommandLine.Option;

/** The options that choose the DDIM path: steps, spacing and, for flow models, the time shift. */
final class PathOptions {

    @Option(names = "--steps", paramLabel = "S", defaultValue = "50", description = "DDIM steps S (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--spacing", paramLabel = "NAME", defaultValue = "uniform",
            description = "Timestep spacing: uniform, quad, leading, trailing, linspace; flow models: uniform (default: ${DEFAULT-VALUE}).")
    String spacing;

    @Option(names = "--shift", paramLabel = "K", defaultValue = "1", description = "Flow models: time shift k, t -> k t / (1 + (k - 1) t) (default: ${DEFAULT-VALUE}).")
    double shift;

    /** Returns a sampler builder with this path set. */
    SamplerOptions.Builder sampler() {
        return SamplerOptions.builder().setSteps(steps).optSpacing(Spacing.fromId(spacing)).optShift(shift);
    }
}
