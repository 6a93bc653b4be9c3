package org.ddimspark.schedule;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The noise schedules a model card may name in {@code schedule.kind}. */
public enum ScheduleKind {
    /** Betas linear in [beta_start, beta_end] (DDPM). */
    LINEAR("linear"),
    /** Square roots of the betas linear in [sqrt(beta_start), sqrt(beta_end)] (Stable Diffusion). */
    SCALED_LINEAR("scaled_linear"),
    /** The cosine alpha-bar of Nichol &amp; Dhariwal, betas capped at 0.999 (diffusers' squaredcos_cap_v2). */
    COSINE("cosine"),
    /** Rectified flow: x_t = (1 - t) x0 + t noise, t in [0, 1]. */
    RECTIFIED_FLOW("rectified_flow");

    private final String id;

    ScheduleKind(String id) {
        this.id = id;
    }

    /** Returns the name used in model cards. */
    public String id() {
        return id;
    }

    /** Returns whether this is a variance-preserving diffusion schedule (not a flow). */
    public boolean isDiffusion() {
        return this != RECTIFIED_FLOW;
    }

    /**
     * Parses a model card's name.
     *
     * @param id the name, for example {@code linear}
     * @return the kind
     * @throws IllegalArgumentException naming the allowed values
     */
    public static ScheduleKind fromId(String id) {
        String key = id == null ? "" : id.toLowerCase(Locale.ROOT);
        if ("squaredcos_cap_v2".equals(key)) {
            return COSINE;
        }
        for (ScheduleKind kind : values()) {
            if (kind.id.equals(key)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown schedule kind '" + id + "' (expected one of "
                + Arrays.stream(values()).map(ScheduleKind::id).collect(Collectors.joining(", ")) + ")");
    }
}
