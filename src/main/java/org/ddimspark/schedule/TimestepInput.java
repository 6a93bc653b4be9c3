package org.ddimspark.schedule;

import java.util.Locale;

/** What a network is given as its time argument ({@code timestep_input} in the model card). */
public enum TimestepInput {
    /**
     * The trained timestep as a float: the index 0..T-1 for a diffusion model, t * 1000 for a flow model.
     */
    INDEX("index"),
    /** A time in [0, 1]: index / (T - 1) for a diffusion model, t for a flow model. */
    UNIT("unit");

    private final String id;

    TimestepInput(String id) {
        this.id = id;
    }

    /** Returns the name used in model cards. */
    public String id() {
        return id;
    }

    /**
     * Parses a model card's name.
     *
     * @param id {@code index} or {@code unit}
     * @return the input kind
     */
    public static TimestepInput fromId(String id) {
        String key = id == null ? "" : id.toLowerCase(Locale.ROOT);
        for (TimestepInput input : values()) {
            if (input.id.equals(key)) {
                return input;
            }
        }
        throw new IllegalArgumentException("unknown timestep_input '" + id + "' (expected index or unit)");
    }
}
