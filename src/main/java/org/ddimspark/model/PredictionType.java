package org.ddimspark.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a network predicts, and how its output converts to the pair (x0, noise) at a point x = a x0 + b
 * noise of the path.
 */
public enum PredictionType {
    /** The noise: noise = out, x0 = (x - b out) / a. */
    EPSILON("epsilon") {
        @Override
        public void toCleanAndNoise(double out, double x, double a, double b, double[] pair) {
            pair[0] = (x - b * out) / a;
            pair[1] = out;
        }
    },
    /** v = a noise - b x0 (Salimans &amp; Ho), on a variance-preserving path: x0 = a x - b v, noise = b x + a v. */
    V_PREDICTION("v_prediction") {
        @Override
        public void toCleanAndNoise(double out, double x, double a, double b, double[] pair) {
            pair[0] = a * x - b * out;
            pair[1] = b * x + a * out;
        }
    },
    /** The clean sample: x0 = out, noise = (x - a out) / b. */
    SAMPLE("sample") {
        @Override
        public void toCleanAndNoise(double out, double x, double a, double b, double[] pair) {
            pair[0] = out;
            pair[1] = (x - a * out) / b;
        }
    },
    /** The rectified-flow velocity v = noise - x0 on x = (1 - t) x0 + t noise: x0 = x - t v, noise = x + (1 - t) v. */
    FLOW_VELOCITY("flow_velocity") {
        @Override
        public void toCleanAndNoise(double out, double x, double a, double b, double[] pair) {
            pair[0] = x - b * out;
            pair[1] = x + a * out;
        }
    };

    private final String id;

    PredictionType(String id) {
        this.id = id;
    }

    /**
     * Converts one element of a network output to (x0, noise).
     *
     * @param out the network's output
     * @param x the input x at this point
     * @param a the signal coefficient of this point
     * @param b the noise coefficient of this point
     * @param pair receives x0 in [0] and noise in [1]
     */
    public abstract void toCleanAndNoise(double out, double x, double a, double b, double[] pair);

    /** Returns the name used in model cards. */
    public String id() {
        return id;
    }

    /**
     * Parses a model card's name.
     *
     * @param id the name, for example {@code epsilon}
     * @return the prediction type
     */
    public static PredictionType fromId(String id) {
        String key = id == null ? "" : id.toLowerCase(Locale.ROOT);
        for (PredictionType type : values()) {
            if (type.id.equals(key)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown prediction '" + id + "' (expected one of "
                + Arrays.stream(values()).map(PredictionType::id).collect(Collectors.joining(", ")) + ")");
    }
}
