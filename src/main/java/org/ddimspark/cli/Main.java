package org.ddimspark.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import org.ddimspark.model.InvalidModelException;
import org.ddimspark.storage.StorageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point of {@code jobs/ddim} and of {@code spark-submit ... ddim-spark.jar}.
 *
 * <p>Exit codes: 0 on success, 2 on bad usage, a bad configuration or a bad model (a one-line reason, before
 * Spark starts), 1 when the job itself fails (storage, executors).
 */
@Command(name = "ddim", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "DDIM sampling for diffusion and rectified-flow models on Apache Spark.",
        subcommands = {SampleCommand.class, InvertCommand.class, InterpolateCommand.class, ExportCommand.class,
            EvaluateCommand.class, InfoCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    /** Exit code of a bad command line, configuration or model. */
    public static final int USAGE = 2;
    /** Exit code of a job that failed while running. */
    public static final int FAILED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit code
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, arguments) -> {
            err.println(commandName(e.getCommandLine()) + ": " + e.getMessage() + " (see --help)");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean usage = e instanceof IllegalArgumentException || e instanceof InvalidModelException;
            err.println(commandName(commandLine) + ": " + (usage ? "" : "failed: ") + oneLine(e));
            if (!usage && Boolean.getBoolean("ddim.stacktrace")) {
                e.printStackTrace(err);
            }
            return usage ? USAGE : FAILED;
        });
        cli.setExecutionStrategy(Main::execute);
        try {
            cli.setDefaultValueProvider(ConfigFile.fromArgs(args).defaults());
        } catch (IllegalArgumentException e) {
            err.println("ddim: " + e.getMessage());
            return USAGE;
        }
        return cli.execute(args);
    }

    /** Runs the command, or with {@code --print-config} prints its resolved settings instead. */
    private static int execute(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult command = parsed.subcommand();
        if (command != null && command.hasMatchedOption("--print-config")) {
            CommandLine.Model.CommandSpec spec = command.commandSpec();
            SparkOptions spark = (SparkOptions) spec.mixins().get("spark").userObject();
            Object output = spec.findOption("--output") == null ? null : spec.findOption("--output").getValue();
            spark.printResolved(spec.commandLine().getOut(), output == null ? List.of() : List.of(output.toString()));
            return 0;
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String commandName(CommandLine commandLine) {
        return commandLine.getCommandSpec().qualifiedName();
    }

    /** The first line of the innermost message, or the exception's type when it has none. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        String message = null;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
                if (t instanceof IllegalArgumentException || t instanceof InvalidModelException
                        || t instanceof StorageException) {
                    break;
                }
            }
            if (t.getCause() == t) {
                break;
            }
            t = t.getCause();
        }
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        return Arrays.stream(message.split("\\R")).filter(s -> !s.isBlank()).findFirst().orElse("").trim();
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"ddim-spark " + (version == null ? "(development build)" : version)};
        }
    }
}
