package org.ddimspark.cli;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.model.EngineSettings;
import picocli.CommandLine.Option;

/** The options every Spark command takes: master, Spark/Hadoop settings, configuration file. */
final class SparkOptions {

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[4] or spark://host:7077 (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark or Hadoop setting, as spark-submit's --conf (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--config", paramLabel = "FILE",
            description = "A HOCON/JSON file with defaults for these options (see README).")
    File config;

    /** Returns the settings of the configuration file overlaid by those of the command line. */
    Map<String, String> settings() {
        Map<String, String> all = new LinkedHashMap<>();
        if (config != null) {
            all.putAll(ConfigFile.read(config).sparkConf());
        }
        all.putAll(conf);
        return all;
    }

    /**
     * Runs a job in its own Spark session, stopped when the job ends, and prints what the job returns.
     *
     * @param command the command, which names the application
     * @param job the job; what it returns is printed
     * @return 0, the exit code of success
     */
    int run(String command, SparkJob job) throws Exception {
        SparkSession session = start("ddim-spark " + command);
        try {
            System.out.println(job.run(session));
        } finally {
            session.stop();
        }
        return 0;
    }

    /** A job on a Spark session that returns its summary. */
    @FunctionalInterface
    interface SparkJob {
        String run(SparkSession session) throws Exception;
    }

    /**
     * Starts (or joins) the Spark session.
     *
     * @param appName the application name
     * @return the session
     */
    SparkSession start(String appName) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        Map<String, String> settings = settings();
        // executors in their own JVMs load libtorch too: give them the driver's oneDNN limit (EngineSettings)
        settings.putIfAbsent("spark.executorEnv." + EngineSettings.ONEDNN_ISA,
                System.getenv().getOrDefault(EngineSettings.ONEDNN_ISA, EngineSettings.ONEDNN_ISA_VALUE));
        settings.forEach(builder::config);
        if (master != null) {
            builder.master(master);
        } else if (System.getProperty("spark.master") == null && !settings.containsKey("spark.master")) {
            builder.master("local[*]");
        }
        return builder.getOrCreate();
    }
}
