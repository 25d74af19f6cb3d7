package dev.amos.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * One in-process run of the {@code amos} command line, as the tests see it: the exit code,
 * picocli's stdout and stderr, and everything the command printed to {@code System.out} and {@code
 * System.err} (the log).
 *
 * @param code the exit code
 * @param out what picocli printed to its out writer
 * @param err what picocli printed to its err writer (the one-line errors)
 * @param log what the command printed to System.out and System.err
 */
record CliRun(int code, String out, String err, String log) {

    /** Runs {@code amos ARGS...} in this JVM. */
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintStream systemErr = System.err;
        PrintStream systemOut = System.out;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int code;
        // System.err is redirected before the command line is built: picocli's default execution
        // strategy remembers System.err at construction and would re-route errors to it otherwise
        try (PrintStream capture = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            System.setOut(capture);
            CommandLine cmd = AmosCommand.commandLine();
            cmd.setOut(new PrintWriter(out, true));
            cmd.setErr(new PrintWriter(err, true));
            code = cmd.execute(args);
        } finally {
            System.setErr(systemErr);
            System.setOut(systemOut);
        }
        return new CliRun(
                code, out.toString(), err.toString(), log.toString(StandardCharsets.UTF_8));
    }
}
