package org.ddimspark.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A job configuration file ({@code --config FILE}, HOCON or JSON): option defaults named like the long
 * options without their dashes, at the top level or inside a block named after the command (which wins),
 * and Spark settings in a {@code conf} block. Options given on the command line win over the file.
 *
 * <pre>
 * steps = 50
 * sample { count = 10000, spacing = quad, all-classes = true }
 * conf { "spark.executor.memory" = "4g" }
 * </pre>
 */
final class ConfigFile {

    private static final ConfigFile EMPTY = new ConfigFile(ConfigFactory.empty());

    private final Config config;

    private ConfigFile(Config config) {
        this.config = config;
    }

    /**
     * Reads the file named by {@code --config} in the arguments, if any.
     *
     * @param args the command line
     * @return the file's settings, empty without {@code --config}
     * @throws IllegalArgumentException when the file is missing or malformed
     */
    static ConfigFile fromArgs(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return read(new File(args[i + 1]));
            }
            if (args[i].startsWith("--config=")) {
                return read(new File(args[i].substring("--config=".length())));
            }
        }
        return EMPTY;
    }

    static ConfigFile read(File file) {
        if (!file.isFile()) {
            throw new IllegalArgumentException("--config: no such file " + file);
        }
        try {
            return new ConfigFile(ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false)).resolve());
        } catch (ConfigException e) {
            throw new IllegalArgumentException("--config: " + e.getMessage());
        }
    }

    /** Returns picocli defaults backed by this file. */
    CommandLine.IDefaultValueProvider defaults() {
        return (ArgSpec arg) -> {
            if (!(arg instanceof OptionSpec option) || option.longestName().equals("--conf")
                    || option.longestName().equals("--config")) {
                return null;
            }
            String key = option.longestName().replaceFirst("^--", "");
            String command = arg.command() == null ? "" : arg.command().name();
            for (String path : List.of("\"" + command + "\".\"" + key + "\"", "\"" + key + "\"")) {
                try {
                    if (config.hasPath(path)) {
                        ConfigValue value = config.getValue(path);
                        return String.valueOf(value.unwrapped());
                    }
                } catch (ConfigException e) {
                    throw new IllegalArgumentException("--config: " + e.getMessage());
                }
            }
            return null;
        };
    }

    /**
     * Returns the {@code conf} block: Spark and Hadoop settings. A key may be quoted
     * ({@code "fs.s3a.endpoint" = ...}) or not ({@code fs.s3a.endpoint = ...}, which HOCON reads as nested
     * objects): both give the setting {@code fs.s3a.endpoint}.
     */
    Map<String, String> sparkConf() {
        Map<String, String> conf = new TreeMap<>();
        if (config.hasPath("conf")) {
            try {
                for (Map.Entry<String, ConfigValue> e : config.getConfig("conf").entrySet()) {
                    conf.put(String.join(".", ConfigUtil.splitPath(e.getKey())), String.valueOf(e.getValue().unwrapped()));
                }
            } catch (ConfigException e) {
                throw new IllegalArgumentException("--config: " + e.getMessage());
            }
        }
        return conf;
    }
}
