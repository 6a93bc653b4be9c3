package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.spark.api.java.function.MapFunction;
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
import org.ddimspark.sampling.SamplerOptions;

/**
 * The {@code sample} job: the seed range 0..count-1 (or a table of requests: a user's, or the latents stored
 * by an earlier job) as a Dataset split into partitions, each partition sampled in batches through the
 * executor's shared model, the rows written as Parquet, then a contact sheet of the first 64 images and the run report. Each row depends only
 * on its seed, class, model and settings, so the output is the same whatever the partitioning, batch size,
 * executors or retries; with {@code --resume}, an interrupted or shorter earlier run is completed with the
 * rows it lacks.
 */
public final class SampleJob {

    /** The contact sheet's file name inside the output directory (skipped by Parquet readers). */
    public static final String CONTACT_SHEET = "_contact_sheet.png";

    private static final int CONTACT_SHEET_SIZE = 64;

    /** The distinct sampler settings the run report lists at most. */
    private static final int SAMPLERS_LISTED = 20;

    private SampleJob() {}

    /**
     * Runs the job.
     *
     * @param spark the session
     * @param options the job's options, already validated against {@code card}
     * @param card the model's card as the driver read it
     * @return the run report, also written beside the Parquet files
     */
    public static RunReport run(SparkSession spark, SampleJobOptions options, ModelCard card) {
        StageTimes times = new StageTimes();
        int cores = spark.sparkContext().defaultParallelism();
        int partitions;
        ResumedOutput resumed = options.resume() ? ResumedOutput.open(spark, options.output(), options.retryErrors()) : null;
        long kept = resumed == null ? 0 : keptRows(resumed, options, card);
        if (resumed != null) {
            resumed.startRetry(spark);
        }
        times.end(resumed == null ? "plan" : "resume_check");
        RowProgress progress;
        Waves waves;
        int waveCount;
        IntFunction<Dataset<Row>> rows;
        List<String> ignored = List.of();
        if (options.table() == null && kept == 0) {
            // a seed range cuts into ranges: no request table to build, keep or shuffle
            long count = options.count();
            waveCount = Waves.count(count, options.waveSize());
            long per = (count + waveCount - 1) / waveCount;
            waves = null;
            partitions = TaskSizing.tasks(Math.min(per, count), options.batchSize(), cores, options.partitions());
            progress = RowProgress.register(spark, OutputSchema.SAMPLE, count);
            SamplePartition.Seeds seeds = new SamplePartition.Seeds(options, card.sha256(), progress);
            rows = wave -> {
                long start = wave * per;
                long end = Math.min(count, start + per);
                int tasks = TaskSizing.tasks(end - start, options.batchSize(), cores, options.partitions());
                return spark.range(start, end, 1, tasks).mapPartitions(seeds, Encoders.row(OutputSchema.SAMPLE));
            };
        } else if (options.table() == null) {
            long missing = Math.max(1, options.count() - kept);
            waves = Waves.byId(missingIndices(resumed, spark.range(0, options.count()), options, card.numClasses()),
                    missing, options.waveSize());
            partitions = TaskSizing.tasks(waves.size(), options.batchSize(), cores, options.partitions());
            progress = RowProgress.register(spark, OutputSchema.SAMPLE, Math.max(0, options.count() - kept));
            SamplePartition.Seeds seeds = new SamplePartition.Seeds(options, card.sha256(), progress);
            waveCount = waves.count();
            int tasks = partitions;
            rows = wave -> waves.get(wave).select("index").as(Encoders.LONG()).repartition(tasks)
                    .mapPartitions(seeds, Encoders.row(OutputSchema.SAMPLE));
        } else {
            RequestTable.Source source = options.requests() != null ? RequestTable.Source.REQUESTS
                    : RequestTable.Source.LATENTS;
            RequestTable.Read table = RequestTable.read(spark, options.table(), source, options.embeddings());
            Dataset<Row> requests = table.rows();
            ignored = table.ignored();
            List<String> duplicated = List.of();
            if (source == RequestTable.Source.REQUESTS) {
                RequestTable.requireUniqueIds(requests, options.table());
            } else {
                // an id that names several stored rows gets one error row, so that every output id stays unique
                duplicated = requests.groupBy("id").count().where(col("count").gt(1)).select("id")
                        .as(Encoders.STRING()).collectAsList();
                if (!duplicated.isEmpty()) {
                    requests = requests.dropDuplicates("id");
                }
            }
            // a Parquet count reads the files' footers only
            long tableRows = requests.count();
            waves = Waves.byId(kept > 0 ? resumed.missing(requests, "id") : requests, Math.max(1, tableRows - kept),
                    options.waveSize());
            partitions = TaskSizing.tasks(waves.size(), options.batchSize(), cores, options.partitions());
            progress = RowProgress.register(spark, OutputSchema.SAMPLE, -1);
            SamplePartition.Requests worker = new SamplePartition.Requests(options, card, progress, source, duplicated);
            waveCount = waves.count();
            int tasks = partitions;
            rows = wave -> waves.get(wave).repartition(tasks).mapPartitions(worker, Encoders.row(OutputSchema.SAMPLE));
        }
        try {
            ParquetOutput.write(spark, waveCount, rows, options.output(), options.overwrite(), options.resume());
        } finally {
            if (waves != null) {
                waves.close();
            }
        }
        times.end("sample_and_write");
        long replaced = resumed == null ? 0 : resumed.repair(spark);
        if (options.retryErrors()) {
            times.end("replace_retried_rows");
        }

        StatusCounts counts = StatusCounts.of(spark.read().parquet(options.output()));
        times.end("count");
        Map<String, Object> settings = new LinkedHashMap<>();
        if (options.requests() != null) {
            settings.put("requests", options.requests());
            if (options.embeddings() != null) {
                settings.put("embeddings", options.embeddings());
            }
            if (!ignored.isEmpty()) {
                settings.put("ignored_columns", ignored);
            }
        } else if (options.fromLatents() != null) {
            settings.put("from_latents", options.fromLatents());
        } else {
            settings.put("count", options.count());
            settings.put("seed_start", options.seedStart());
        }
        settings.put("class_mode", options.classMode().kind().name().toLowerCase(java.util.Locale.ROOT));
        if (options.classMode().kind() == ClassMode.Kind.FIXED) {
            settings.put("class", options.classMode().fixedClass());
        }
        settings.put("sampler", samplers(spark, options, card));
        settings.put("batch_size", options.batchSize());
        settings.put("partitions", partitions);
        settings.put("wave_size", options.waveSize());
        settings.put("waves", waveCount);
        settings.put("save_sample", options.saveSample());
        if (options.resume()) {
            settings.put("rows_kept", kept);
        }
        if (options.retryErrors()) {
            settings.put("rows_replaced", replaced);
        }
        writeContactSheet(spark, options, card);
        times.end("contact_sheet");
        RunReport report = RunReport.of("sample", card.reference(), settings, counts, Map.of(), times, progress, spark);
        OutputFiles.writeReport(spark, options.output(), report);
        return report;
    }

    /**
     * The sampler settings the rows were made with: one string for a seed job, or stored latents with a fixed
     * class; for a table whose rows have a class or none (their guidance differs) or settings of their own, the
     * output's distinct settings are read back (one, or a list of at most {@value #SAMPLERS_LISTED}).
     */
    private static Object samplers(SparkSession spark, SampleJobOptions options, ModelCard card) {
        if (options.table() == null
                || options.requests() == null && options.classMode().kind() != ClassMode.Kind.NONE) {
            return options.sampler().resolve(card, options.classMode().conditioned()).toString();
        }
        Dataset<String> distinct = spark.read().parquet(options.output()).select("sampler").distinct()
                .as(Encoders.STRING());
        List<String> used = new ArrayList<>(distinct.orderBy("sampler").limit(SAMPLERS_LISTED + 1).collectAsList());
        if (used.size() > SAMPLERS_LISTED) {
            used.set(SAMPLERS_LISTED, "... " + (distinct.count() - SAMPLERS_LISTED) + " more");
        }
        return used.size() == 1 ? used.get(0) : used;
    }

    /** Counts the rows of an output to resume; fails when they were made with other settings than this run's. */
    private static long keptRows(ResumedOutput resumed, SampleJobOptions options, ModelCard card) {
        SamplerOptions sampler = options.sampler();
        Map<String, List<?>> expected = new LinkedHashMap<>();
        expected.put("model", List.of(card.reference()));
        expected.put("spacing", List.of(sampler.spacing().id()));
        if (options.requests() == null) {
            // a request table's rows may have steps, eta and guidance of their own: its rows are kept by id alone.
            // A seed job's rows all have a class or none; stored latents may mix both
            List<Boolean> kinds = options.table() != null && options.classMode().kind() == ClassMode.Kind.NONE
                    ? List.of(true, false) : List.of(options.classMode().conditioned());
            expected.put("steps", List.of(sampler.steps()));
            expected.put("eta", List.of(sampler.eta()));
            expected.put("guidance", kinds.stream().map(c -> sampler.guidanceFor(card, c)).distinct().toList());
            // stored exact pairs were sampled with the exact solver, which the job's options imply for them
            List<SamplerOptions> samplers = new ArrayList<>(List.of(sampler));
            SamplerOptions exact = options.table() == null ? null : StoredRows.pairSettings(sampler, card).sampler();
            if (exact != null && exact != sampler) {
                samplers.add(exact);
            }
            expected.put("sampler", kinds.stream().flatMap(c -> samplers.stream().map(s -> s.resolve(card, c).toString()))
                    .distinct().toList());
        }
        Column ok = col("status").equalTo(OutputSchema.OK);
        return resumed.requireSameSettings(expected,
                ok.and(options.saveSample() ? col("sample").isNull() : col("sample").isNotNull()),
                options.saveSample() ? "without --save-sample" : "with --save-sample");
    }

    /** The (index, id) of the requests of a seed range whose ids are not in a resumed output yet. */
    private static Dataset<Row> missingIndices(ResumedOutput resumed, Dataset<Long> indices, SampleJobOptions options,
            int numClasses) {
        StructType keyed = new StructType().add("index", DataTypes.LongType, false).add("id", DataTypes.StringType, false);
        Dataset<Row> requests = indices.map((MapFunction<Long, Row>) index -> RowFactory.create(index,
                SampleRows.seedRequest(options, numClasses, index).id()), Encoders.row(keyed));
        return resumed.missing(requests, "id");
    }

    /** Writes {@link #CONTACT_SHEET}: the first 64 requests' images in seed order, labelled by class or seed. */
    private static void writeContactSheet(SparkSession spark, SampleJobOptions options, ModelCard card) {
        Dataset<Row> output = spark.read().parquet(options.output());
        if (options.table() == null) {
            long first = options.seedStart();
            long last = first + Math.min(CONTACT_SHEET_SIZE, options.count()) - 1;
            output = output.where(col("seed").between(first, last)).orderBy("seed");
        } else {
            output = output.orderBy("id").limit(CONTACT_SHEET_SIZE);
        }
        List<Row> rows = output.select("seed", "class_label", "image.bytes", "id").collectAsList();
        List<ContactSheet.Tile> tiles = new ArrayList<>();
        for (Row r : rows) {
            String label;
            if (r.isNullAt(1)) {
                label = options.table() == null ? "seed " + r.getLong(0) : r.getString(3);
            } else {
                int c = r.getInt(1);
                label = c < card.classNames().size() ? card.classNames().get(c) : "class " + c;
            }
            tiles.add(new ContactSheet.Tile(r.isNullAt(2) ? null : (byte[]) r.get(2), label));
        }
        OutputFiles.writeContactSheet(spark, options.output(), tiles, 8);
    }
}
