package org.ddimspark.spark;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.SamplerOptions;

/**
 * The work of one partition of a sample job, {@code batch-size} requests per forward through this JVM's
 * shared model and a denoiser of the task's own, rows produced lazily batch by batch: {@link Seeds} for a
 * range of seeds, {@link Requests} for a table of requests (a user's, or latents stored by an earlier job).
 */
final class SamplePartition {

    private SamplePartition() {}

    /** Request indices in: request i has seed seed-start + i. */
    static final class Seeds implements MapPartitionsFunction<Long, Row> {

        private static final long serialVersionUID = 1L;

        private final SampleJobOptions options;
        private final String sha256;
        private final RowProgress progress;

        Seeds(SampleJobOptions options, String sha256, RowProgress progress) {
            this.options = options;
            this.sha256 = sha256;
            this.progress = progress;
        }

        @Override
        public Iterator<Row> call(Iterator<Long> indices) {
            SampleRows rows = new SampleRows(options, SharedModels.taskDenoiser(options.model(), sha256, options.device(), progress));
            return new BatchedRows<>(indices, options.batchSize(), batch -> {
                long[] requests = new long[batch.size()];
                for (int i = 0; i < requests.length; i++) {
                    requests[i] = batch.get(i);
                }
                return rows.run(rows.seedRequests(requests));
            }, progress);
        }
    }

    /**
     * Requests in, in the columns of {@link RequestTable#COLUMNS}: a user's request table or latents stored by
     * an earlier job. A row without a latent draws x_T from its seed (only a request table's rows may), a row
     * without a seed gets {@link SampleRows#seedOf its id's}; without {@code --class}, a row's own class is used
     * where it has one, and its own guidance, steps and eta where it has them. A row that does not fit the model
     * becomes an error row that names the column.
     */
    static final class Requests implements MapPartitionsFunction<Row, Row> {

        private static final long serialVersionUID = 1L;

        private final SampleJobOptions options;
        private final ModelCard card;
        private final RowProgress progress;
        private final RequestTable.Source source;
        private final Set<String> duplicated;

        Requests(SampleJobOptions options, ModelCard card, RowProgress progress, RequestTable.Source source,
                List<String> duplicated) {
            this.options = options;
            this.card = card;
            this.progress = progress;
            this.source = source;
            this.duplicated = new HashSet<>(duplicated);
        }

        @Override
        public Iterator<Row> call(Iterator<Row> stored) {
            SampleRows rows = new SampleRows(options, SharedModels.taskDenoiser(options.model(), card.sha256(), options.device(), progress));
            return new BatchedRows<>(stored, options.batchSize(), batch -> {
                List<SampleRows.Request> requests = new ArrayList<>(batch.size());
                for (Row r : batch) {
                    requests.add(request(r));
                }
                return rows.run(requests);
            }, progress);
        }

        SampleRows.Request request(Row r) {
            String id = r.getString(0) == null ? "" : r.getString(0);
            long seed = r.isNullAt(3) ? SampleRows.seedOf(id) : r.getLong(3);
            boolean fixed = options.classMode().kind() == ClassMode.Kind.FIXED;
            Integer stored = r.isNullAt(4) ? null : r.getInt(4);
            int classLabel = fixed ? options.classMode().fixedClass() : stored == null ? -1 : stored;
            boolean drawn = r.isNullAt(1) && source == RequestTable.Source.REQUESTS;
            String error = r.getString(0) == null ? "input row has no id"
                    : duplicated.contains(id) ? "id names several rows of " + source.option()
                    : !r.isNullAt(12) ? "column '" + r.getString(12).replace(", ", "', '") + "' has a value of the wrong type"
                    : r.getString(11);
            if (error == null && !drawn) {
                error = StoredRows.latentError(r, 1, 2, card);
            }
            if (error != null) {
                return new SampleRows.Request(id, seed, -1, null, error);
            }
            float[] latent = drawn ? null : ArrayColumns.floats(r, 1);
            // a usable latent with an unusable class, embedding or settings keeps its latent on the error row
            float[] cond = null;
            if (!r.isNullAt(8)) {
                error = stored != null || fixed ? "columns 'class_label' and 'cond' exclude each other (and --class):"
                        + " a request is conditioned on one" : condError(r);
                cond = error == null ? packed(r) : null;
                classLabel = -1;
            } else if (!fixed) {
                error = StoredRows.classError(stored, card);
            }
            SampleRows.Settings settings = error != null ? null : SampleRows.settings(options.sampler(), card,
                    classLabel >= 0 || cond != null, r.isNullAt(5) ? null : r.getDouble(5),
                    r.isNullAt(6) ? null : r.getInt(6), r.isNullAt(7) ? null : r.getDouble(7));
            if (settings != null) {
                error = settings.error();
            }
            SamplerOptions sampler = settings == null ? null : settings.sampler();
            if (error == null && latent != null && latent.length == 2 * card.sampleSize()) {
                // an exact inversion's pair: sampled by the exact solver, unless the job chose another
                SampleRows.Settings exact = StoredRows.pairSettings(sampler == null ? options.sampler() : sampler, card);
                sampler = exact.sampler();
                error = exact.error();
            }
            return new SampleRows.Request(id, seed, error == null ? classLabel : -1, latent, sampler,
                    error == null ? cond : null, error);
        }

        /** Why a row's {@code cond} does not fit the model, or null. */
        private String condError(Row r) {
            ModelCard.Conditioning conditioning = card.conditioning();
            if (conditioning == null) {
                return "column 'cond' needs an embedding-conditioned model; '" + card.name() + "' takes "
                        + (card.isConditional() ? "class ids" : "no condition");
            }
            int[] shape = r.isNullAt(9) || r.getList(9).contains(null) ? null : ArrayColumns.ints(r, 9);
            if (!java.util.Arrays.equals(shape, conditioning.shape())) {
                return "column 'cond_shape' does not match the model: " + java.util.Arrays.toString(shape)
                        + ", conditioning.shape " + java.util.Arrays.toString(conditioning.shape());
            }
            List<Float> values = r.getList(8);
            if (values.size() != shape[0] * shape[1]) {
                return "column 'cond' has the wrong length: " + values.size() + " values, cond_shape "
                        + java.util.Arrays.toString(shape) + " needs " + shape[0] * shape[1];
            }
            for (Float v : values) {
                if (v == null || !Float.isFinite(v)) {
                    return "column 'cond' has a null or non-finite value";
                }
            }
            int pooled = conditioning.pooled();
            if (pooled == 0) {
                return r.isNullAt(10) ? null : "column 'pooled' given to a model that takes no pooled vector";
            }
            List<Float> pool = r.isNullAt(10) ? List.of() : r.getList(10);
            if (pool.size() != pooled) {
                return "column 'pooled' must hold " + pooled + " values (conditioning.pooled), got " + pool.size();
            }
            for (Float v : pool) {
                if (v == null || !Float.isFinite(v)) {
                    return "column 'pooled' has a null or non-finite value";
                }
            }
            return null;
        }

        /** A row's cond values, then its pooled values where the model takes a pooled vector. */
        private float[] packed(Row r) {
            float[] cond = ArrayColumns.floats(r, 8);
            if (card.conditioning().pooled() == 0) {
                return cond;
            }
            float[] pooled = ArrayColumns.floats(r, 10);
            float[] both = java.util.Arrays.copyOf(cond, cond.length + pooled.length);
            System.arraycopy(pooled, 0, both, cond.length, pooled.length);
            return both;
        }
    }
}
