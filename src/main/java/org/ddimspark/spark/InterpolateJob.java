package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ddimspark.image.ContactSheet;
import org.ddimspark.model.ModelCard;
import org.ddimspark.noise.SeededNoise;
import org.ddimspark.sampling.Slerp;

/**
 * The {@code interpolate} job: for each pair of end points (two seeds' x_T, or two latents stored by an
 * earlier job), {@code frames} latents by spherical interpolation at alpha = 0, 1/(F-1), ..., 1, each sampled
 * with DDIM (eta = 0) so that the end frames are the plain samples of the end points. The driver plans one
 * request per frame; the executors interpolate and sample them in batches. A contact sheet shows the first 8
 * pairs, one row of frames each.
 */
public final class InterpolateJob {

    private static final int SHEET_PAIRS = 8;

    /** What the driver sends per frame: the end points travel with it, the executor interpolates. */
    private static final StructType REQUEST = new StructType()
            .add("pair", DataTypes.IntegerType, false)
            .add("a", DataTypes.StringType, false)
            .add("b", DataTypes.StringType, false)
            .add("frame", DataTypes.IntegerType, false)
            .add("alpha", DataTypes.DoubleType, false)
            .add("class_label", DataTypes.IntegerType, true)
            .add("latent_a", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("latent_b", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("error", DataTypes.StringType, true);

    private InterpolateJob() {}

    /** One end point: its name, latent and class (-1 for none), or why it cannot be used. */
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
        Map<String, EndPoint> ends = options.from() == null ? seeds(options, card) : stored(spark, options, card);
        List<Row> requests = new ArrayList<>();
        int frames = options.frames();
        for (int p = 0; p < options.pairs().size(); p++) {
            EndPoint a = ends.get(options.pairs().get(p).a());
            EndPoint b = ends.get(options.pairs().get(p).b());
            int c = options.classLabel() != null ? options.classLabel()
                    : a.classLabel() >= 0 && a.classLabel() == b.classLabel() ? a.classLabel() : -1;
            for (int f = 0; f < frames; f++) {
                double alpha = f == frames - 1 ? 1.0 : (double) f / (frames - 1);
                String error = a.error() != null ? a.frameError() : b.error() != null ? b.frameError() : null;
                requests.add(RowFactory.create(p, a.name(), b.name(), f, alpha, c < 0 ? null : c,
                        error == null ? a.latent() : null, error == null ? b.latent() : null, error));
            }
        }
        Dataset<Row> planned = spark.createDataFrame(requests, REQUEST);
        int partitions = TaskSizing.tasks(requests.size(), options.batchSize(), spark.sparkContext().defaultParallelism(),
                options.partitions());
        planned = planned.repartition(partitions);
        SampleJobOptions sampling = SampleJobOptions.builder().setModel(options.model()).setOutput(options.output())
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
        RunReport report = RunReport.of("interpolate", card.reference(), settings, counts, Map.of(), times, spark);
        OutputFiles.writeReport(spark, options.output(), report);
        return report;
    }

    /** The end points of seed pairs: each seed's x_T, named as the sample job names that seed's row. */
    private static Map<String, EndPoint> seeds(InterpolateJobOptions options, ModelCard card) {
        Map<String, EndPoint> ends = new HashMap<>();
        int c = options.classLabel() == null ? -1 : options.classLabel();
        for (InterpolateJobOptions.Pair pair : options.pairs()) {
            for (String seed : new String[] {pair.a(), pair.b()}) {
                long s = Long.parseLong(seed);
                ends.computeIfAbsent(seed, k -> new EndPoint(SampleRows.Request.ofSeed(s, c).id(),
                        SeededNoise.latent(s, card.sampleSize()), c, null));
            }
        }
        return ends;
    }

    /** The end points named by id: the latents (and classes) of those rows of the earlier job. */
    private static Map<String, EndPoint> stored(SparkSession spark, InterpolateJobOptions options, ModelCard card) {
        Set<String> ids = new LinkedHashSet<>();
        options.pairs().forEach(p -> {
            ids.add(p.a());
            ids.add(p.b());
        });
        Dataset<Row> source = spark.read().parquet(options.from());
        boolean hasClass = source.schema().getFieldIndex("class_label").isDefined();
        List<Row> found = source.where(col("id").isin(ids.toArray()))
                .select(col("id"), col("latent"), col("latent_shape"),
                        hasClass ? col("class_label").cast("int") : org.apache.spark.sql.functions.lit(null).cast("int"))
                .collectAsList();
        Map<String, EndPoint> ends = new HashMap<>();
        for (Row r : found) {
            String id = r.getString(0);
            Integer stored = r.isNullAt(3) ? null : r.getInt(3);
            String error = StoredRows.latentError(r, 1, 2, card);
            if (error == null && options.classLabel() == null) {
                error = StoredRows.classError(stored, card);
            }
            ends.put(id, error != null ? new EndPoint(id, null, -1, error)
                    : new EndPoint(id, ArrayColumns.floats(r, 1), stored == null ? -1 : stored, null));
        }
        for (String id : ids) {
            if (!ends.containsKey(id)) {
                throw new IllegalArgumentException("--from " + options.from() + " has no row with id '" + id + "'");
            }
        }
        return ends;
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
            SampleRows sampler = new SampleRows(options, SharedModels.taskDenoiser(options.model(), sha256));
            return new BatchedRows<>(requests, options.batchSize(), batch -> {
                List<SampleRows.Request> frames = new ArrayList<>(batch.size());
                for (Row r : batch) {
                    String id = "p" + r.getInt(0) + "-f" + r.getInt(3);
                    if (!r.isNullAt(8)) {
                        frames.add(new SampleRows.Request(id, 0L, -1, null, r.getString(8)));
                        continue;
                    }
                    float[] latent = Slerp.between(ArrayColumns.floats(r, 6), ArrayColumns.floats(r, 7), r.getDouble(4));
                    frames.add(new SampleRows.Request(id, 0L, r.isNullAt(5) ? -1 : r.getInt(5), latent, null));
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

        /** A column of a row of {@link SampleRows}, which carries no schema of its own. */
        private static Object sampled(Row row, String column) {
            return row.get(OutputSchema.SAMPLE.fieldIndex(column));
        }
    }
}
