package org.ddimspark.cli;

import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.sampling.Solver;
import picocli.CommandLine.Option;

/** The {@code --solver} option of the commands that sample: {@code sample} and {@code interpolate}. */
final class SolverOption {

    @Option(names = "--solver", paramLabel = "NAME", defaultValue = "ddim",
            description = "ddim, or dpm++2m: DPM-Solver++(2M), second order, about DDIM's quality in fewer steps"
                    + " (deterministic: --eta 0) (default: ${DEFAULT-VALUE}).")
    String solver;

    /** Sets the chosen solver on a sampler builder; throws IllegalArgumentException on a bad value. */
    SamplerOptions.Builder applyTo(SamplerOptions.Builder sampler) {
        return sampler.optSolver(Solver.fromId(solver));
    }
}
