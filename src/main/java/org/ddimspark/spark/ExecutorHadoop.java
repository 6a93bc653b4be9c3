package org.ddimspark.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.ddimspark.storage.HadoopSettings;

/**
 * The Hadoop configuration of this JVM's Spark application, for the file system clients our own code opens
 * inside tasks (PNG files of {@code export}, model copies): every {@code spark.hadoop.KEY} of the
 * application's settings, which Spark hands to every executor, as Spark's own readers and writers get it.
 */
final class ExecutorHadoop {

    private ExecutorHadoop() {}

    /**
     * Returns a new configuration made from the application's settings.
     *
     * @return the configuration; the class path's defaults only outside a Spark application
     */
    static Configuration configuration() {
        SparkEnv env = SparkEnv.get();
        return HadoopSettings.configuration(env == null ? Map.of() : settings(env.conf()));
    }

    private static Map<String, String> settings(SparkConf conf) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (scala.Tuple2<String, String> entry : conf.getAll()) {
            settings.put(entry._1(), entry._2());
        }
        return settings;
    }
}
