package org.ddimspark.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.ddimspark.image.PngCodec;
import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.DdimSampler;

/**
 * Turns a batch of request indices into output rows: seeded x_T, the DDIM sampler, PNG encoding. A
 * request whose sampling fails becomes an error row with its latent; the others are unaffected.
 */
final class SampleRows {

    private final SampleJobOptions options;
    private final ModelCard card;
    private final DdimSampler sampler;
    private final int[] shape;
    private final int size;
    private final double guidance;
    private final String settings;

    SampleRows(SampleJobOptions options, Denoiser denoiser) {
        this.options = options;
        this.card = denoiser.card();
        this.sampler = new DdimSampler(denoiser, options.sampler());
        this.shape = card.sampleShape();
        this.size = card.sampleSize();
        this.guidance = options.sampler().guidanceFor(card, options.classMode().conditioned());
        this.settings = options.sampler().resolve(card, options.classMode().conditioned()).toString();
    }

    /** Returns the id of a request: {@code s<seed>}, and {@code -c<class>} when it has a class. */
    static String id(long seed, int classLabel) {
        return classLabel < 0 ? "s" + seed : "s" + seed + "-c" + classLabel;
    }

    List<Row> run(long[] indices) {
        int batch = indices.length;
        long[] seeds = new long[batch];
        int[] classes = options.classMode().conditioned() ? new int[batch] : null;
        float[] latents = new float[batch * size];
        for (int r = 0; r < batch; r++) {
            seeds[r] = options.seedStart() + indices[r];
            if (classes != null) {
                classes[r] = options.classMode().classOf(indices[r], card.numClasses());
            }
            SeededNoise.fill(seeds[r], SeededNoise.LATENT_STREAM, latents, r * size, size);
        }
        BatchResult result = sampler.sample(latents, seeds, classes);
        List<Row> rows = new ArrayList<>(batch);
        int[] latentShape = shape.clone();
        for (int r = 0; r < batch; r++) {
            int classLabel = classes == null ? -1 : classes[r];
            String id = id(seeds[r], classLabel);
            float[] latent = java.util.Arrays.copyOfRange(latents, r * size, (r + 1) * size);
            boolean ok = result.ok(r);
            Row image = ok ? RowFactory.create(PngCodec.encode(result.samples(), r * size, shape, card.valueRange()),
                    OutputSchema.pngName(id)) : null;
            float[] sample = options.saveSample()
                    ? java.util.Arrays.copyOfRange(result.samples(), r * size, (r + 1) * size) : null;
            rows.add(RowFactory.create(id, seeds[r], classLabel < 0 ? null : classLabel, options.sampler().steps(),
                    options.sampler().eta(), guidance, options.sampler().spacing().id(), settings, card.reference(),
                    latent, latentShape, image, sample, ok ? OutputSchema.OK : OutputSchema.ERROR, result.errors()[r]));
        }
        return rows;
    }
}
