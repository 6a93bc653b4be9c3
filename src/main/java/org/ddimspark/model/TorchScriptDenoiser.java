package org.ddimspark.model;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A {@link Denoiser} on a {@link TorchScriptModel}: one DJL predictor, and one native memory scope per
 * forward that is closed before the forward returns, so native memory stays flat over a long job.
 */
public final class TorchScriptDenoiser implements TensorDenoiser {

    private final ModelCard card;
    private final NDManager parent;
    private final Predictor<NDList, NDList> predictor;
    private final Shape sampleShape;
    private final int forwardBatch;
    /** Embeddings of requests, class ids num_classes + 1 + i ({@link #useRequestEmbeddings}), else null. */
    private float[][] requestEmbeddings;
    /** The x of one chunk, reused by every forward: the engine reads it in place. */
    private ByteBuffer input;

    /** A latent model's decoder and encoder, else null. */
    private final Predictor<NDList, NDList> decoder;
    private final Predictor<NDList, NDList> encoder;

    TorchScriptDenoiser(ModelCard card, ZooModel<NDList, NDList> model, ZooModel<NDList, NDList> decoder,
            ZooModel<NDList, NDList> encoder, int forwardBatch) {
        if (forwardBatch < 1) {
            throw new IllegalArgumentException("forward batch must be at least 1, got " + forwardBatch);
        }
        this.card = card;
        this.forwardBatch = forwardBatch;
        this.parent = model.getNDManager();
        this.predictor = model.newPredictor();
        this.decoder = decoder == null ? null : decoder.newPredictor();
        this.encoder = encoder == null ? null : encoder.newPredictor();
        int[] s = card.sampleShape();
        this.sampleShape = new Shape(s[0], s[1], s[2]);
    }

    @Override
    public ModelCard card() {
        return card;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A latent model's decoder is given z / scale + shift, in chunks of the forward batch's rows padded as
     * the network's, so that an image does not depend on the rows beside it.
     */
    @Override
    public float[] images(float[] samples, int batch) {
        ModelCard.LatentSpace latent = card.latent();
        if (latent == null) {
            return samples;
        }
        int[] image = latent.imageShape();
        return code(decoder, "decoder", samples, batch, sampleShape, new Shape(image[0], image[1], image[2]),
                v -> v / latent.scale() + latent.shift(), v -> v);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A latent model's encoder output e becomes z = (e - shift) * scale; in chunks as {@link #images}.
     */
    @Override
    public float[] samples(float[] images, int batch) {
        ModelCard.LatentSpace latent = card.latent();
        if (latent == null) {
            return images;
        }
        if (encoder == null) {
            throw new IllegalStateException("latent model '" + card.name() + "' has no encoder (latent.encoder)");
        }
        int[] image = latent.imageShape();
        return code(encoder, "encoder", images, batch, new Shape(image[0], image[1], image[2]), sampleShape, v -> v,
                v -> (v - latent.shift()) * latent.scale());
    }

    /** Runs a decoder or encoder over a batch in padded chunks of the forward batch's rows. */
    private float[] code(Predictor<NDList, NDList> coder, String what, float[] in, int batch, Shape from, Shape to,
            java.util.function.DoubleUnaryOperator before, java.util.function.DoubleUnaryOperator after) {
        int inSize = (int) from.size();
        int outSize = (int) to.size();
        int chunk = forwardBatch;
        float[] out = new float[batch * outSize];
        float[] x = new float[chunk * inSize];
        for (int start = 0; start < batch; start += chunk) {
            int rows = Math.min(chunk, batch - start);
            for (int r = 0; r < chunk; r++) {
                int source = (start + (r < rows ? r : 0)) * inSize;
                for (int i = 0; i < inSize; i++) {
                    x[r * inSize + i] = (float) before.applyAsDouble(in[source + i]);
                }
            }
            try (NDManager scope = parent.newSubManager()) {
                NDArray result = coder.predict(new NDList(scope.create(x, new Shape(chunk).addAll(from)))).get(0);
                if (result.getDataType() != DataType.FLOAT32) {
                    result = result.toType(DataType.FLOAT32, false);
                }
                if (result.size() != (long) chunk * outSize) {
                    throw new IllegalStateException("the " + what + " of '" + card.name() + "' returned shape "
                            + result.getShape() + " for " + chunk + " inputs of " + from + ": it must return " + to + " each");
                }
                result.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer()
                        .get(out, start * outSize, rows * outSize);
            } catch (TranslateException e) {
                throw new IllegalStateException("the " + what + " of '" + card.name() + "' failed on a batch of " + rows
                        + ": " + e.getMessage(), e);
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) after.applyAsDouble(out[i]);
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The network runs on chunks of exactly the forward batch's rows (the card's {@code forward_batch} unless
     * made by {@link TorchScriptModel#newDenoiser(int)}); the last chunk is padded with copies of its first
     * row, whose outputs are dropped.
     */
    @Override
    public float[] forward(float[] x, float[] t, long[] y, int batch) {
        if (card.isConditional() != (y != null)) {
            throw new IllegalArgumentException("model '" + card.name() + "' "
                    + (card.isConditional() ? "needs a class for every sample" : "takes no class"));
        }
        int size = card.sampleSize();
        int chunk = forwardBatch;
        float[] out = new float[batch * size];
        if (input == null) {
            input = ByteBuffer.allocateDirect(chunk * size * Float.BYTES).order(ByteOrder.nativeOrder());
        }
        FloatBuffer xs = input.asFloatBuffer();
        float[] ts = new float[chunk];
        long[] ys = y == null ? null : new long[chunk];
        for (int start = 0; start < batch; start += chunk) {
            int rows = Math.min(chunk, batch - start);
            xs.clear();
            for (int r = 0; r < chunk; r++) {
                int source = start + (r < rows ? r : 0);
                xs.put(x, source * size, size);
                ts[r] = t[source];
                if (ys != null) {
                    ys[r] = y[source];
                }
            }
            forwardChunk(ts, ys, chunk, out, start * size, rows * size);
        }
        return out;
    }

    /**
     * One forward of {@code rows} rows whose x is in {@link #input}: the first {@code kept} output values go to
     * {@code out} from {@code offset}. The input tensor shares {@link #input}'s memory (on the CPU) and is
     * freed with the scope before the buffer is filled again.
     */
    private void forwardChunk(float[] t, long[] y, int rows, float[] out, int offset, int kept) {
        try (NDManager scope = parent.newSubManager()) {
            NDArray xs = scope.create(input, new Shape(rows).addAll(sampleShape), DataType.FLOAT32);
            NDArray ts = scope.create(t, new Shape(rows));
            NDList inputs = new NDList(xs, ts);
            if (y != null) {
                inputs.addAll(condition(y, rows, scope));
            }
            NDArray result = predictor.predict(inputs).get(0);
            if (result.getDataType() != DataType.FLOAT32) {
                result = result.toType(DataType.FLOAT32, false);
            }
            if (result.size() != (long) rows * card.sampleSize()) {
                throw new IllegalStateException("model '" + card.name() + "' returned " + result.size() + " values for "
                        + rows + " x " + card.sampleSize() + " inputs: its output does not match sample_shape");
            }
            // read in place where the engine can give the tensor's own memory (a contiguous CPU tensor): one copy
            result.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().get(out, offset, kept);
        } catch (TranslateException e) {
            throw new IllegalStateException("model '" + card.name() + "' failed on a batch of " + rows + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public boolean onGpu() {
        return parent.getDevice().isGpu();
    }

    @Override
    public NDManager newScope() {
        return parent.newSubManager();
    }

    /**
     * {@inheritDoc}
     *
     * <p>In chunks of the forward batch's rows, as {@link #forward(float[], float[], long[], int)}, padded alike.
     */
    @Override
    public NDArray forward(NDArray x, float modelTime, NDArray y, NDManager scope) {
        if (card.isConditional() != (y != null)) {
            throw new IllegalArgumentException("model '" + card.name() + "' "
                    + (card.isConditional() ? "needs a class for every sample" : "takes no class"));
        }
        long batch = x.getShape().get(0);
        NDList outputs = new NDList();
        for (long start = 0; start < batch; start += forwardBatch) {
            long rows = Math.min(forwardBatch, batch - start);
            try (NDManager chunkScope = parent.newSubManager()) {
                NDArray xs = padded(x.get("{}:{}", start, start + rows), chunkScope);
                NDArray ts = chunkScope.full(new Shape(forwardBatch), modelTime);
                NDList input = new NDList(xs, ts);
                if (y != null) {
                    NDArray ys = padded(y.get("{}:{}", start, start + rows), chunkScope);
                    input.addAll(card.conditioning() == null ? new NDList(ys)
                            : condition(ys.toLongArray(), forwardBatch, chunkScope));
                }
                NDArray out = predictor.predict(input).get(0);
                if (out.getDataType() != DataType.FLOAT32) {
                    out = out.toType(DataType.FLOAT32, false);
                }
                if (!out.getShape().equals(xs.getShape())) {
                    throw new IllegalStateException("model '" + card.name() + "' returned shape " + out.getShape()
                            + " for an input of " + xs.getShape() + ": its output does not match sample_shape");
                }
                NDArray kept = out.get("0:{}", rows);
                kept.attach(scope);
                outputs.add(kept);
            } catch (TranslateException e) {
                throw new IllegalStateException("model '" + card.name() + "' failed on a batch of " + rows + ": "
                        + e.getMessage(), e);
            }
        }
        if (outputs.size() == 1) {
            return outputs.get(0);
        }
        NDArray all = NDArrays.concat(outputs);
        all.attach(scope);
        return all;
    }

    /** A chunk of rows padded to the forward batch with copies of its first row, in a scope. */
    @Override
    public void useRequestEmbeddings(float[][] embeddings) {
        if (card.conditioning() == null) {
            throw new UnsupportedOperationException("model '" + card.name() + "' takes no embeddings");
        }
        this.requestEmbeddings = embeddings;
    }

    /**
     * The network's inputs after x and t for class ids (num_classes meaning none): the ids themselves, or for an
     * embedding-conditioned model, each id's embedding ({@link ModelCard#conditioning()}), [rows, L, D], and its
     * pooled vector [rows, P] where the model takes one.
     */
    private NDList condition(long[] y, int rows, NDManager scope) {
        ModelCard.Conditioning conditioning = card.conditioning();
        if (conditioning == null) {
            return new NDList(scope.create(y, new Shape(rows)));
        }
        int[] shape = conditioning.shape();
        int size = conditioning.condSize();
        int pooled = conditioning.pooled();
        float[] cond = new float[rows * size];
        float[] pool = new float[rows * pooled];
        int classes = card.numClasses();
        for (int r = 0; r < rows; r++) {
            int id = (int) y[r];
            float[] embedding = id <= classes ? conditioning.table()[id] : requestEmbeddings[id - classes - 1];
            System.arraycopy(embedding, 0, cond, r * size, size);
            System.arraycopy(embedding, size, pool, r * pooled, pooled);
        }
        NDList inputs = new NDList(scope.create(cond, new Shape(rows, shape[0], shape[1])));
        if (pooled > 0) {
            inputs.add(scope.create(pool, new Shape(rows, pooled)));
        }
        return inputs;
    }

    private NDArray padded(NDArray rows, NDManager scope) {
        rows.attach(scope);
        long missing = forwardBatch - rows.getShape().get(0);
        if (missing == 0) {
            return rows;
        }
        return NDArrays.concat(new NDList(rows, rows.get("0:1").repeat(0, missing)));
    }

    @Override
    public void close() {
        predictor.close();
        if (decoder != null) {
            decoder.close();
        }
        if (encoder != null) {
            encoder.close();
        }
    }
}
