package dev.amos.cli;

import dev.amos.model.BadInputException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code amos} command: pretrain, fine-tune, embed, export and benchmark AMOS text encoders.
 *
 * <p>Exit codes (the contract): 0 success, 2 bad usage or bad input (one line on stderr naming
 * the file, line and what was expected), 1 anything else. Stack traces only with {@code
 * --verbose}.
 */
@Command(
        name = "amos",
        mixinStandardHelpOptions = true,
        versionProvider = Versions.class,
        description = "AMOS text-encoder pretraining (Meng et al., ICLR 2022) on DJL + PyTorch.",
        subcommands = {
            InfoCommand.class,
            TrainCommand.class,
            FinetuneCommand.class,
            GlueCommand.class,
            EvalCommand.class,
            EmbedCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            BenchCommand.class,
            DiagnoseCommand.class,
            CommandLine.HelpCommand.class
        })
public final class AmosCommand implements Callable<Integer> {

    @Option(names = "--verbose", description = "Print stack traces for errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** Builds the configured picocli command line (shared by main and the tests). */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new AmosCommand());
        cmd.setExecutionExceptionHandler(
                (ex, line, parsed) -> {
                    boolean verbose = parsed.matchedOption("--verbose") != null
                            || (parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--verbose"));
                    PrintWriter err = line.getErr();
                    if (ex instanceof BadInputException) {
                        err.println("amos: " + ex.getMessage());
                        if (verbose) {
                            ex.printStackTrace(err);
                        }
                        return 2;
                    }
                    err.println("amos: error: " + ex);
                    if (verbose) {
                        ex.printStackTrace(err);
                    } else {
                        err.println("(run with --verbose for the stack trace)");
                    }
                    return 1;
                });
        cmd.setParameterExceptionHandler(
                (ex, args) -> {
                    CommandLine c = ex.getCommandLine();
                    c.getErr().println("amos: " + ex.getMessage());
                    c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
                    return 2;
                });
        return cmd;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
