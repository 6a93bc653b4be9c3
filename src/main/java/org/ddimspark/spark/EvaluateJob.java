package org.ddimspark.spark;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ddimspark.evaluation.EvaluationReport;
import org.ddimspark.evaluation.FeatureStatistics;
import org.ddimspark.evaluation.ImageClassifier;
import org.ddimspark.image.BadImageException;
import org.ddimspark.image.ImageFit;
import org.ddimspark.image.ModelSpace;
import org.ddimspark.image.PngCodec;

/**
 * The {@code evaluate} job: every ok image of a sample job's output through a classifier on the executors,
 * then, on the driver, the class accuracy against {@code class_label} and the Frechet distance between the
 * images' features and the classifier's reference (test set) features.
 */
public final class EvaluateJob {

    private static final StructType CLASSIFIED = new StructType()
            .add("class_label", DataTypes.IntegerType, true)
            .add("predicted", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private EvaluateJob() {}

    /**
     * Loads a classifier into this JVM's shared classifiers, so that a bad one fails before Spark starts and
     * local executors find it loaded.
     *
     * @param classifier a classifier directory or bundled name
     * @return the classifier's name
     */
    public static String loadClassifier(String classifier) {
        return SharedClassifiers.get(classifier).name();
    }

    /**
     * Runs the evaluation.
     *
     * @param spark the session
     * @param input a sample job's Parquet output
     * @param classifier a classifier directory or bundled name
     * @param batchSize images per classifier forward
     * @param report where the JSON report goes, or null for {@code <input>/_ddim_eval.json}
     * @return the report
     */
    public static EvaluationReport run(SparkSession spark, String input, String classifier, int batchSize, String report) {
        ImageClassifier model = SharedClassifiers.get(classifier);
        var ok = spark.read().parquet(input).where(col("status").equalTo("ok").and(col("image.bytes").isNotNull()));
        List<String> runs = new ArrayList<>();
        for (Row r : ok.select("model", "steps", "eta", "guidance", "sampler").distinct().orderBy("model", "steps", "eta")
                .collectAsList()) {
            runs.add(r.getString(0) + " (" + r.getString(4) + ")");
        }
        List<Row> classified = ok.select("class_label", "image.bytes")
                .mapPartitions(new Classify(classifier, batchSize), Encoders.row(CLASSIFIED))
                .collectAsList();
        List<float[]> features = new ArrayList<>(classified.size());
        long conditioned = 0;
        long correct = 0;
        Map<Integer, long[]> byClass = new java.util.TreeMap<>();
        for (Row r : classified) {
            List<Float> f = r.getList(2);
            float[] v = new float[f.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = f.get(i);
            }
            features.add(v);
            if (!r.isNullAt(0)) {
                int label = r.getInt(0);
                boolean hit = label == r.getInt(1);
                conditioned++;
                correct += hit ? 1 : 0;
                long[] counts = byClass.computeIfAbsent(label, k -> new long[2]);
                counts[0] += hit ? 1 : 0;
                counts[1]++;
            }
        }
        Map<String, Double> classAccuracy = new LinkedHashMap<>();
        byClass.forEach((label, counts) -> classAccuracy.put(
                label < model.classNames().size() ? model.classNames().get(label) : "class " + label,
                (double) counts[0] / counts[1]));
        double fid = features.size() < 2 ? Double.NaN : FeatureStatistics.of(features).frechetDistance(model.reference());
        EvaluationReport result = new EvaluationReport(input, model.name() + "@sha256:" + model.sha256(),
                new ArrayList<>(new TreeSet<>(runs)), features.size(), conditioned,
                conditioned == 0 ? Double.NaN : (double) correct / conditioned, classAccuracy, fid,
                model.reference().count());
        OutputFiles.write(spark, report == null ? new Path(input, EvaluationReport.FILE) : new Path(report),
                result.toJson().getBytes(StandardCharsets.UTF_8));
        return result;
    }

    /** Classifies the images of one partition in batches. */
    private static final class Classify implements MapPartitionsFunction<Row, Row> {

        private static final long serialVersionUID = 1L;

        private final String classifier;
        private final int batchSize;

        Classify(String classifier, int batchSize) {
            this.classifier = classifier;
            this.batchSize = batchSize;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) throws IOException, BadImageException {
            ImageClassifier model = SharedClassifiers.get(classifier);
            int[] shape = model.inputShape();
            int size = shape[0] * shape[1] * shape[2];
            List<Row> out = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            float[] batch = new float[batchSize * size];
            while (rows.hasNext()) {
                Row r = rows.next();
                ModelSpace.fromImage(PngCodec.decode(r.getAs(1)), shape, model.valueRange(), ImageFit.ERROR, batch,
                        labels.size() * size);
                labels.add(r.isNullAt(0) ? null : r.getInt(0));
                if (labels.size() == batchSize || !rows.hasNext()) {
                    ImageClassifier.Result result = model.classify(java.util.Arrays.copyOf(batch, labels.size() * size),
                            labels.size());
                    for (int i = 0; i < labels.size(); i++) {
                        out.add(RowFactory.create(labels.get(i), result.predicted()[i], result.features()[i]));
                    }
                    labels.clear();
                }
            }
            return out.iterator();
        }
    }
}
