package org.ddimspark.model;

/**
 * A network that the samplers evaluate: given a batch of noisy samples, their times and (for a
 * class-conditional model) their classes, it returns the raw prediction named by its card.
 *
 * <p>Samples are flattened C * H * W floats, batch-major. A denoiser may hold native memory: close it.
 */
public interface Denoiser extends AutoCloseable {

    /** Returns the card of the model. */
    ModelCard card();

    /**
     * Evaluates the network on a batch.
     *
     * @param x {@code batch * card().sampleSize()} floats
     * @param t {@code batch} times, as the network expects them ({@code timestep_input})
     * @param y {@code batch} classes, {@code num_classes} meaning none, or null for an unconditional model
     * @param batch the batch size
     * @return the raw outputs, laid out as {@code x}
     */
    float[] forward(float[] x, float[] t, long[] y, int batch);

    /**
     * Returns the images of a batch of final samples in model space: the samples themselves, or for a latent
     * model ({@link ModelCard#latent()}), its decoder's output of {@link ModelCard#imageShape()}.
     *
     * @param samples {@code batch * card().sampleSize()} floats
     * @param batch the batch size
     * @return {@code batch} images of {@link ModelCard#imageShape()}, in {@code value_range}
     */
    default float[] images(float[] samples, int batch) {
        if (card().latent() != null) {
            throw new UnsupportedOperationException("model '" + card().name() + "' is a latent model: this denoiser"
                    + " has no decoder");
        }
        return samples;
    }

    /**
     * Returns the samples of a batch of images in model space, the inverse of {@link #images}: the images
     * themselves, or for a latent model, its encoder's output.
     *
     * @param images {@code batch} images of {@link ModelCard#imageShape()}
     * @param batch the batch size
     * @return {@code batch * card().sampleSize()} floats
     */
    default float[] samples(float[] images, int batch) {
        if (card().latent() != null) {
            throw new UnsupportedOperationException("model '" + card().name() + "' is a latent model: this denoiser"
                    + " has no encoder");
        }
        return images;
    }

    /**
     * Gives an embedding-conditioned model's network embeddings of the requests themselves (a request table's
     * {@code cond}) until called again: class id {@code num_classes + 1 + i} then stands for
     * {@code embeddings[i]}; ids up to {@code num_classes} keep the card's classes and null embedding.
     *
     * @param embeddings L * D values each ({@code conditioning.shape}), then the P values of the pooled vector
     *     where the model takes one ({@code conditioning.pooled}); or null to drop them
     * @throws UnsupportedOperationException when the model is not embedding-conditioned
     */
    default void useRequestEmbeddings(float[][] embeddings) {
        throw new UnsupportedOperationException("model '" + card().name() + "' takes no embeddings");
    }

    @Override
    void close();
}
