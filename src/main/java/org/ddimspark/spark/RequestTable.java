package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * A table of sample requests as the sample job reads it, one row per image to make: a user's request table
 * ({@code --requests}: Parquet, CSV or JSON lines) or the latents an earlier job stored ({@code --from-latents}).
 * Either is read into the same columns, {@link #COLUMNS}, with nulls where the table has no such column, so
 * that one partition worker ({@link SamplePartition.Requests}) serves both. A value that does not convert to
 * its column's type is not dropped: {@code bad_columns} names its column, and the request becomes an error
 * row. The table is read lazily by the executors; the driver only aggregates it (ids, counts).
 */
final class RequestTable {

    /** The columns of a request as the partition worker reads them, by position. */
    static final List<String> COLUMNS = List.of("id", "latent", "latent_shape", "seed", "class_label", "guidance",
            "steps", "eta", "cond", "cond_shape", "pooled", "key_error", "bad_columns");

    /** The request columns a table may have, and their types. */
    private static final Map<String, String> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put("id", "string");
        TYPES.put("latent", "array<float>");
        TYPES.put("latent_shape", "array<int>");
        TYPES.put("seed", "long");
        TYPES.put("class_label", "int");
        TYPES.put("guidance", "double");
        TYPES.put("steps", "int");
        TYPES.put("eta", "double");
        TYPES.put("cond", "array<float>");
        TYPES.put("cond_shape", "array<int>");
        TYPES.put("pooled", "array<float>");
    }

    /** Where a table comes from, which decides its required columns and how repeated ids are treated. */
    enum Source {
        /** A user's request table: ids must be unique, only {@code id} is required. */
        REQUESTS("--requests"),
        /** Latents stored by an earlier job: {@code id}, {@code latent} and {@code latent_shape} are required. */
        LATENTS("--from-latents");

        private final String option;

        Source(String option) {
            this.option = option;
        }

        String option() {
            return option;
        }
    }

    /**
     * A table as read.
     *
     * @param rows the requests, in the columns of {@link #COLUMNS}
     * @param ignored the table's columns that are no request column, which the job leaves alone
     */
    record Read(Dataset<Row> rows, List<String> ignored) {}

    private RequestTable() {}

    /**
     * Reads a table. Its format comes from the name: {@code .csv} is CSV with a header line, {@code .json},
     * {@code .jsonl} and {@code .ndjson} are JSON lines, anything else (a file or a folder) is Parquet.
     *
     * @param spark the session
     * @param uri the table's URI
     * @param source what kind of table it is
     * @param embeddings the table of embeddings that a {@code cond_key} column points into, or null
     * @return the requests
     * @throws IllegalArgumentException with one line when a required column is missing
     */
    static Read read(SparkSession spark, String uri, Source source, String embeddings) {
        String format = format(uri);
        Dataset<Row> table = open(spark, uri);
        StructType schema = table.schema();
        boolean keyed = schema.getFieldIndex("cond_key").isDefined();
        if (keyed && embeddings == null) {
            throw new IllegalArgumentException(source.option() + " " + uri + " has a 'cond_key' column: give the table"
                    + " of embeddings it points into with --embeddings");
        }
        Column keyError = lit(null).cast("string");
        if (keyed) {
            // each key's embedding from the table (cond and cond_shape), unless the row gives its own cond
            Dataset<Row> keys = embeddingsTable(spark, embeddings);
            table = table.join(keys, table.col("cond_key").cast("string").equalTo(keys.col(KEY)), "left");
            boolean ownCond = schema.getFieldIndex("cond").isDefined();
            table = table.withColumn("cond", ownCond ? functions.coalesce(col("cond").try_cast("array<float>"),
                            col(KEY_COND)) : col(KEY_COND))
                    .withColumn("cond_shape", ownCond && schema.getFieldIndex("cond_shape").isDefined()
                            ? functions.coalesce(col("cond_shape").try_cast("array<int>"), col(KEY_SHAPE)) : col(KEY_SHAPE))
                    .withColumn("pooled", ownCond && schema.getFieldIndex("pooled").isDefined()
                            ? functions.coalesce(col("pooled").try_cast("array<float>"), col(KEY_POOLED)) : col(KEY_POOLED));
            keyError = when(col("cond_key").isNotNull().and(col(KEY).isNull()), functions.concat(lit("cond_key '"),
                    col("cond_key").cast("string"), lit("' is not in --embeddings " + embeddings)));
            schema = table.drop(KEY, KEY_COND, KEY_SHAPE, KEY_POOLED).schema();
        }
        List<String> required = source == Source.LATENTS ? List.of("id", "latent", "latent_shape") : List.of("id");
        for (String column : required) {
            if (!schema.getFieldIndex(column).isDefined()) {
                throw new IllegalArgumentException(source.option() + " " + uri + " has no '" + column + "' column");
            }
        }
        if (format.equals("csv") && schema.getFieldIndex("latent").isDefined()) {
            throw new IllegalArgumentException(source.option() + " " + uri + " has a 'latent' column, which CSV cannot"
                    + " hold as an array: give latents in Parquet or JSON lines");
        }
        List<Column> columns = new ArrayList<>();
        List<Column> bad = new ArrayList<>();
        for (Map.Entry<String, String> e : TYPES.entrySet()) {
            String name = e.getKey();
            if (!schema.getFieldIndex(name).isDefined()) {
                columns.add(lit(null).cast(e.getValue()).as(name));
                continue;
            }
            Column converted = col(name).try_cast(e.getValue());
            columns.add(converted.as(name));
            bad.add(when(col(name).isNotNull().and(converted.isNull()), lit(name)));
        }
        columns.add(keyError.as("key_error"));
        // concat_ws skips nulls: "" when every value converted
        Column badColumns = concat_ws(", ", bad.toArray(new Column[0]));
        columns.add(when(badColumns.notEqual(""), badColumns).as("bad_columns"));
        List<String> ignored = new ArrayList<>();
        for (String name : schema.fieldNames()) {
            if (!TYPES.containsKey(name) && !name.equals("cond_key")) {
                ignored.add(name);
            }
        }
        return new Read(table.select(columns.toArray(new Column[0])), ignored);
    }

    private static final String KEY = "_ddim_key";
    private static final String KEY_COND = "_ddim_key_cond";
    private static final String KEY_SHAPE = "_ddim_key_cond_shape";
    private static final String KEY_POOLED = "_ddim_key_pooled";

    private static Dataset<Row> open(SparkSession spark, String uri) {
        return switch (format(uri)) {
            case "csv" -> spark.read().option("header", "true").csv(uri);
            case "json" -> spark.read().json(uri);
            default -> spark.read().parquet(uri);
        };
    }

    /**
     * A table of embeddings that request tables point into with {@code cond_key}: columns {@code key},
     * {@code cond} and {@code cond_shape}, and {@code pooled} for a model that takes a pooled vector (Parquet or
     * JSON lines, as a model's {@code embeddings.jsonl}).
     * Keys must be unique: a repeated key would repeat its requests.
     */
    private static Dataset<Row> embeddingsTable(SparkSession spark, String uri) {
        Dataset<Row> table = open(spark, uri);
        for (String required : List.of("key", "cond", "cond_shape")) {
            if (!table.schema().getFieldIndex(required).isDefined()) {
                throw new IllegalArgumentException("--embeddings " + uri + " has no '" + required + "' column");
            }
        }
        Column pooled = table.schema().getFieldIndex("pooled").isDefined() ? col("pooled").try_cast("array<float>")
                : lit(null).cast("array<float>");
        Dataset<Row> keys = table.select(col("key").cast("string").as(KEY), col("cond").try_cast("array<float>").as(KEY_COND),
                col("cond_shape").try_cast("array<int>").as(KEY_SHAPE), pooled.as(KEY_POOLED));
        List<Row> repeated = keys.groupBy(KEY).count().where(col("count").gt(1)).limit(1).collectAsList();
        if (!repeated.isEmpty()) {
            throw new IllegalArgumentException("--embeddings " + uri + ": key '" + repeated.get(0).get(0) + "' names "
                    + repeated.get(0).getLong(1) + " rows; keys must be unique");
        }
        return keys;
    }

    /**
     * Fails when a request table's ids are missing or repeated, before anything is sampled: every output
     * row keeps its request's id, and a resumed run finds the requests it lacks by id.
     *
     * @param rows the requests
     * @param uri the table's URI, for the message
     * @throws IllegalArgumentException with one line naming an offending id and how many there are
     */
    static void requireUniqueIds(Dataset<Row> rows, String uri) {
        Dataset<Row> offending = rows.groupBy("id").count()
                .where(col("id").isNull().or(col("id").equalTo("")).or(col("count").gt(1)));
        List<Row> first = offending.orderBy(col("id").asc_nulls_first()).limit(1).collectAsList();
        if (first.isEmpty()) {
            return;
        }
        Row r = first.get(0);
        if (r.isNullAt(0) || r.getString(0).isEmpty()) {
            throw new IllegalArgumentException("--requests " + uri + ": " + r.getLong(1) + " row(s) have "
                    + (r.isNullAt(0) ? "no id" : "an empty id") + "; every request needs an id of its own");
        }
        long repeated = offending.count();
        throw new IllegalArgumentException("--requests " + uri + ": id '" + r.getString(0) + "' names " + r.getLong(1)
                + " rows (" + repeated + " id(s) repeat); ids must be unique");
    }

    /** The format of a table from its name: csv, json or parquet. */
    static String format(String uri) {
        String name = uri.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (name.endsWith(".csv")) {
            return "csv";
        }
        if (name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return "json";
        }
        return "parquet";
    }
}
