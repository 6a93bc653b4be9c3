package org.ddimspark.model;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

/**
 * A {@link Denoiser} on a {@link TorchScriptModel}: one DJL predictor, and one native memory scope per
 * forward that is closed before the forward returns, so native memory stays flat over a long job.
 */
public final class TorchScriptDenoiser implements Denoiser {

    private final ModelCard card;
    private final NDManager parent;
    private final Predictor<NDList, NDList> predictor;
    private final Shape sampleShape;

    TorchScriptDenoiser(ModelCard card, ZooModel<NDList, NDList> model) {
        this.card = card;
        this.parent = model.getNDManager();
        this.predictor = model.newPredictor();
        int[] s = card.sampleShape();
        this.sampleShape = new Shape(s[0], s[1], s[2]);
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public float[] forward(float[] x, float[] t, long[] y, int batch) {
        if (card.isConditional() != (y != null)) {
            throw new IllegalArgumentException("model '" + card.name() + "' "
                    + (card.isConditional() ? "needs a class for every sample" : "takes no class"));
        }
        try (NDManager scope = parent.newSubManager()) {
            NDArray xs = scope.create(x, new Shape(batch).addAll(sampleShape));
            NDArray ts = scope.create(t, new Shape(batch));
            NDList input = y == null ? new NDList(xs, ts) : new NDList(xs, ts, scope.create(y, new Shape(batch)));
            NDList output = predictor.predict(input);
            NDArray out = output.get(0);
            if (out.getDataType() != DataType.FLOAT32) {
                out = out.toType(DataType.FLOAT32, false);
            }
            return out.toFloatArray();
        } catch (TranslateException e) {
            throw new IllegalStateException("model '" + card.name() + "' failed on a batch of " + batch + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        predictor.close();
    }
}
