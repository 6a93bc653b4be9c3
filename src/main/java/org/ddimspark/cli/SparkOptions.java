package org.ddimspark.cli;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.io.PrintWriter;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.model.DeviceChoice;
import org.ddimspark.model.EngineSettings;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.spark.ProgressReporter;
import org.ddimspark.storage.HadoopSettings;
import org.ddimspark.storage.ObjectStoreCommit;
import org.ddimspark.storage.StorageProbe;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every Spark command takes: master, Spark and Hadoop settings, configuration file, progress,
 * and {@code --print-config}. A {@code --conf} key that does not start with {@code spark.} is a Hadoop
 * setting ({@link HadoopSettings}): {@code --conf fs.s3a.endpoint=...} and
 * {@code --conf spark.hadoop.fs.s3a.endpoint=...} are the same.
 */
final class SparkOptions {

    /** Options that {@code --print-config} leaves out: they are not settings of the job. */
    private static final Set<String> NOT_PRINTED = Set.of("--help", "--version", "--config", "--conf", "--print-config");

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[4] or spark://host:7077 (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting (spark.*) or a Hadoop one (any other key, e.g. fs.s3a.endpoint), as "
                    + "spark-submit's --conf (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--config", paramLabel = "FILE",
            description = "A HOCON/JSON file with defaults for these options (see README), e.g. conf/s3.conf.")
    File config;

    @Option(names = "--quiet", description = "No progress lines on standard error while the job runs.")
    boolean quiet;

    @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between progress lines on standard error (default: ${DEFAULT-VALUE}).")
    double progressInterval;

    @Option(names = "--print-config", description = "Print the resolved settings (secrets redacted) as a config file, and exit.")
    boolean printConfig;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Returns the settings of the configuration file overlaid by those of the command line, normalized. */
    Map<String, String> settings() {
        Map<String, String> all = new LinkedHashMap<>();
        if (config != null) {
            all.putAll(HadoopSettings.normalize(ConfigFile.read(config).sparkConf()));
        }
        all.putAll(HadoopSettings.normalize(conf));
        return all;
    }

    /**
     * Returns every setting the session of a job gets: the user's, then what the job adds where the user set
     * nothing (the S3A committer for an object-store output, the executors' oneDNN limit, and heartbeats as
     * often as progress lines, up to Spark's 10 s: running tasks report their rows with them).
     *
     * @param outputs the job's output URIs
     * @return Spark settings
     */
    Map<String, String> sessionSettings(Collection<String> outputs) {
        Map<String, String> settings = settings();
        settings.putAll(ObjectStoreCommit.defaults(outputs, settings));
        // executors in their own JVMs load libtorch too: give them the driver's oneDNN limit (EngineSettings)
        settings.putIfAbsent("spark.executorEnv." + EngineSettings.ONEDNN_ISA,
                System.getenv().getOrDefault(EngineSettings.ONEDNN_ISA, EngineSettings.ONEDNN_ISA_VALUE));
        if (!quiet && progressInterval < 10) {
            settings.putIfAbsent("spark.executor.heartbeatInterval", Math.max(100, Math.round(progressInterval * 1000)) + "ms");
        }
        return settings;
    }

    /**
     * Returns a probe of the job's file systems, to check its URIs before Spark starts; checks the options of
     * this mixin first (every Spark command calls it before anything else runs).
     *
     * @return the probe; close it
     */
    StorageProbe probe() {
        requirePositiveInterval();
        return new StorageProbe(settings());
    }

    private void requirePositiveInterval() {
        if (progressInterval <= 0 || !Double.isFinite(progressInterval)) {
            throw new IllegalArgumentException("--progress-interval must be a positive number of seconds, got "
                    + progressInterval);
        }
    }

    /**
     * Checks, before Spark starts, what a job that runs a model reads and writes: each input exists, the
     * output's file system answers, and the model (local, remote or bundled) fits its card and the job's
     * options and runs one forward pass.
     *
     * @param inputs the job's inputs by option name, e.g. {@code --input}
     * @param output the {@code --output} value
     * @param model the {@code --model} value
     * @param device the {@code --device} choice: in local mode, where this JVM runs the tasks, {@code gpu} needs
     *     a GPU here (on a cluster the executors' engines decide)
     * @param validate checks the job's options against the card
     * @return the model's card
     */
    ModelCard checkBeforeSpark(Map<String, String> inputs, String output, String model, DeviceChoice device,
            Consumer<ModelCard> validate) {
        if (device == DeviceChoice.GPU && isLocal()) {
            try {
                device.choose(List.of(), TorchScriptModel.engineGpus());
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        try (StorageProbe storage = probe()) {
            inputs.forEach(storage::requireInput);
            storage.probeOutput("--output", output);
            return ModelOption.checked(model, storage, validate);
        }
    }

    /**
     * Prints the command's resolved options and the session's settings as a configuration file that
     * {@code --config} reads back, with every secret redacted.
     *
     * @param out where to print
     * @param outputs the job's output URIs
     */
    void printResolved(PrintWriter out, Collection<String> outputs) {
        ConfigRenderOptions concise = ConfigRenderOptions.concise();
        out.println("# ddim " + command.name() + ": resolved settings (secrets redacted)");
        out.println(command.name() + " {");
        for (OptionSpec option : command.options()) {
            Object value = option.getValue();
            if (NOT_PRINTED.contains(option.longestName()) || value == null || option.usageHelp() || option.versionHelp()) {
                continue;
            }
            String key = option.longestName().replaceFirst("^--", "");
            Object printed = value instanceof Number || value instanceof Boolean ? value
                    : HadoopSettings.printable(key, value instanceof File f ? f.getPath() : String.valueOf(value));
            out.println("  " + key + " = " + ConfigValueFactory.fromAnyRef(printed).render(concise));
        }
        out.println("}");
        out.println("conf {");
        sessionSettings(outputs).forEach((key, value) -> out.println("  " + ConfigValueFactory.fromAnyRef(key).render(concise)
                + " = " + ConfigValueFactory.fromAnyRef(HadoopSettings.printable(key, value)).render(concise)));
        out.println("}");
        out.flush();
    }

    /**
     * Runs a job in its own Spark session, stopped when the job ends, with progress lines on standard error
     * unless {@code --quiet}, and prints its summary.
     *
     * @param outputs the job's output URIs (an {@code s3a://} one gets the S3A committer)
     * @param job the job
     * @return 0, the exit code of success
     * @throws JobFailedException after the summary, when the job's outcome is a failure
     */
    int run(List<String> outputs, SparkJob job) throws Exception {
        SparkSession session = start("ddim-spark " + command.name(), sessionSettings(outputs));
        Outcome outcome;
        try (ProgressReporter progress = quiet ? null
                : ProgressReporter.start(session, command.name(), progressInterval, System.err)) {
            outcome = job.run(session);
            PrintWriter out = command.commandLine().getOut();
            out.println(outcome.summary());
            out.flush();
        } finally {
            session.stop();
        }
        if (outcome.failure() != null) {
            throw new JobFailedException(outcome.failure());
        }
        return 0;
    }

    /** A job on a Spark session. */
    @FunctionalInterface
    interface SparkJob {
        Outcome run(SparkSession session) throws Exception;
    }

    /**
     * How a job ended.
     *
     * @param summary what it wrote, to print
     * @param failure why the run counts as failed although it finished, or null
     */
    record Outcome(String summary, String failure) {

        /** A job that succeeded. */
        static Outcome ok(String summary) {
            return new Outcome(summary, null);
        }
    }

    /** A job that finished but failed its checks (see {@link ErrorRateOption}): exit code 1. */
    static final class JobFailedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        JobFailedException(String message) {
            super(message);
        }
    }

    /** Whether the job runs in local mode (its executors are this JVM), as {@link #start} decides. */
    private boolean isLocal() {
        String resolved = master != null ? master
                : System.getProperty("spark.master", settings().getOrDefault("spark.master", "local[*]"));
        return resolved.startsWith("local");
    }

    private SparkSession start(String appName, Map<String, String> settings) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        settings.forEach(builder::config);
        if (master != null) {
            builder.master(master);
        } else if (System.getProperty("spark.master") == null && !settings.containsKey("spark.master")) {
            builder.master("local[*]");
        }
        return builder.getOrCreate();
    }
}
