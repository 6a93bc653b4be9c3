package org.ddimspark.spark;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.ddimspark.image.PngCodec;
import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.Sampler;

/**
 * Turns a batch of sample requests into output rows: x_T (seeded, or given), the DDIM sampler, PNG encoding.
 * Requests with and without a class are sampled apart (their guidance differs). A request whose sampling
 * fails becomes an error row with its latent; the others are unaffected.
 */
final class SampleRows {

    /**
     * One image to sample.
     *
     * @param id the row's id
     * @param seed the seed of its fresh noise (eta &gt; 0) and, without a latent, of x_T
     * @param classLabel its class, or -1 for none
     * @param latent x_T, or null to draw it from the seed
     * @param error why the request cannot be sampled, or null
     */
    record Request(String id, long seed, int classLabel, float[] latent, String error) {

        /** The request of a seed, with the id {@code s<seed>} or {@code s<seed>-c<class>}. */
        static Request ofSeed(long seed, int classLabel) {
            return new Request(classLabel < 0 ? "s" + seed : "s" + seed + "-c" + classLabel, seed, classLabel, null, null);
        }
    }

    private final SampleJobOptions options;
    private final ModelCard card;
    private final Sampler sampler;
    private final int[] shape;
    private final int size;
    private final String settingsWithClass;
    private final String settingsWithoutClass;

    SampleRows(SampleJobOptions options, Denoiser denoiser) {
        this.options = options;
        this.card = denoiser.card();
        this.sampler = Sampler.of(denoiser, options.sampler());
        this.shape = card.sampleShape();
        this.size = card.sampleSize();
        this.settingsWithClass = options.sampler().resolve(card, true).toString();
        this.settingsWithoutClass = options.sampler().resolve(card, false).toString();
    }

    /** Returns the requests of a seed job's indices. */
    List<Request> seedRequests(long[] indices) {
        List<Request> requests = new ArrayList<>(indices.length);
        for (long index : indices) {
            requests.add(seedRequest(options, card.numClasses(), index));
        }
        return requests;
    }

    /**
     * Returns request {@code index} of a seed job: seed seed-start + index, and its class.
     *
     * @param options the job's options
     * @param numClasses the model's classes
     * @param index the request's index in the seed range
     * @return the request
     */
    static Request seedRequest(SampleJobOptions options, int numClasses, long index) {
        int c = options.classMode().conditioned() ? options.classMode().classOf(index, numClasses) : -1;
        return Request.ofSeed(options.seedStart() + index, c);
    }

    /**
     * Samples a batch.
     *
     * @param requests the requests
     * @return one row per request, in order
     */
    List<Row> run(List<Request> requests) {
        Row[] rows = new Row[requests.size()];
        List<Integer> conditioned = new ArrayList<>();
        List<Integer> unconditioned = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Request q = requests.get(i);
            if (q.error() != null) {
                rows[i] = row(q, q.latent(), null, null, 1.0, q.error());
            } else {
                (q.classLabel() >= 0 ? conditioned : unconditioned).add(i);
            }
        }
        sampleGroup(requests, conditioned, true, rows);
        sampleGroup(requests, unconditioned, false, rows);
        return new ArrayList<>(Arrays.asList(rows));
    }

    private void sampleGroup(List<Request> requests, List<Integer> group, boolean withClass, Row[] rows) {
        int batch = group.size();
        if (batch == 0) {
            return;
        }
        long[] seeds = new long[batch];
        int[] classes = withClass ? new int[batch] : null;
        float[] latents = new float[batch * size];
        for (int r = 0; r < batch; r++) {
            Request q = requests.get(group.get(r));
            seeds[r] = q.seed();
            if (classes != null) {
                classes[r] = q.classLabel();
            }
            if (q.latent() == null) {
                SeededNoise.fill(q.seed(), SeededNoise.LATENT_STREAM, latents, r * size, size);
            } else {
                System.arraycopy(q.latent(), 0, latents, r * size, size);
            }
        }
        BatchResult result = sampler.sample(latents, seeds, classes);
        double guidance = options.sampler().guidanceFor(card, withClass);
        for (int r = 0; r < batch; r++) {
            Request q = requests.get(group.get(r));
            boolean ok = result.ok(r);
            byte[] png = ok ? PngCodec.encode(result.samples(), r * size, shape, card.valueRange()) : null;
            float[] sample = options.saveSample() ? Arrays.copyOfRange(result.samples(), r * size, (r + 1) * size) : null;
            rows[group.get(r)] = row(q, Arrays.copyOfRange(latents, r * size, (r + 1) * size), png, sample, guidance,
                    result.errors()[r]);
        }
    }

    private Row row(Request q, float[] latent, byte[] png, float[] sample, double guidance, String error) {
        Row image = png == null ? null : RowFactory.create(png, OutputSchema.pngName(q.id()));
        String settings = q.classLabel() >= 0 ? settingsWithClass : settingsWithoutClass;
        return RowFactory.create(q.id(), q.seed(), q.classLabel() < 0 ? null : q.classLabel(),
                options.sampler().steps(), options.sampler().eta(), guidance, options.sampler().spacing().id(), settings,
                card.reference(), latent, shape.clone(), image, sample,
                error == null ? OutputSchema.OK : OutputSchema.ERROR, error);
    }

    /**
     * Returns the seed of a stored latent's fresh noise when its row has none: the first 8 bytes of the
     * SHA-256 of its id, so that a rerun draws the same noise.
     *
     * @param id the row's id
     * @return the seed
     */
    static long seedOf(String id) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            long seed = 0;
            for (int i = 0; i < 8; i++) {
                seed = (seed << 8) | (hash[i] & 0xFF);
            }
            return seed;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
