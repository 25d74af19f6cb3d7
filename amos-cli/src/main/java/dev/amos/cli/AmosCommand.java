package dev.amos.cli;

import dev.amos.model.Failures;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code amos} command: pretrain, fine-tune, embed, export and benchmark AMOS text encoders.
 *
 * <p>Exit codes (the contract): 0 success, 2 bad usage or bad input (one line on stderr naming the
 * file, line and what was expected), 1 anything else. Stack traces only with {@code --verbose}.
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
            TokenizerCommand.class,
            CommandLine.HelpCommand.class
        })
public final class AmosCommand implements Callable<Integer> {

    @Option(
            names = "--verbose",
            description = "Print stack traces for errors.",
            scope = CommandLine.ScopeType.INHERIT)
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
                    boolean verbose =
                            parsed.matchedOption("--verbose") != null
                                    || (parsed.subcommand() != null
                                            && parsed.subcommand().hasMatchedOption("--verbose"));
                    return report(
                            ex, line.getCommandSpec().qualifiedName(), verbose, line.getErr());
                });
        cmd.setParameterExceptionHandler(
                (ex, args) -> {
                    CommandLine c = ex.getCommandLine();
                    c.getErr()
                            .println(
                                    "amos: "
                                            + Failures.withoutClassNames(
                                                    Failures.firstLine(ex.getMessage()))
                                            + " (see '"
                                            + c.getCommandSpec().qualifiedName()
                                            + " --help')");
                    return 2;
                });
        return cmd;
    }

    /**
     * The CLI's last-resort handler: {@link Failures#report} with the prefix {@code amos} (one line
     * on {@code err}, exit code 2 for bad input, else 1; the stack trace only when {@code
     * verbose}).
     */
    static int report(Throwable ex, String command, boolean verbose, PrintWriter err) {
        return Failures.report(ex, "amos", command, verbose, err);
    }

    public static void main(String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        PrintWriter err = new PrintWriter(System.err, true);
        Thread.setDefaultUncaughtExceptionHandler(
                (thread, ex) -> report(ex, "amos (thread " + thread.getName() + ")", verbose, err));
        int code;
        try {
            code = commandLine().execute(args);
        } catch (
                Throwable
                        ex) { // picocli hands errors of the command to the handler; this is for the
            // rest
            code = report(ex, "amos", verbose, err);
        }
        System.exit(code);
    }
}
