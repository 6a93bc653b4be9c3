package org.ddimspark.evaluation;

import com.google.gson.GsonBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code evaluate} measured on a job's output.
 *
 * @param input the evaluated data set
 * @param classifier the classifier's name and sha256
 * @param runs the distinct (model, steps, eta, guidance, sampler) of the evaluated rows
 * @param images the images evaluated (rows with status ok)
 * @param conditioned the images that carry a class
 * @param accuracy the share of conditioned images classified as their class (NaN without any)
 * @param classAccuracy the accuracy per class name
 * @param fid the Frechet distance of the images' features to the reference set's (NaN below 2 images)
 * @param referenceImages the size of the reference set
 */
public record EvaluationReport(String input, String classifier, List<String> runs, long images, long conditioned,
        double accuracy, Map<String, Double> classAccuracy, double fid, long referenceImages) {

    /** The report's file name inside the evaluated directory (skipped by Parquet readers). */
    public static final String FILE = "_ddim_eval.json";

    /** Returns the report as JSON. */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("input", input);
        json.put("classifier", classifier);
        json.put("runs", runs);
        json.put("images", images);
        json.put("conditioned", conditioned);
        json.put("class_accuracy", accuracy);
        json.put("class_accuracy_by_class", classAccuracy);
        json.put("fid", fid);
        json.put("reference_images", referenceImages);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues()
                .create().toJson(json) + "\n";
    }

    /** Returns a few lines for the console. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append("evaluate: ").append(images).append(" images of ").append(String.join("; ", runs)).append('\n');
        s.append(String.format("class accuracy  %.4f  (%d images with a class; classifier %s)%n", accuracy, conditioned,
                classifier));
        s.append(String.format("FID             %.3f  (classifier features, against %d test images)", fid, referenceImages));
        return s.toString();
    }
}
