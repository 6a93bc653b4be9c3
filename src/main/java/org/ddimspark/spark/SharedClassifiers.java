package org.ddimspark.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ddimspark.evaluation.ImageClassifier;

/** The classifiers loaded in this JVM: one load per classifier per executor, closed when the JVM exits. */
final class SharedClassifiers {

    private static final Map<String, ImageClassifier> CLASSIFIERS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> CLASSIFIERS.values().forEach(ImageClassifier::close), "ddim-close-classifiers"));
    }

    private SharedClassifiers() {}

    static ImageClassifier get(String classifier) {
        return CLASSIFIERS.computeIfAbsent(classifier, ImageClassifier::load);
    }
}
