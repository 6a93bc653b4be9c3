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
        public void toCleanAndNoise(double[] out, float[] x, int offset, int count, double a, double b, double[] x0,
                double[] noise) {
            for (int i = 0; i < count; i++) {
                double o = out[offset + i];
                x0[i] = (x[offset + i] - b * o) / a;
                noise[i] = o;
            }
        }
    },
    /** v = a noise - b x0 (Salimans &amp; Ho), on a variance-preserving path: x0 = a x - b v, noise = b x + a v. */
    V_PREDICTION("v_prediction") {
        @Override
        public void toCleanAndNoise(double[] out, float[] x, int offset, int count, double a, double b, double[] x0,
                double[] noise) {
            for (int i = 0; i < count; i++) {
                double o = out[offset + i];
                double xi = x[offset + i];
                x0[i] = a * xi - b * o;
                noise[i] = b * xi + a * o;
            }
        }
    },
    /** The clean sample: x0 = out, noise = (x - a out) / b. */
    SAMPLE("sample") {
        @Override
        public void toCleanAndNoise(double[] out, float[] x, int offset, int count, double a, double b, double[] x0,
                double[] noise) {
            for (int i = 0; i < count; i++) {
                double o = out[offset + i];
                x0[i] = o;
                noise[i] = (x[offset + i] - a * o) / b;
            }
        }
    },
    /** The rectified-flow velocity v = noise - x0 on x = (1 - t) x0 + t noise: x0 = x - t v, noise = x + (1 - t) v. */
    FLOW_VELOCITY("flow_velocity") {
        @Override
        public void toCleanAndNoise(double[] out, float[] x, int offset, int count, double a, double b, double[] x0,
                double[] noise) {
            for (int i = 0; i < count; i++) {
                double o = out[offset + i];
                double xi = x[offset + i];
                x0[i] = xi - b * o;
                noise[i] = xi + a * o;
            }
        }
    };

    private final String id;

    PredictionType(String id) {
        this.id = id;
    }

    /**
     * Converts a run of network outputs to (x0, noise), element by element: a loop per type, so that the
     * sampler's inner loop makes no call per element.
     *
     * @param out the network's outputs
     * @param x the inputs x at this point, laid out as {@code out}
     * @param offset the first element of the run in {@code out} and {@code x}
     * @param count the elements of the run
     * @param a the signal coefficient of this point
     * @param b the noise coefficient of this point
     * @param x0 receives x0 of element {@code offset + i} at {@code i}
     * @param noise receives the noise of element {@code offset + i} at {@code i}
     */
    public abstract void toCleanAndNoise(double[] out, float[] x, int offset, int count, double a, double b,
            double[] x0, double[] noise);

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
