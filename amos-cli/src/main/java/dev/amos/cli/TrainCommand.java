package dev.amos.cli;

import ai.djl.Device;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.InitSource;
import dev.amos.train.PretrainOptions;
import dev.amos.train.Pretrainer;
import dev.amos.train.TrainConfig;
import dev.amos.train.TrainKey;
import dev.amos.train.data.CorpusTokenizer;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amos train}: pretrain with AMOS, ELECTRA or MLM; with no options, amos-tiny on the shipped
 * sample. Its training options ({@code --steps}, {@code --batch-size}, ...) are generated from
 * {@link TrainKey} ({@link TrainingOptions}).
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        modelTransformer = TrainCommand.TrainingOptions.class,
        description = {
            "Pretrain an encoder (AMOS, ELECTRA or MLM).",
            "With no options: amos-tiny on the corpus sample shipped in data/."
        })
final class TrainCommand implements Callable<Integer> {

    @Option(
            names = "--config",
            paramLabel = "NAME|FILE",
            description = "Preset in models/ or a JSON file (default: ${DEFAULT-VALUE}).")
    String config = "amos-tiny";

    @Option(
            names = "--objective",
            description = "amos, electra or mlm (default: ${DEFAULT-VALUE}).")
    String objective = "amos";

    @Option(
            names = "--ablation",
            description = {
                "AMOS ablation: uniform, random-layer, layer-switch, full-gradient, single-layer=K;",
                "K is a layer of the AMOS generator, in [1, the deepest of the config's mlm_layers] (amos-tiny: 1..3)."
            })
    String ablation;

    @Option(
            names = "--corpus",
            arity = "1..*",
            paramLabel = "PATH",
            description = "Text files, folders or .gz (default: data/wiki-sample.txt.gz).")
    List<Path> corpus;

    @Option(
            names = "--valid-corpus",
            arity = "1..*",
            paramLabel = "PATH",
            description =
                    "Held-out text: MLM and RTD loss logged as valid_mlm_loss/valid_rtd_loss.")
    List<Path> validCorpus = List.of();

    @Range(min = 0)
    @Option(
            names = "--valid-every",
            description =
                    "Steps between validations, >= 0, at most --steps, 0 = every checkpoint (default: --checkpoint-every).")
    int validEvery;

    @Range(min = 1)
    @Option(
            defaultValue = "" + TrainConfig.DEFAULT_VALID_BATCHES,
            names = "--valid-batches",
            description = "Held-out batches per validation, >= 1 (default: ${DEFAULT-VALUE}).")
    int validBatches;

    @Option(
            names = "--tokenizer",
            paramLabel = "FILE",
            description = {
                "tokenizer.json or vocab.txt (default: models/tokenizer.json),",
                "e.g. one of 'amos tokenizer train'; the model's vocab_size becomes the tokenizer's (unless --set vocab_size=N)."
            })
    Path tokenizer;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Run folder (default: runs/<config>-<objective>-<time>).")
    Path out;

    @Option(
            names = "--resume",
            description = {
                "Continue the run in --out from its last complete checkpoint.",
                "With --steps N above the steps done: extend it to N (learning rate re-planned to reach 0 at N, no second warmup)."
            })
    boolean resume;

    @Option(
            names = "--overwrite",
            description = {
                "Start afresh in --out, replacing the earlier run there (never a folder",
                "of another kind); without it an existing run is refused (continue it with --resume)."
            })
    boolean overwrite;

    @Option(
            names = "--init-from",
            paramLabel = "DIR",
            description = {
                "Start from an 'amos import' output, a run folder or its",
                "discriminator/: model config, tokenizer and discriminator weights from DIR."
            })
    Path initFrom;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "Override a model config key, e.g. --set dropout=0.")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description = "Token-shard cache (default: ~/.cache/amos).")
    Path cache;

    @Spec CommandSpec commandSpec;

    /** Adds an option per {@link TrainKey} that has one, after {@code --tokenizer}. */
    static final class TrainingOptions implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            SettingOptions.add(spec, "--tokenizer", TrainKey.values());
            return spec;
        }
    }

    /** Whether {@code option} was on the command line (not just its default). */
    private boolean given(String option) {
        return commandSpec != null
                && commandSpec.commandLine().getParseResult().hasMatchedOption(option);
    }

    @Override
    public Integer call() throws Exception {
        if (resume && out != null) {
            AmosFolder.require(
                    out, "--resume", "a pretraining run (amos train --out)", FolderKind.RUN);
        }
        if (initFrom != null && !resume) {
            AmosFolder.require(
                    initFrom,
                    "--init-from",
                    "a pretraining run, its discriminator/ or an amos import folder",
                    FolderKind.RUN,
                    FolderKind.ENCODER,
                    FolderKind.IMPORT);
        }
        InitSource init = initFrom == null || resume ? null : InitSource.open(initFrom);
        ModelConfig model =
                init == null ? ModelConfig.load(config, Paths.models()).with(set) : initModel(init);
        Objective obj = Objective.parse(objective, ablation);
        TrainConfig training = validate(model, obj);
        if (init == null) {
            model = withTokenizerVocabulary(model);
        }
        if (resume) {
            ResumeOptions.check(
                    out,
                    this::given,
                    training,
                    obj,
                    new ResumeOptions.Inputs(model, corpus, tokenizer, initFrom),
                    System.err);
        }
        if (init != null && given("--tokenizer")) {
            throw new BadInputException(
                    "--tokenizer contradicts --init-from "
                            + initFrom
                            + ": the run tokenizes with "
                            + init.tokenizer()
                            + " (the encoder's own)");
        }
        List<Path> corpusPaths =
                corpus != null ? corpus : List.of(Paths.home().resolve("data/wiki-sample.txt.gz"));
        Path tok =
                init != null
                        ? init.tokenizer()
                        : tokenizer != null ? tokenizer : Paths.models().resolve("tokenizer.json");
        Path dir =
                out != null
                        ? out
                        : Path.of(
                                "runs",
                                model.name()
                                        + "-"
                                        + obj.label().replace('/', '-')
                                        + "-"
                                        + LocalDateTime.now()
                                                .format(
                                                        DateTimeFormatter.ofPattern(
                                                                "yyyyMMdd-HHmmss")));
        if (!resume) {
            List<Path> inputs = new ArrayList<>(corpusPaths);
            inputs.addAll(validCorpus);
            inputs.add(tok);
            inputs.add(initFrom);
            OutputFolder.check(
                    dir, FolderKind.RUN, overwrite, "--out", inputs.toArray(Path[]::new));
            OptionChecks.outputFolder(dir, "--out");
        }
        Pretrainer.Result r =
                Pretrainer.run(
                        PretrainOptions.builder()
                                .setModel(model, obj)
                                .setCorpus(corpusPaths)
                                .setTokenizer(tok)
                                .setOutDir(dir)
                                .setCacheDir(
                                        cache != null ? cache : Paths.cache().resolve("shards"))
                                .optTraining(training)
                                .optResume(resume)
                                .optOverwrite(overwrite)
                                .optInitFrom(init)
                                .optExtendTo(resume && given("--steps") ? training.steps() : null)
                                .optDevice(device(device))
                                .optLog(System.err)
                                .optValidation(validCorpus, validEvery, validBatches)
                                .build());
        System.out.println(
                r.stoppedEarly()
                        ? "stopped at step " + r.step() + ": " + r.runDir()
                        : "finished " + r.step() + " steps: " + r.runDir());
        return 0;
    }

    /**
     * The checks of {@code amos train} before any work: every option's range ({@link Range}, and
     * {@link TrainKey}'s for the training options, with the relations between them in {@link
     * TrainConfig}), then the relations between the other options and with the model config.
     *
     * @return the training settings of the command line (a resumed run compares them with its own)
     */
    private TrainConfig validate(ModelConfig model, Objective obj) {
        OptionChecks.ranges(this);
        TrainConfig.Builder b = TrainConfig.builder();
        for (TrainKey key : TrainKey.values()) {
            if (key.option() != null) {
                b.opt(key, SettingOptions.value(commandSpec, key));
            }
        }
        if (SettingOptions.value(commandSpec, TrainKey.SEQ_LEN) == null) {
            b.optSeqLen(model.seqLen());
        }
        TrainConfig training = b.build();
        if (!resume) {
            training.masking(obj); // the shares' sum, before any work (a resumed run keeps its own)
        }
        if (resume && out == null) {
            throw new BadInputException("--resume needs --out DIR (the run to continue)");
        }
        int seq = training.seqLen();
        if (seq > model.maxPositions()) {
            throw new BadInputException(
                    "--seq-len "
                            + seq
                            + " exceeds max_positions "
                            + model.maxPositions()
                            + " of "
                            + config
                            + ": expected --seq-len in [3, "
                            + model.maxPositions()
                            + "]");
        }
        OptionChecks.ablationFits(obj, model, config);
        PretrainOptions.checkValidation(validEvery, validCorpus, training, resume);
        if (cache != null) {
            OutputFolder.requireOutsideAmosFolders(cache, "--cache");
            OptionChecks.outputFolder(cache, "--cache");
        }
        return training;
    }

    /**
     * A model sized to {@code --tokenizer}: its vocab_size becomes the tokenizer's (ids 0 to size -
     * 1) unless {@code --set vocab_size} says otherwise (then the run checks that it covers the
     * tokenizer). Without {@code --tokenizer} the preset's vocab_size stays (it is BERT's).
     */
    private ModelConfig withTokenizerVocabulary(ModelConfig model) {
        if (tokenizer == null || set.containsKey("vocab_size") || initFrom != null) {
            return model;
        }
        try (CorpusTokenizer loaded = CorpusTokenizer.load(tokenizer)) {
            int size = loaded.specialTokens().vocabSize();
            return size == model.vocabSize()
                    ? model
                    : model.with(Map.of("vocab_size", Integer.toString(size)));
        }
    }

    /**
     * The model config of an {@code --init-from} run: DIR's, with {@code --set} applied; a {@code
     * --config} or {@code --set} that changes DIR's encoder shapes is refused.
     */
    private ModelConfig initModel(InitSource init) {
        if (given("--config")) {
            init.requireSameShapes(ModelConfig.load(config, Paths.models()), "--config " + config);
        }
        ModelConfig model = init.model().with(set);
        init.requireSameShapes(model, "--set");
        return model;
    }

    static Device device(String name) {
        return DeviceOption.resolve(name);
    }
}
