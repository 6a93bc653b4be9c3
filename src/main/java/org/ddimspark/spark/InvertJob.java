package org.ddimspark.spark;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.ddimspark.image.BadImageException;
import org.ddimspark.image.ContactSheet;
import org.ddimspark.image.ImageDecoder;
import org.ddimspark.image.ModelSpace;
import org.ddimspark.image.PngCodec;
import org.ddimspark.model.ModelCard;

/**
 * The {@code invert} job: every file under the input folder or glob (Spark's binaryFile source, so any
 * Hadoop file system), decoded, fitted and inverted to its DDIM latent in batches through the executor's
 * shared model, optionally reconstructed and measured; one Parquet row per file, bad files as error rows;
 * then the run report with the errors by reason and the mean reconstruction error, and with --reconstruct a
 * contact sheet of inputs beside their reconstructions. With {@code --resume}, only the files whose id the
 * output lacks are inverted: a scheduled run over a growing folder adds its new images.
 */
public final class InvertJob {

    private static final int CONTACT_SHEET_PAIRS = 32;

    private InvertJob() {}

    /**
     * Runs the job.
     *
     * @param spark the session
     * @param options the job's options, already validated against {@code card}
     * @param card the model's card as the driver read it
     * @return the run report, also written beside the Parquet files
     */
    public static RunReport run(SparkSession spark, InvertJobOptions options, ModelCard card) {
        StageTimes times = new StageTimes();
        String root = InputFiles.root(options.input(), spark.sparkContext().hadoopConfiguration());
        ResumedOutput resumed = options.resume() ? ResumedOutput.open(spark, options.output(), options.retryErrors()) : null;
        long kept = resumed == null ? 0 : keptRows(resumed, options, card);
        if (resumed != null) {
            resumed.startRetry(spark);
        }
        // the listing only: without the content column Spark's binaryFile source opens no file
        Dataset<Row> listed = spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .load(options.input())
                .select("path", "length");
        // Spark packs small files into few partitions (32 images of 4 MB "open cost" fill one): the tasks are
        // sized to the number of files instead (TaskSizing)
        long inputFiles = listed.inputFiles().length;
        StructType keyed = new StructType().add("id", DataTypes.StringType, false)
                .add("path", DataTypes.StringType, false).add("length", DataTypes.LongType, false);
        Dataset<Row> files = listed.map((MapFunction<Row, Row>) f -> RowFactory.create(
                InputFiles.of(root, f.getString(0)), f.getString(0), f.getLong(1)), Encoders.row(keyed));
        // the zero-byte files, which Spark's listing drops, are requests too: each gets its error row
        List<Row> empty = new ArrayList<>();
        try {
            for (String path : InputFiles.empty(options.input(), spark.sparkContext().hadoopConfiguration())) {
                empty.add(RowFactory.create(InputFiles.of(root, path), path, 0L));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + options.input(), e);
        }
        if (!empty.isEmpty()) {
            files = files.union(spark.createDataFrame(empty, keyed));
            inputFiles += empty.size();
        }
        // with --resume, joined on ids from the listing: the files already inverted are never read again
        Waves waves = Waves.byId(kept > 0 ? resumed.missing(files, "id") : files, Math.max(1, inputFiles - kept),
                options.waveSize());
        int partitions = TaskSizing.tasks(waves.size(), options.batchSize(),
                spark.sparkContext().defaultParallelism(), options.partitions());
        times.end(resumed == null ? "plan" : "resume_check");
        RowProgress progress = RowProgress.register(spark, OutputSchema.INVERSION, Math.max(0, inputFiles - kept));
        LongAccumulator filesRead = spark.sparkContext().longAccumulator("ddim.files.read");
        LongAccumulator bytesRead = spark.sparkContext().longAccumulator("ddim.bytes.read");
        Partition partition = new Partition(options, root, card.sha256(), progress, new InputFiles.Reads(filesRead, bytesRead));
        try {
            ParquetOutput.write(spark, waves.count(), wave -> waves.get(wave).repartition(partitions)
                    .mapPartitions(partition, Encoders.row(OutputSchema.INVERSION)), options.output(), options.overwrite(),
                    options.resume());
        } finally {
            waves.close();
        }
        times.end("invert_and_write");
        long replaced = resumed == null ? 0 : resumed.repair(spark);
        if (options.retryErrors()) {
            times.end("replace_retried_rows");
        }

        Dataset<Row> written = spark.read().parquet(options.output());
        StatusCounts counts = StatusCounts.of(written);
        times.end("count");
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("files_read", filesRead.value());
        metrics.put("bytes_read", bytesRead.value());
        if (options.reconstruct() && counts.ok() > 0) {
            Dataset<Row> ok = written.where(col("status").equalTo(OutputSchema.OK));
            // a lossless row's PSNR is infinite: the mean PSNR is over the others, which the count of lossless rows completes
            Row means = ok.agg(avg("reconstruction_mse"),
                    avg(when(col("reconstruction_mse").gt(0), col("reconstruction_psnr"))),
                    sum(when(col("reconstruction_mse").equalTo(0), 1).otherwise(0)),
                    avg("round_trip_mse"), org.apache.spark.sql.functions.max("round_trip_max_error")).first();
            metrics.put("mean_reconstruction_mse", means.getDouble(0));
            metrics.put("mean_reconstruction_psnr", means.isNullAt(1) ? null : means.getDouble(1));
            metrics.put("lossless_rows", means.getLong(2));
            metrics.put("mean_round_trip_mse", means.isNullAt(3) ? null : means.getDouble(3));
            metrics.put("max_round_trip_max_error", means.isNullAt(4) ? null : means.getDouble(4));
            writeContactSheet(spark, written, options, card);
            times.end("contact_sheet");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("input", options.input());
        settings.put("sampler", options.sampler().resolve(card, false).toString());
        settings.put("fit", options.fit().id());
        settings.put("max_pixels", options.maxPixels());
        settings.put("max_bytes", options.maxBytes());
        settings.put("reconstruct", options.reconstruct());
        settings.put("batch_size", options.batchSize());
        settings.put("partitions", partitions);
        settings.put("wave_size", options.waveSize());
        settings.put("waves", waves.count());
        if (options.resume()) {
            settings.put("rows_kept", kept);
        }
        if (options.retryErrors()) {
            settings.put("rows_replaced", replaced);
        }
        RunReport report = RunReport.of("invert", card.reference(), settings, counts, metrics, times, progress, spark);
        OutputFiles.writeReport(spark, options.output(), report);
        return report;
    }

    /** Counts the rows of an output to resume; fails when they were made with other settings than this run's. */
    private static long keptRows(ResumedOutput resumed, InvertJobOptions options, ModelCard card) {
        Map<String, List<?>> expected = new LinkedHashMap<>();
        expected.put("model", List.of(card.reference()));
        expected.put("steps", List.of(options.sampler().steps()));
        expected.put("spacing", List.of(options.sampler().spacing().id()));
        expected.put("sampler", List.of(options.sampler().resolve(card, false).toString()));
        expected.put("fit", List.of(options.fit().id()));
        expected.put("max_pixels", List.of(options.maxPixels()));
        Column ok = col("status").equalTo(OutputSchema.OK);
        return resumed.requireSameSettings(expected, ok.and(options.reconstruct() ? col("reconstruction_mse").isNull()
                : col("reconstruction_mse").isNotNull()), options.reconstruct() ? "without --reconstruct" : "with --reconstruct");
    }

    /**
     * Writes {@link SampleJob#CONTACT_SHEET}: the first 32 images in id order, each input (as it entered the
     * model, after --fit) beside its reconstruction, labelled with the id and the PSNR.
     */
    private static void writeContactSheet(SparkSession spark, Dataset<Row> written, InvertJobOptions options,
            ModelCard card) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        ImageDecoder decoder = new ImageDecoder(options.maxPixels());
        int[] shape = card.imageShape();
        float[] input = new float[shape[0] * shape[1] * shape[2]];
        List<ContactSheet.Tile> tiles = new ArrayList<>();
        for (Row r : written.where(col("status").equalTo(OutputSchema.OK)).orderBy("id").limit(CONTACT_SHEET_PAIRS)
                .select("id", "source", "image.bytes", "reconstruction_psnr").collectAsList()) {
            byte[] png = null;
            Path source = new Path(r.getString(1));
            try (InputStream in = source.getFileSystem(conf).open(source)) {
                ModelSpace.fromImage(decoder.decode(in.readAllBytes()), shape, card.valueRange(), options.fit(), input, 0);
                png = PngCodec.encode(input, 0, shape, card.valueRange());
            } catch (IOException | BadImageException e) {
                // the file changed since the job read it: its tile stays empty
            }
            tiles.add(new ContactSheet.Tile(png, r.getString(0)));
            tiles.add(new ContactSheet.Tile((byte[]) r.get(2), Double.isInfinite(r.getDouble(3)) ? "lossless"
                    : String.format(Locale.ROOT, "%.1f dB", r.getDouble(3))));
        }
        OutputFiles.writeContactSheet(spark, options.output(), tiles, 8);
    }

    /** The work of one partition: listed files (id, path, length) in, read batch by batch, inversion rows out. */
    private static final class Partition implements MapPartitionsFunction<Row, Row> {

        private static final long serialVersionUID = 1L;

        private final InvertJobOptions options;
        private final String root;
        private final String sha256;
        private final RowProgress progress;
        private final InputFiles.Reads reads;

        Partition(InvertJobOptions options, String root, String sha256, RowProgress progress, InputFiles.Reads reads) {
            this.options = options;
            this.root = root;
            this.sha256 = sha256;
            this.progress = progress;
            this.reads = reads;
        }

        @Override
        public java.util.Iterator<Row> call(java.util.Iterator<Row> files) {
            InvertRows rows = new InvertRows(options, root, SharedModels.taskDenoiser(options.model(), sha256, options.device(), progress));
            // one file system client a task for all its files, which lie under the input's root
            InputFiles.Reader reader = reads.reader(ExecutorHadoop.configuration(), root);
            return new BatchedRows<>(files, options.batchSize(), batch -> {
                List<InputFiles.Content> contents = new ArrayList<>(batch.size());
                for (Row f : batch) {
                    contents.add(reader.read(f.getString(1), f.getLong(2), options.maxBytes()));
                }
                return rows.run(contents);
            }, progress);
        }
    }
}
