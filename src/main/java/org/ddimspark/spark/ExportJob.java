package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.ddimspark.export.CsvLine;
import org.ddimspark.export.NpyWriter;

/**
 * The {@code export} job: a job's Parquet output to files other tools load. Each row's PNG goes to
 * {@code <id>.png} (written by the executors), {@code metadata.csv} has one line per row in id order with
 * the PNG's {@code file_name} (the column Hugging Face's imagefolder reads), every scalar column and the
 * row's {@code latent_index}, and the latents go to {@code latents.npy} (NumPy 1.0, little-endian float32,
 * shape [N, C, H, W]) in that order, their ids listed line by line in {@code latents_ids.txt}.
 *
 * <p>Ids are data, not trusted paths: an id that would leave the output folder (an absolute path, a
 * {@code ..} or empty segment, a backslash, a colon or a control character) and ids whose file names
 * collide (say {@code a} and {@code a.png}) get no PNG file; they are counted as skipped, by reason, and
 * their {@code file_name} in {@code metadata.csv} is empty. An output that is the input, holds it or lies
 * inside it is refused before anything is deleted.
 */
public final class ExportJob {

    /** The metadata file's name. */
    public static final String METADATA = "metadata.csv";
    /** The latents file's name. */
    public static final String LATENTS = "latents.npy";
    /** The file that lists the ids of the latents, one per line, in their order. */
    public static final String LATENT_IDS = "latents_ids.txt";

    private ExportJob() {}

    /**
     * What an export wrote.
     *
     * @param rows the rows of the input (lines of metadata.csv)
     * @param images the PNG files
     * @param latentShape the shape of latents.npy, or null when no row has a latent
     * @param skipped the images written to no file, by reason
     */
    public record Summary(long rows, long images, int[] latentShape, Map<String, Long> skipped) {

        /** Returns a one-line description for the console, and a line per reason of skipped images. */
        public String describe(String output) {
            StringBuilder text = new StringBuilder("export: wrote " + images + " PNG files, " + METADATA + " (" + rows
                    + " rows)" + (latentShape == null ? "" : " and " + LATENTS + " " + Arrays.toString(latentShape))
                    + " to " + output);
            skipped.forEach((reason, n) -> text.append(System.lineSeparator()).append("  ").append(n)
                    .append(" images skipped: ").append(reason));
            return text.toString();
        }
    }

    /** Why an image gets no file: its id would leave the output folder. */
    public static final String UNSAFE_ID = "id is not a relative path inside the output";
    /** Why an image gets no file: another id has the same file name. */
    public static final String SHARED_NAME = "file name shared with another id";

    /**
     * Returns the file name of an id's PNG inside the output folder, or null when the id is not a safe
     * relative path: it must consist of non-empty segments separated by {@code /}, none of them {@code .} or
     * {@code ..}, without backslashes, colons or control characters.
     *
     * @param id the row's id
     * @return the relative file name, or null
     */
    public static String fileName(String id) {
        if (id == null || id.isEmpty() || id.length() > 1024) {
            return null;
        }
        for (String segment : id.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return null;
            }
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
                return null;
            }
        }
        return OutputSchema.pngName(id);
    }

    /**
     * Runs the export.
     *
     * @param spark the session
     * @param input a job's Parquet output
     * @param output the folder to write (a path, hdfs:// or s3a://)
     * @param overwrite whether an existing folder is replaced
     * @return what was written
     * @throws IOException when the files cannot be written
     */
    public static Summary run(SparkSession spark, String input, String output, boolean overwrite) throws IOException {
        Dataset<Row> rows = spark.read().parquet(input);
        StructType schema = rows.schema();
        if (!schema.getFieldIndex("id").isDefined()
                || !(schema.apply("id").dataType() instanceof org.apache.spark.sql.types.StringType)) {
            throw new IllegalArgumentException(input + " has no string 'id' column: not the output of a ddim-spark job");
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path dir = new Path(output);
        FileSystem fs = dir.getFileSystem(conf);
        requireApart(fs.makeQualified(dir), new Path(input).getFileSystem(conf).makeQualified(new Path(input)), output, input);
        if (fs.exists(dir)) {
            if (!overwrite) {
                throw new IllegalStateException("output " + output + " already exists (--overwrite replaces it)");
            }
            fs.delete(dir, true);
        }
        fs.mkdirs(dir);

        boolean hasImage = schema.getFieldIndex("image").isDefined();
        LongAccumulator images = spark.sparkContext().longAccumulator("png files");
        Set<String> shared = new HashSet<>();
        Map<String, Long> skipped = new TreeMap<>();
        if (hasImage) {
            Dataset<Row> withImage = rows.where(col("image.bytes").isNotNull());
            // file names that several rows map to: none of those rows gets a file
            for (Row r : withImage.select(col("id")).as(Encoders.STRING())
                    .map((MapFunction<String, String>) id -> String.valueOf(fileName(id)), Encoders.STRING())
                    .groupBy("value").count().where(col("count").gt(1)).collectAsList()) {
                if (!r.getString(0).equals("null")) {
                    shared.add(r.getString(0));
                }
            }
            withImage.select(col("id"), col("image.bytes")).foreachPartition(new WritePngs(output, shared, images));
        }
        boolean hasLatent = schema.getFieldIndex("latent").isDefined();
        int[] latentShape = null;
        long latents = 0;
        if (hasLatent) {
            List<Row> shapes = rows.where(col("latent").isNotNull()).groupBy("latent_shape").count().collectAsList();
            if (shapes.size() > 1) {
                throw new IllegalArgumentException(input + " holds latents of " + shapes.size() + " shapes; .npy takes one");
            }
            latents = shapes.isEmpty() ? 0 : shapes.get(0).getLong(1);
            if (latents > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(latents + " latents do not fit one .npy");
            }
            if (latents > 0) {
                List<Integer> shape = shapes.get(0).getList(0);
                latentShape = new int[shape.size() + 1];
                latentShape[0] = (int) latents;
                for (int i = 0; i < shape.size(); i++) {
                    latentShape[i + 1] = shape.get(i);
                }
            }
        }

        List<String> scalars = new ArrayList<>();
        for (StructField field : schema.fields()) {
            if (!(field.dataType() instanceof ArrayType || field.dataType() instanceof StructType
                    || field.dataType() instanceof MapType || field.dataType() instanceof BinaryType)) {
                scalars.add(field.name());
            }
        }
        List<Column> columns = new ArrayList<>();
        scalars.forEach(name -> columns.add(col(name)));
        columns.add(hasImage ? col("image.bytes").isNotNull().as("_has_image") : org.apache.spark.sql.functions.lit(false));
        columns.add(hasLatent ? col("latent") : org.apache.spark.sql.functions.lit(null).as("latent"));
        Iterator<Row> ordered = rows.select(columns.toArray(new Column[0])).orderBy("id").toLocalIterator();

        long count = 0;
        try (Writer metadata = writer(fs, new Path(dir, METADATA));
                Writer ids = latentShape == null ? null : writer(fs, new Path(dir, LATENT_IDS));
                NpyWriter npy = latentShape == null ? null : new NpyWriter(fs.create(new Path(dir, LATENTS)), latentShape)) {
            List<Object> header = new ArrayList<>();
            header.add("file_name");
            header.addAll(scalars);
            header.add("latent_index");
            metadata.write(CsvLine.of(header) + "\n");
            int index = 0;
            while (ordered.hasNext()) {
                Row r = ordered.next();
                String id = r.getString(scalars.indexOf("id"));
                List<Object> line = new ArrayList<>();
                String file = null;
                if (r.getBoolean(scalars.size())) {
                    file = fileName(id);
                    String reason = file == null ? UNSAFE_ID : shared.contains(file) ? SHARED_NAME : null;
                    if (reason != null) {
                        skipped.merge(reason, 1L, Long::sum);
                        file = null;
                    }
                }
                line.add(file);
                for (int i = 0; i < scalars.size(); i++) {
                    line.add(r.get(i));
                }
                if (!r.isNullAt(scalars.size() + 1)) {
                    npy.write(ArrayColumns.floats(r, scalars.size() + 1));
                    ids.write(id + "\n");
                    line.add(index++);
                } else {
                    line.add(null);
                }
                metadata.write(CsvLine.of(line) + "\n");
                count++;
            }
        }
        return new Summary(count, images.value(), latentShape, skipped);
    }

    /**
     * Refuses an output that is the input, holds it (an --overwrite would delete the input) or lies inside it
     * (the export would land among the input's files).
     */
    private static void requireApart(Path output, Path input, String outputArg, String inputArg) {
        String out = output.toString().replaceAll("/+$", "") + "/";
        String in = input.toString().replaceAll("/+$", "") + "/";
        if (in.startsWith(out) || out.startsWith(in)) {
            throw new IllegalArgumentException("--output " + outputArg + " must not be, hold or lie inside --input "
                    + inputArg);
        }
    }

    private static Writer writer(FileSystem fs, Path path) throws IOException {
        return new BufferedWriter(new OutputStreamWriter(fs.create(path, true), StandardCharsets.UTF_8));
    }

    /** Writes the PNG bytes of a partition's rows to {@code <output>/<id>.png}, safe and unshared names only. */
    private static final class WritePngs implements ForeachPartitionFunction<Row> {

        private static final long serialVersionUID = 1L;

        private final String output;
        private final Set<String> shared;
        private final LongAccumulator written;

        WritePngs(String output, Set<String> shared, LongAccumulator written) {
            this.output = output;
            this.shared = new HashSet<>(shared);
            this.written = written;
        }

        @Override
        public void call(Iterator<Row> rows) throws IOException {
            Configuration conf = ExecutorHadoop.configuration();
            FileSystem fs = null;
            while (rows.hasNext()) {
                Row r = rows.next();
                String file = fileName(r.getString(0));
                if (file == null || shared.contains(file)) {
                    continue;
                }
                Path path = new Path(output, file);
                if (fs == null) {
                    fs = path.getFileSystem(conf);
                }
                try (OutputStream out = fs.create(path, true)) {
                    out.write((byte[]) r.get(1));
                }
                written.add(1);
            }
        }
    }
}
