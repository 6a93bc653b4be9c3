package org.ddimspark.storage;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/**
 * The settings of a job, as {@code --conf KEY=VALUE} and a configuration file's {@code conf} block give
 * them, made into one form that reaches every file system the job touches. A key that starts with
 * {@code spark.} is a Spark setting; any other key ({@code fs.s3a.endpoint}, {@code fs.defaultFS}, ...) is
 * a Hadoop setting and becomes {@code spark.hadoop.KEY}, which Spark copies into the Hadoop configuration
 * of the driver and of every executor. So {@code fs.s3a.x} and {@code spark.hadoop.fs.s3a.x} are the same
 * setting, for Parquet, {@code binaryFile}, the files beside an output, model copies and resume listings.
 */
public final class HadoopSettings {

    /** The prefix that marks a Spark setting as a Hadoop one. */
    public static final String PREFIX = "spark.hadoop.";

    /** Setting names whose values are never printed: Spark's default {@code spark.redaction.regex}, widened. */
    private static final Pattern SECRET = Pattern.compile("(?i)secret|password|token|credential|signature|access[.]?key|[.]key([.]|$)");

    /** What a redacted value prints as. */
    public static final String REDACTED = "*********(redacted)";

    private HadoopSettings() {}

    /**
     * Returns the settings with every Hadoop key given its {@link #PREFIX}, in their order; a later key wins
     * over an earlier one that names the same setting.
     *
     * @param given settings as the user wrote them
     * @return Spark settings
     */
    public static Map<String, String> normalize(Map<String, String> given) {
        Map<String, String> settings = new LinkedHashMap<>();
        given.forEach((key, value) -> {
            String k = key.trim();
            if (k.isEmpty()) {
                throw new IllegalArgumentException("--conf: a setting needs a name, got '=" + value + "'");
            }
            settings.put(k.startsWith("spark.") ? k : PREFIX + k, value);
        });
        return settings;
    }

    /**
     * Returns the Hadoop configuration that Spark settings make: the defaults of the class path overlaid with
     * every {@code spark.hadoop.KEY}, as Spark makes it for the driver and the executors.
     *
     * @param sparkSettings Spark settings, for example {@link #normalize}'s
     * @return a new configuration
     */
    public static Configuration configuration(Map<String, String> sparkSettings) {
        Configuration conf = new Configuration();
        hadoopPart(sparkSettings).forEach(conf::set);
        return conf;
    }

    /**
     * Returns the Hadoop part of Spark settings, without the prefix.
     *
     * @param sparkSettings Spark settings
     * @return KEY to value for every {@code spark.hadoop.KEY}
     */
    public static Map<String, String> hadoopPart(Map<String, String> sparkSettings) {
        Map<String, String> hadoop = new LinkedHashMap<>();
        sparkSettings.forEach((key, value) -> {
            if (key.startsWith(PREFIX)) {
                hadoop.put(key.substring(PREFIX.length()), value);
            }
        });
        return hadoop;
    }

    /**
     * Returns whether a setting's value is a secret that is never printed or written.
     *
     * @param key the setting's name
     * @return true for keys, passwords, tokens and credentials
     */
    public static boolean isSecret(String key) {
        return SECRET.matcher(key).find();
    }

    /**
     * Returns a value fit to print: {@link #REDACTED} for a secret setting, the value otherwise, with the
     * user information of a URI (as in {@code s3a://KEY:SECRET@bucket}) removed.
     *
     * @param key the setting's name
     * @param value its value
     * @return the printable value
     */
    public static String printable(String key, String value) {
        return isSecret(key) ? REDACTED : withoutUserInfo(value);
    }

    /**
     * Returns a URI without the user information a user may have put into it.
     *
     * @param uri a URI or any other string
     * @return the same text with {@code scheme://user:password@} shortened to {@code scheme://}
     */
    public static String withoutUserInfo(String uri) {
        return uri == null ? null : uri.replaceAll("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s]*@", "$1");
    }
}
