package org.ddimspark.spark;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.ddimspark.image.PngCodec;
import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.Sampler;
import org.ddimspark.sampling.SamplerOptions;

/**
 * Turns a batch of sample requests into output rows: x_T (seeded, or given), the DDIM sampler, PNG encoding.
 * Requests with and without a class (or an embedding of their own), and requests with settings of their own, are
 * sampled apart. A request whose sampling fails becomes an error row with its latent; the others are unaffected.
 */
final class SampleRows {

    /**
     * One image to sample.
     *
     * @param id the row's id
     * @param seed the seed of its fresh noise (eta &gt; 0) and, without a latent, of x_T
     * @param classLabel its class, or -1 for none
     * @param latent x_T, or null to draw it from the seed
     * @param sampler its own sampler settings (a request table's guidance, steps, eta), or null for the job's
     * @param cond its own conditioning embedding (a request table's {@code cond}), or null; excludes a class
     * @param error why the request cannot be sampled, or null
     */
    record Request(String id, long seed, int classLabel, float[] latent, SamplerOptions sampler, float[] cond,
            String error) {

        /** A request without settings or an embedding of its own. */
        Request(String id, long seed, int classLabel, float[] latent, String error) {
            this(id, seed, classLabel, latent, null, null, error);
        }

        /** The request of a seed, with the id {@code s<seed>} or {@code s<seed>-c<class>}. */
        static Request ofSeed(long seed, int classLabel) {
            return new Request(classLabel < 0 ? "s" + seed : "s" + seed + "-c" + classLabel, seed, classLabel, null, null);
        }

        /** Whether the request's latent is an exact inversion's pair: 2 x the sample size. */
        boolean isPair(int sampleSize) {
            return latent != null && latent.length == 2 * sampleSize;
        }

        /** Whether the request is conditioned (guided): a class or an embedding of its own. */
        boolean conditioned() {
            return classLabel >= 0 || cond != null;
        }
    }

    /**
     * A request's own sampler settings, or why they do not fit the model.
     *
     * @param sampler the settings, or null for the job's
     * @param error a one-line reason naming the column, or null
     */
    record Settings(SamplerOptions sampler, String error) {}

    private final SampleJobOptions options;
    private final Denoiser denoiser;
    private final ModelCard card;
    private final int size;
    private final int[] imageShape;
    private final int imageSize;
    /** The samplers of the settings seen so far in this task, by {@link SamplerOptions#toString()}. */
    private final Map<String, Sampler> samplers = new HashMap<>();

    SampleRows(SampleJobOptions options, Denoiser denoiser) {
        this.options = options;
        this.denoiser = denoiser;
        this.card = denoiser.card();
        this.size = card.sampleSize();
        this.imageShape = card.imageShape();
        this.imageSize = imageShape[0] * imageShape[1] * imageShape[2];
    }

    /**
     * Returns a request's sampler settings: the job's with a request table's guidance, steps and eta where a
     * row gives them.
     *
     * @param job the job's settings
     * @param card the model's card
     * @param conditioned whether the request has a class or an embedding
     * @param guidance the row's guidance, or null
     * @param steps the row's steps, or null
     * @param eta the row's eta, or null
     * @return the settings (null sampler when the row gives none), or the error naming the column
     */
    static Settings settings(SamplerOptions job, ModelCard card, boolean conditioned, Double guidance, Integer steps,
            Double eta) {
        if (guidance == null && steps == null && eta == null) {
            return new Settings(null, null);
        }
        if (guidance != null && !conditioned && guidance != 1.0) {
            return new Settings(null, "column 'guidance' needs a class: the row has no class_label or cond (nor the job"
                    + " --class)");
        }
        SamplerOptions.Builder b = job.toBuilder();
        if (guidance != null) {
            b.optGuidance(guidance);
        }
        if (steps != null) {
            b.setSteps(steps);
        }
        if (eta != null) {
            b.optEta(eta);
        }
        try {
            SamplerOptions sampler = b.build();
            sampler.validate(card, conditioned);
            return new Settings(sampler, null);
        } catch (IllegalArgumentException e) {
            // the options' messages name the option (--steps, --eta, --guidance): a table names its column
            return new Settings(null, e.getMessage().replaceFirst("^--(steps|eta|guidance)\\b", "column '$1'"));
        }
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
        // requests with and without a class, and with settings of their own, are sampled apart
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            Request q = requests.get(i);
            if (q.error() != null) {
                rows[i] = row(q, q.latent(), null, null, options.sampler(),
                        options.sampler().resolve(card, q.conditioned()).toString(), 1.0, q.error());
            } else {
                String key = (q.cond() != null ? "cond " : q.classLabel() >= 0 ? "class " : "none ")
                        + (q.isPair(size) ? "pair " : "") + (q.sampler() == null ? "" : q.sampler());
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
            }
        }
        for (List<Integer> group : groups.values()) {
            Request first = requests.get(group.get(0));
            sampleGroup(requests, group, first.conditioned(), first.sampler() == null ? options.sampler() : first.sampler(),
                    rows);
        }
        return new ArrayList<>(Arrays.asList(rows));
    }

    private void sampleGroup(List<Request> requests, List<Integer> group, boolean withClass, SamplerOptions settings,
            Row[] rows) {
        int batch = group.size();
        long[] seeds = new long[batch];
        int[] classes = withClass ? new int[batch] : null;
        // an exact inversion's pairs are sampled apart from single latents: twice the values a request
        boolean pairs = requests.get(group.get(0)).isPair(size);
        int length = pairs ? 2 * size : size;
        float[] latents = new float[batch * length];
        // requests with embeddings of their own are ids past the null class, which the denoiser resolves
        float[][] embeddings = requests.get(group.get(0)).cond() == null ? null : new float[batch][];
        for (int r = 0; r < batch; r++) {
            Request q = requests.get(group.get(r));
            seeds[r] = q.seed();
            if (embeddings != null) {
                embeddings[r] = q.cond();
                classes[r] = card.numClasses() + 1 + r;
            } else if (classes != null) {
                classes[r] = q.classLabel();
            }
            if (q.latent() == null) {
                SeededNoise.fill(q.seed(), SeededNoise.LATENT_STREAM, latents, r * size, size);
            } else {
                System.arraycopy(q.latent(), 0, latents, r * length, length);
            }
        }
        Sampler sampler = samplers.computeIfAbsent(settings.toString(), k -> Sampler.of(denoiser, settings));
        BatchResult result;
        if (embeddings == null) {
            result = sampler.sample(latents, seeds, classes);
        } else {
            denoiser.useRequestEmbeddings(embeddings);
            try {
                result = sampler.sample(latents, seeds, classes);
            } finally {
                denoiser.useRequestEmbeddings(null);
            }
        }
        // a latent model's samples are decoded into images; another model's samples are its images
        float[] images = denoiser.images(result.samples(), batch);
        double guidance = settings.guidanceFor(card, withClass);
        // every row of the group was sampled with these settings: resolved once, not once a row
        String resolved = settings.resolve(card, withClass).toString();
        for (int r = 0; r < batch; r++) {
            Request q = requests.get(group.get(r));
            String error = result.errors()[r];
            if (error == null && !finite(images, r * imageSize, imageSize)) {
                error = "decoder output is not finite";
            }
            byte[] png = error == null ? PngCodec.encode(images, r * imageSize, imageShape, card.valueRange()) : null;
            float[] sample = options.saveSample() ? Arrays.copyOfRange(result.samples(), r * size, (r + 1) * size) : null;
            rows[group.get(r)] = row(q, Arrays.copyOfRange(latents, r * length, (r + 1) * length), png, sample, settings,
                    resolved, guidance, error);
        }
    }

    private static boolean finite(float[] values, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (!Float.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }

    private Row row(Request q, float[] latent, byte[] png, float[] sample, SamplerOptions settings, String resolved,
            double guidance, String error) {
        Row image = png == null ? null : RowFactory.create(png, OutputSchema.pngName(q.id()));
        return RowFactory.create(q.id(), q.seed(), q.classLabel() < 0 ? null : q.classLabel(),
                settings.steps(), settings.eta(), guidance, settings.spacing().id(),
                resolved, card.reference(), latent, InvertRows.latentShape(card, q.isPair(size)), image,
                sample, error == null ? OutputSchema.OK : OutputSchema.ERROR, error);
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
