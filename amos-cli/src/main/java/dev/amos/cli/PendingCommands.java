package dev.amos.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Commands of the contract whose implementation has not landed in this build yet. They are listed
 * by {@code amos --help} and fail with exit code 1 and a one-line message, never silently.
 */
final class PendingCommands {

    private PendingCommands() {}

    abstract static class Pending implements Callable<Integer> {
        @Parameters(hidden = true)
        List<String> ignored;

        @Override
        public Integer call() {
            String name = getClass().getAnnotation(Command.class).name();
            System.err.println("amos: '" + name + "' is not available in this build yet");
            return 1;
        }
    }

    @Command(name = "embed", description = "Sentence embeddings from the discriminator encoder (JSONL).")
    static final class Embed extends Pending {}

    @Command(name = "export", description = "Write a serving-ready model folder (TorchScript).")
    static final class Export extends Pending {}

}
