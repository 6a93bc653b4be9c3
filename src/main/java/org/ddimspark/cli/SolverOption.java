package org.ddimspark.cli;

import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.sampling.Solver;
import picocli.CommandLine.Option;

/** The {@code --solver} option of the commands that sample: {@code sample} and {@code interpolate}. */
final class SolverOption {

    @Option(names = "--solver", paramLabel = "NAME",
            description = "ddim; dpm++2m: DPM-Solver++(2M), second order, about DDIM's quality in fewer steps; exact:"
                    + " O-BELM, exactly invertible (both deterministic: --eta 0). Default: ddim, and exact for the pairs"
                    + " of invert --inverter exact, which another solver given here refuses.")
    String solver;

    /** Sets the chosen solver, if any, on a sampler builder; throws IllegalArgumentException on a bad value. */
    SamplerOptions.Builder applyTo(SamplerOptions.Builder sampler) {
        return solver == null ? sampler : sampler.optSolver(Solver.fromId(solver));
    }
}
