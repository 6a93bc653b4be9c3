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
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.evaluation.EvaluationReport;
import org.ddimspark.evaluation.FeatureMoments;
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
        // each task classifies its images and summarises them; the driver merges one summary per task
        Summary total = new Summary();
        for (Summary part : ok.select("class_label", "image.bytes").javaRDD()
                .mapPartitions(new Classify(classifier, batchSize)).collect()) {
            total.merge(part);
        }
        long conditioned = total.conditioned;
        long correct = total.correct;
        Map<Integer, long[]> byClass = total.byClass;
        long images = total.moments.count();
        Map<String, Double> classAccuracy = new LinkedHashMap<>();
        byClass.forEach((label, counts) -> classAccuracy.put(
                label < model.classNames().size() ? model.classNames().get(label) : "class " + label,
                (double) counts[0] / counts[1]));
        double fid = images < 2 ? Double.NaN : total.moments.statistics().frechetDistance(model.reference());
        EvaluationReport result = new EvaluationReport(input, model.name() + "@sha256:" + model.sha256(),
                new ArrayList<>(new TreeSet<>(runs)), images, conditioned,
                conditioned == 0 ? Double.NaN : (double) correct / conditioned, classAccuracy, fid,
                model.reference().count());
        OutputFiles.write(spark, report == null ? new Path(input, EvaluationReport.FILE) : new Path(report),
                result.toJson().getBytes(StandardCharsets.UTF_8));
        return result;
    }

    /** What the images of one task (or of the whole job, merged) gave: feature moments and class hits. */
    private static final class Summary implements java.io.Serializable {

        private static final long serialVersionUID = 1L;

        private final FeatureMoments moments = new FeatureMoments();
        private final Map<Integer, long[]> byClass = new java.util.TreeMap<>();
        private long conditioned;
        private long correct;

        void add(Integer label, int predicted, float[] features) {
            moments.add(features);
            if (label != null) {
                boolean hit = label == predicted;
                conditioned++;
                correct += hit ? 1 : 0;
                long[] counts = byClass.computeIfAbsent(label, k -> new long[2]);
                counts[0] += hit ? 1 : 0;
                counts[1]++;
            }
        }

        void merge(Summary other) {
            moments.merge(other.moments);
            conditioned += other.conditioned;
            correct += other.correct;
            other.byClass.forEach((label, counts) -> {
                long[] mine = byClass.computeIfAbsent(label, k -> new long[2]);
                mine[0] += counts[0];
                mine[1] += counts[1];
            });
        }
    }

    /** Classifies the images of one partition in batches, into one summary. */
    private static final class Classify implements FlatMapFunction<Iterator<Row>, Summary> {

        private static final long serialVersionUID = 1L;

        private final String classifier;
        private final int batchSize;

        Classify(String classifier, int batchSize) {
            this.classifier = classifier;
            this.batchSize = batchSize;
        }

        @Override
        public Iterator<Summary> call(Iterator<Row> rows) throws IOException, BadImageException {
            ImageClassifier model = SharedClassifiers.get(classifier);
            int[] shape = model.inputShape();
            int size = shape[0] * shape[1] * shape[2];
            Summary summary = new Summary();
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
                        summary.add(labels.get(i), result.predicted()[i], result.features()[i]);
                    }
                    labels.clear();
                }
            }
            return List.of(summary).iterator();
        }
    }
}
