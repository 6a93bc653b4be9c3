package org.ddimspark.testing;

import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.schedule.ScheduleKind;
import org.ddimspark.schedule.TimestepInput;

/**
 * The exact denoiser for data x0 ~ N(mu_y, s^2 I), in Java: the same formula as the TorchScript models
 * of src/test/python/closed_form_models.py. For x = a x0 + b noise,
 * x0_hat = mu + a s^2 / V (x - a mu) and noise_hat = b / V (x - a mu), with V = a^2 s^2 + b^2.
 */
public final class GaussianDenoiser implements Denoiser {

    private final ModelCard card;
    private final double[][] means;
    private final double s;
    private final double[] alphaBars;
    private int calls;

    /**
     * Creates the denoiser.
     *
     * @param card the card (prediction type, schedule, shape)
     * @param means the mean of each class, the null class last (one row for an unconditional model)
     * @param s the data's standard deviation
     */
    public GaussianDenoiser(ModelCard card, double[][] means, double s) {
        this.card = card;
        this.means = means;
        this.s = s;
        this.alphaBars = card.schedule().kind() == ScheduleKind.RECTIFIED_FLOW ? null : card.schedule().alphaBars();
    }

    /** The sine pattern of closed_form_models.py: amplitude * sin(0.7 h + 1.3 w + 0.5 c + 1.1 y), null class 0. */
    public static double[][] sineMeans(ModelCard card, double amplitude) {
        int[] shape = card.sampleShape();
        int classes = Math.max(card.numClasses(), 1);
        double[][] means = new double[classes + 1][card.sampleSize()];
        for (int y = 0; y < classes; y++) {
            int i = 0;
            for (int c = 0; c < shape[0]; c++) {
                for (int h = 0; h < shape[1]; h++) {
                    for (int w = 0; w < shape[2]; w++) {
                        means[y][i++] = amplitude * Math.sin(0.7 * h + 1.3 * w + 0.5 * c + 1.1 * y);
                    }
                }
            }
        }
        return means;
    }

    /** Returns the exact (x0, noise) in double precision at a point (a, b) for class row {@code y}. */
    public double[] cleanAndNoise(double x, int element, int y, double a, double b) {
        double mu = means[y][element];
        double variance = a * a * s * s + b * b;
        double d = x - a * mu;
        return new double[] {mu + a * s * s / variance * d, b / variance * d};
    }

    /** Returns the number of forward calls so far. */
    public int calls() {
        return calls;
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public float[] forward(float[] x, float[] t, long[] y, int batch) {
        calls++;
        int size = card.sampleSize();
        float[] out = new float[x.length];
        for (int r = 0; r < batch; r++) {
            double a;
            double b;
            if (alphaBars == null) {
                double time = card.timestepInput() == TimestepInput.UNIT ? t[r] : t[r] / 1000.0;
                a = 1.0 - time;
                b = time;
            } else {
                int n = alphaBars.length;
                long index = card.timestepInput() == TimestepInput.UNIT ? Math.round(t[r] * (double) (n - 1)) : Math.round(t[r]);
                a = Math.sqrt(alphaBars[(int) index]);
                b = Math.sqrt(1.0 - alphaBars[(int) index]);
            }
            int row = y == null ? 0 : (int) y[r];
            for (int i = 0; i < size; i++) {
                double[] pair = cleanAndNoise(x[r * size + i], i, row, a, b);
                double x0 = pair[0];
                double eps = pair[1];
                double value;
                switch (card.prediction()) {
                    case EPSILON: value = eps; break;
                    case SAMPLE: value = x0; break;
                    case V_PREDICTION: value = a * eps - b * x0; break;
                    case FLOW_VELOCITY: value = eps - x0; break;
                    default: throw new AssertionError();
                }
                out[r * size + i] = (float) value;
            }
        }
        return out;
    }

    @Override
    public void close() {}
}
