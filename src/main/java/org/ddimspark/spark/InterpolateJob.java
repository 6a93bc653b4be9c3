package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ddimspark.image.ContactSheet;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptDenoiser;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.sampling.Slerp;

/**
 * The {@code interpolate} job: for each pair of end points (two seeds' x_T, or two latents stored by an
 * earlier job), {@code frames} latents by spherical interpolation at alpha = 0, 1/(F-1), ..., 1, each sampled
 * with DDIM (eta = 0) so that the end frames are the plain samples of the end points. The driver plans one
 * request per frame, naming its end points; the executors make a seed's x_T, join a stored latent in, check
 * it against the model, interpolate and sample in batches: no latent passes through the driver. A contact sheet shows the first 8
 * pairs, one row of frames each.
 */
public final class InterpolateJob {

    private static final int SHEET_PAIRS = 8;

    /**
     * What the driver plans per frame: the end points by name (a seed, or an id of --from), never their
     * latents, which the executors make (a seed's) or join in from --from's rows (a stored one).
     */
    private static final StructType REQUEST = new StructType()
            .add("pair", DataTypes.IntegerType, false)
            .add("a", DataTypes.StringType, false)
            .add("b", DataTypes.StringType, false)
            .add("frame", DataTypes.IntegerType, false)
            .add("alpha", DataTypes.DoubleType, false)
            .add("class_label", DataTypes.IntegerType, true)
            .add("seed_a", DataTypes.LongType, true)
            .add("seed_b", DataTypes.LongType, true)
            .add("error", DataTypes.StringType, true);

    /** The columns a partition reads, in this order, for seeds and stored end points alike. */
    private static final String[] FRAME_COLUMNS = {"pair", "a", "b", "frame", "alpha", "class_label", "seed_a",
        "seed_b", "latent_a", "shape_a", "class_a", "latent_b", "shape_b", "class_b", "error"};

    private InterpolateJob() {}

    /** One end point as a task sees it: its name, latent and class (-1 for none), or why it cannot be used. */
    private record EndPoint(String name, float[] latent, int classLabel, String error) {

        /** The reason of its frames' error rows: the kind of error first, as run reports count them. */
        String frameError() {
            return error.contains(": ") ? error + " (end point " + name + ")" : error + ": end point " + name;
        }
    }

    /**
     * Runs the job.
     *
     * @param spark the session
     * @param options the job's options, already validated against {@code card}
     * @param card the model's card as the driver read it
     * @return the run report, also written beside the Parquet files
     */
    public static RunReport run(SparkSession spark, InterpolateJobOptions options, ModelCard card) {
        StageTimes times = new StageTimes();
        Set<String> duplicated = options.from() == null ? Set.of() : checkStoredIds(spark, options);
        List<Row> requests = new ArrayList<>();
        int frames = options.frames();
        Integer fixed = options.classLabel();
        for (int p = 0; p < options.pairs().size(); p++) {
            String a = options.pairs().get(p).a();
            String b = options.pairs().get(p).b();
            Long seedA = options.from() == null ? Long.parseLong(a) : null;
            Long seedB = options.from() == null ? Long.parseLong(b) : null;
            // a seed's end point is named as the sample job names that seed's row
            String nameA = seedA == null ? a : SampleRows.Request.ofSeed(seedA, fixed == null ? -1 : fixed).id();
            String nameB = seedB == null ? b : SampleRows.Request.ofSeed(seedB, fixed == null ? -1 : fixed).id();
            String error = duplicated.contains(a) ? "id names several rows of --from: end point " + a
                    : duplicated.contains(b) ? "id names several rows of --from: end point " + b : null;
            for (int f = 0; f < frames; f++) {
                double alpha = f == frames - 1 ? 1.0 : (double) f / (frames - 1);
                requests.add(RowFactory.create(p, nameA, nameB, f, alpha, fixed, seedA, seedB, error));
            }
        }
        Dataset<Row> planned = spark.createDataFrame(requests, REQUEST);
        planned = options.from() == null ? withoutLatents(planned) : withStoredLatents(spark, planned, options.from(), duplicated);
        int partitions = TaskSizing.tasks(requests.size(), options.batchSize(), spark.sparkContext().defaultParallelism(),
                options.partitions());
        planned = planned.repartition(partitions);
        SampleJobOptions sampling = SampleJobOptions.builder().setModel(options.model()).optDevice(options.device())
                .setOutput(options.output())
                .optSampler(options.sampler()).optBatchSize(options.batchSize()).build();
        times.end("plan");
        RowProgress progress = RowProgress.register(spark, OutputSchema.INTERPOLATION, requests.size());
        Dataset<Row> rows = planned.mapPartitions(new Partition(sampling, card.sha256(), progress),
                Encoders.row(OutputSchema.INTERPOLATION));
        ParquetOutput.write(spark, rows, options.output(), options.overwrite(), false);
        times.end("sample_and_write");

        Dataset<Row> written = spark.read().parquet(options.output());
        StatusCounts counts = StatusCounts.of(written);
        times.end("count");
        writeContactSheet(spark, written, options);
        times.end("contact_sheet");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("pairs", options.pairs().size());
        settings.put("frames", frames);
        if (options.from() != null) {
            settings.put("from", options.from());
        }
        if (options.classLabel() != null) {
            settings.put("class", options.classLabel());
        }
        settings.put("sampler", options.sampler().toString());
        settings.put("batch_size", options.batchSize());
        settings.put("partitions", partitions);
        RunReport report = RunReport.of("interpolate", card.reference(), settings, counts, Map.of(), times, progress, spark);
        OutputFiles.writeReport(spark, options.output(), report);
        return report;
    }

    /**
     * Checks the ids of --from that the pairs name, on the ids alone: a missing one is an error of the command
     * line; one that names several rows makes its frames error rows.
     *
     * @return the ids that name several rows
     */
    private static Set<String> checkStoredIds(SparkSession spark, InterpolateJobOptions options) {
        Set<String> ids = new LinkedHashSet<>();
        options.pairs().forEach(p -> {
            ids.add(p.a());
            ids.add(p.b());
        });
        Dataset<Row> wanted = spark.createDataset(new ArrayList<>(ids), Encoders.STRING()).toDF("wanted");
        Dataset<Row> source = spark.read().parquet(options.from()).select(col("id").cast("string").as("id"));
        Map<String, Long> found = new HashMap<>();
        for (Row r : source.join(wanted, source.col("id").equalTo(wanted.col("wanted")), "left_semi")
                .groupBy("id").count().collectAsList()) {
            found.put(r.getString(0), r.getLong(1));
        }
        for (String id : ids) {
            if (!found.containsKey(id)) {
                throw new IllegalArgumentException("--from " + options.from() + " has no row with id '" + id + "'");
            }
        }
        Set<String> duplicated = new HashSet<>();
        found.forEach((id, n) -> {
            if (n > 1) {
                duplicated.add(id);
            }
        });
        return duplicated;
    }

    /** Seed frames: no stored columns (a task makes each seed's x_T). */
    private static Dataset<Row> withoutLatents(Dataset<Row> planned) {
        Column none = lit(null);
        return planned.select(col("pair"), col("a"), col("b"), col("frame"), col("alpha"), col("class_label"),
                col("seed_a"), col("seed_b"), none.cast("array<float>").as("latent_a"), none.cast("array<int>").as("shape_a"),
                none.cast("int").as("class_a"), none.cast("array<float>").as("latent_b"),
                none.cast("array<int>").as("shape_b"), none.cast("int").as("class_b"), col("error"));
    }

    /** Stored frames: each end point's latent, shape and class joined in from --from's rows by id. */
    private static Dataset<Row> withStoredLatents(SparkSession spark, Dataset<Row> planned, String from,
            Set<String> duplicated) {
        Dataset<Row> source = spark.read().parquet(from);
        Column classLabel = source.schema().getFieldIndex("class_label").isDefined() ? col("class_label").cast("int")
                : lit(null).cast("int");
        Dataset<Row> ends = source.select(col("id").cast("string").as("end_id"), col("latent").cast("array<float>")
                .as("end_latent"), col("latent_shape").cast("array<int>").as("end_shape"), classLabel.as("end_class"));
        if (!duplicated.isEmpty()) {
            // an id that names several rows would multiply its frames, which are planned as errors already
            ends = ends.where(org.apache.spark.sql.functions.not(col("end_id").isin(duplicated.toArray())));
        }
        Dataset<Row> endsA = ends.toDF("id_a", "latent_a", "shape_a", "class_a");
        Dataset<Row> endsB = ends.toDF("id_b", "latent_b", "shape_b", "class_b");
        Dataset<Row> joined = planned.join(endsA, planned.col("a").equalTo(endsA.col("id_a")), "left")
                .join(endsB, planned.col("b").equalTo(endsB.col("id_b")), "left");
        return joined.select(java.util.Arrays.stream(FRAME_COLUMNS).map(org.apache.spark.sql.functions::col)
                .toArray(Column[]::new));
    }

    /** Writes {@link SampleJob#CONTACT_SHEET}: the first pairs, one row of frames each, labelled by alpha. */
    private static void writeContactSheet(SparkSession spark, Dataset<Row> written, InterpolateJobOptions options) {
        List<Row> rows = written.where(col("pair").lt(SHEET_PAIRS)).orderBy("pair", "frame")
                .select("alpha", "image.bytes").collectAsList();
        List<ContactSheet.Tile> tiles = new ArrayList<>();
        for (Row r : rows) {
            tiles.add(new ContactSheet.Tile(r.isNullAt(1) ? null : (byte[]) r.get(1), String.format("%.2f", r.getDouble(0))));
        }
        OutputFiles.writeContactSheet(spark, options.output(), tiles, options.frames());
    }

    /** The work of one partition: frame requests in, interpolation rows out, batch by batch. */
    private static final class Partition implements MapPartitionsFunction<Row, Row> {

        private static final long serialVersionUID = 1L;

        private final SampleJobOptions options;
        private final String sha256;
        private final RowProgress progress;

        Partition(SampleJobOptions options, String sha256, RowProgress progress) {
            this.options = options;
            this.sha256 = sha256;
            this.progress = progress;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> requests) {
            TorchScriptDenoiser denoiser = SharedModels.taskDenoiser(options.model(), sha256, options.device(), progress);
            ModelCard card = denoiser.card();
            SampleRows sampler = new SampleRows(options, denoiser);
            return new BatchedRows<>(requests, options.batchSize(), batch -> {
                List<SampleRows.Request> frames = new ArrayList<>(batch.size());
                for (Row r : batch) {
                    frames.add(frame(r, card, options.sampler()));
                }
                List<Row> sampled = sampler.run(frames);
                List<Row> rows = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    Row q = batch.get(i);
                    Row s = sampled.get(i);
                    rows.add(RowFactory.create(sampled(s, "id"), q.getInt(0), q.getString(1), q.getString(2),
                            q.getInt(3), q.getDouble(4), sampled(s, "class_label"), sampled(s, "steps"),
                            sampled(s, "eta"), sampled(s, "guidance"), sampled(s, "spacing"), sampled(s, "sampler"),
                            sampled(s, "model"), sampled(s, "latent"),
                            sampled(s, "latent_shape"), sampled(s, "image"), sampled(s, "status"), sampled(s, "error")));
                }
                return rows;
            }, progress);
        }

        /** The sample request of a planned frame ({@link #FRAME_COLUMNS}): its end points made or checked here. */
        private static SampleRows.Request frame(Row r, ModelCard card, SamplerOptions sampler) {
            String id = "p" + r.getInt(0) + "-f" + r.getInt(3);
            if (!r.isNullAt(14)) {
                return new SampleRows.Request(id, 0L, -1, null, r.getString(14));
            }
            Integer fixed = r.isNullAt(5) ? null : r.getInt(5);
            EndPoint a = end(r, r.getString(1), 6, 8, card, fixed);
            EndPoint b = end(r, r.getString(2), 7, 11, card, fixed);
            EndPoint broken = a.error() != null ? a : b.error() != null ? b : null;
            if (broken != null) {
                return new SampleRows.Request(id, 0L, -1, null, broken.frameError());
            }
            int c = fixed != null ? fixed : a.classLabel() >= 0 && a.classLabel() == b.classLabel() ? a.classLabel() : -1;
            boolean pairA = a.latent().length == 2 * card.sampleSize();
            boolean pairB = b.latent().length == 2 * card.sampleSize();
            if (pairA != pairB) {
                return new SampleRows.Request(id, 0L, -1, null, "end points differ: " + (pairA ? a.name() : b.name())
                        + " is an exact inversion's pair, " + (pairA ? b.name() : a.name()) + " a single x_T");
            }
            if (!pairA) {
                return new SampleRows.Request(id, 0L, c, Slerp.between(a.latent(), b.latent(), r.getDouble(4)), null);
            }
            SampleRows.Settings exact = StoredRows.pairSettings(sampler, card);
            float[] pair = Slerp.betweenPairs(a.latent(), b.latent(), r.getDouble(4));
            return new SampleRows.Request(id, 0L, exact.error() == null ? c : -1, pair, exact.sampler(), null,
                    exact.error());
        }

        /** An end point: a seed's x_T, or a stored row's latent and class, checked against the model. */
        private static EndPoint end(Row r, String name, int seed, int latent, ModelCard card, Integer fixed) {
            if (!r.isNullAt(seed)) {
                return new EndPoint(name, SeededNoise.latent(r.getLong(seed), card.sampleSize()), -1, null);
            }
            String error = StoredRows.latentError(r, latent, latent + 1, card);
            Integer stored = r.isNullAt(latent + 2) ? null : r.getInt(latent + 2);
            if (error == null && fixed == null) {
                error = StoredRows.classError(stored, card);
            }
            return error != null ? new EndPoint(name, null, -1, error)
                    : new EndPoint(name, ArrayColumns.floats(r, latent), stored == null ? -1 : stored, null);
        }

        /** A column of a row of {@link SampleRows}, which carries no schema of its own. */
        private static Object sampled(Row row, String column) {
            return row.get(OutputSchema.SAMPLE.fieldIndex(column));
        }
    }
}
