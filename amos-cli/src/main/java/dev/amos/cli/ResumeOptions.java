package dev.amos.cli;

import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.RunFolder;
import dev.amos.train.TrainConfig;
import dev.amos.train.TrainKey;
import dev.amos.train.data.CorpusTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What {@code amos train --resume} does with the other options given on its command line: a resumed
 * run keeps its config.json, so every option is either applied (and said so) or refused in one line
 * when it differs from the run's value; none is silently ignored.
 *
 * <p>Applied: {@code --steps} (extends or re-plans the run, see {@code Pretrainer}), {@code
 * --device}, {@code --cache}, {@code --valid-corpus}, {@code --valid-every}, {@code
 * --valid-batches}. Compared with the run's config.json (refused when different): every other
 * training option (each {@link TrainKey} says which it is), {@code --config} with {@code --set}
 * (the whole model config), {@code --corpus} (the files), {@code --tokenizer} (its sha256), {@code
 * --objective}, {@code --ablation} and {@code --init-from} (the folder the run started from; a
 * resumed run continues its own weights either way).
 */
final class ResumeOptions {

    /**
     * Options applied to a resumed run: the training options whose {@link TrainKey#onResume()} says
     * so, and these.
     */
    static final List<String> APPLIED =
            Stream.concat(
                            Arrays.stream(TrainKey.values())
                                    .filter(
                                            k ->
                                                    k.option() != null
                                                            && k.onResume()
                                                                    == TrainKey.OnResume.APPLIED)
                                    .map(TrainKey::option),
                            Stream.of(
                                    "--device",
                                    "--cache",
                                    "--valid-corpus",
                                    "--valid-every",
                                    "--valid-batches"))
                    .toList();

    /** The command line's model, corpus and tokenizer (null: not given). */
    record Inputs(ModelConfig model, List<Path> corpus, Path tokenizer, Path initFrom) {}

    private ResumeOptions() {}

    private static BadInputException changed(String option, Path config, String what) {
        return new BadInputException(
                "--resume: "
                        + option
                        + " differs from the run's "
                        + what
                        + " in "
                        + config
                        + " (a resumed run keeps it; start a new run, or --init-from "
                        + config.getParent()
                        + ")");
    }

    private static List<Path> absolute(List<Path> paths) {
        return paths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    /**
     * Refuses what a resumed run cannot take and says what it applies.
     *
     * @param dir the run folder
     * @param given whether an option was on the command line
     * @param options the training settings the command line describes
     * @param objective the objective the command line names
     * @param log where "applying ..." goes
     * @throws BadInputException for the first option that differs from the run
     */
    static void check(
            Path dir,
            Predicate<String> given,
            TrainConfig options,
            Objective objective,
            Inputs inputs,
            PrintStream log)
            throws IOException {
        RunFolder run = RunFolder.forResume(dir);
        TrainConfig recorded = run.trainConfig();
        Path config = dir.resolve(RunFolder.CONFIG);
        if (given.test("--init-from")
                && !inputs.initFrom().toAbsolutePath().normalize().equals(run.initFrom())) {
            throw new BadInputException(
                    "--resume continues the run's own weights; --init-from "
                            + inputs.initFrom()
                            + " is not the folder it started from ("
                            + (run.initFrom() == null ? "none" : run.initFrom())
                            + " in "
                            + config
                            + ")");
        }
        if ((given.test("--config") || given.test("--set"))
                && !inputs.model().toJson().equals(run.modelConfig().toJson())) {
            throw changed("--config/--set", config, "model config");
        }
        if (given.test("--corpus") && !absolute(inputs.corpus()).equals(absolute(run.corpus()))) {
            throw changed("--corpus", config, "corpus " + run.corpus());
        }
        if (given.test("--tokenizer")
                && !CorpusTokenizer.tokenizerJsonSha256(inputs.tokenizer())
                        .equals(run.tokenizerSha256())) {
            throw changed("--tokenizer", config, "tokenizer (tokenizer_sha256)");
        }
        if ((given.test("--objective") || given.test("--ablation"))
                && !objective.label().equals(run.objective().label())) {
            throw new BadInputException(
                    "--resume: --objective/--ablation "
                            + objective.label()
                            + " differs from the run's "
                            + run.objective().label()
                            + " in "
                            + config);
        }
        for (TrainKey key : TrainKey.values()) {
            if (key.option() == null
                    || key.onResume() != TrainKey.OnResume.COMPARED
                    || !given.test(key.option())) {
                continue;
            }
            Number mine = options.get(key);
            Number theirs = recorded.get(key);
            if (!mine.equals(theirs)) {
                throw new BadInputException(
                        "--resume: "
                                + key.option()
                                + " "
                                + mine
                                + " differs from the run's "
                                + (theirs == null ? "default (unset)" : theirs)
                                + " in "
                                + config
                                + " (a resumed run keeps its settings; only "
                                + String.join(", ", APPLIED)
                                + " apply)");
            }
        }
        List<String> applied = new ArrayList<>();
        for (String option : APPLIED) {
            if (given.test(option)) {
                applied.add(option);
            }
        }
        if (!applied.isEmpty()) {
            log.println(
                    "amos: --resume: applying "
                            + String.join(", ", applied)
                            + " from the command line");
        }
    }
}
