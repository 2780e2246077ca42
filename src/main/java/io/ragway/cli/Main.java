package io.ragway.cli;

import io.ragway.store.DatabaseException;
import io.ragway.config.ConfigException;
import io.ragway.index.IndexException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code ragway} command. Exit codes: 0 success, 1 failure, 2 usage error (bad
 * flag, missing path, empty question, invalid configuration).
 */
@Command(
    name = "ragway",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Grounded, cited answers over your own documents.",
    subcommands = {
        IngestCommand.class,
        IndexCommand.class,
        SearchCommand.class,
        AskCommand.class,
        ServeCommand.class,
        EvalCommand.class,
        BenchCommand.class,
        DbCommand.class,
        UsageCommand.class,
        FeedbackCommand.class,
        ReplayCommand.class,
        GuardCommand.class,
        KeysCommand.class,
        BudgetsCommand.class,
        PlanCommand.class,
        RolloutCommand.class,
        VersionsCommands.Prompts.class,
        CommandLine.HelpCommand.class
    },
    footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage error. Set RAGWAY_DEBUG=1 for stack traces."})
public final class Main implements Runnable {

  // Lucene announces its vector API choice at INFO on every start; keep the console for results.
  // Held in a field: java.util.logging keeps loggers only weakly.
  private static final java.util.logging.Logger LUCENE = java.util.logging.Logger.getLogger("org.apache.lucene");

  static {
    LUCENE.setLevel(java.util.logging.Level.WARNING);
  }

  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns its exit code. */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** Runs the CLI with its output captured, for tests. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExitCodeExceptionMapper(Main::exitCode);
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      PrintWriter err = cmd.getErr();
      int code = exitCode(ex);
      err.println("ragway: " + message(ex));
      if (code == USAGE) {
        err.println("(see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
      }
      if (System.getenv("RAGWAY_DEBUG") != null) {
        ex.printStackTrace(err);
      }
      err.flush();
      return code;
    });
    return cl;
  }

  static int exitCode(Throwable ex) {
    return switch (ex) {
      case UsageException u -> USAGE;
      case ConfigException c -> USAGE;
      case NoSuchFileException n -> USAGE;
      case IllegalArgumentException i -> USAGE;
      case CommandLine.ParameterException p -> USAGE;
      default -> FAILURE;
    };
  }

  private static String message(Throwable ex) {
    return switch (ex) {
      case NoSuchFileException n -> "no such file or directory: " + n.getFile();
      case UsageException u -> u.getMessage();
      case ConfigException c -> c.getMessage();
      case IndexException i -> i.getMessage();
      case DatabaseException d -> d.getMessage();
      case IllegalArgumentException i -> i.getMessage();
      default -> ex.getMessage() == null ? ex.toString() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
    };
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"ragway " + (v == null ? "dev" : v)};
    }
  }
}
