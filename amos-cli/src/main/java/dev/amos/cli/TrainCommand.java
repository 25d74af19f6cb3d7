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
import dev.amos.train.data.CorpusTokenizer;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code amos train}: pretrain with AMOS, ELECTRA or MLM; with no options, amos-tiny on the shipped sample. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pretrain an encoder (AMOS, ELECTRA or MLM).",
            "With no options: amos-tiny on the corpus sample shipped in data/."})
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "NAME|FILE", description = "Preset in models/ or a JSON file (default: ${DEFAULT-VALUE}).")
    String config = "amos-tiny";

    @Option(names = "--objective", description = "amos, electra or mlm (default: ${DEFAULT-VALUE}).")
    String objective = "amos";

    @Option(names = "--ablation", description = {"AMOS ablation: uniform, random-layer, layer-switch, full-gradient, single-layer=K;",
                "K is a layer of the AMOS generator, in [1, the deepest of the config's mlm_layers] (amos-tiny: 1..3)."})
    String ablation;

    @Option(names = "--corpus", arity = "1..*", paramLabel = "PATH", description = "Text files, folders or .gz (default: data/wiki-sample.txt.gz).")
    List<Path> corpus;

    @Option(names = "--valid-corpus", arity = "1..*", paramLabel = "PATH",
            description = "Held-out text: MLM and RTD loss logged as valid_mlm_loss/valid_rtd_loss.")
    List<Path> validCorpus = List.of();

    @Range(min = 0)
    @Option(names = "--valid-every", description = "Steps between validations, >= 0, at most --steps, 0 = every checkpoint (default: --checkpoint-every).")
    int validEvery;

    @Range(min = 1)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_VALID_BATCHES, names = "--valid-batches", description = "Held-out batches per validation, >= 1 (default: ${DEFAULT-VALUE}).")
    int validBatches;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = {"tokenizer.json or vocab.txt (default: models/tokenizer.json),",
        "e.g. one of 'amos tokenizer train'; the model's vocab_size becomes the tokenizer's (unless --set vocab_size=N)."})
    Path tokenizer;

    @Range(min = 1)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_STEPS, names = "--steps", description = "Optimizer steps, >= 1 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Range(min = 1)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_BATCH_SIZE, names = "--batch-size", description = "Sequences per micro-batch, >= 1, at most the corpus's sequences (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Range(min = 1)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_ACCUMULATE, names = "--accumulate", description = "Micro-batches per step, >= 1 (default: ${DEFAULT-VALUE}).")
    int accumulate;

    @Range(min = 3)
    @Option(names = "--seq-len", description = "Tokens per sequence, >= 3, at most the model's max_positions (default: the preset's seq_len).")
    Integer seqLen;

    @Range(min = 0, minOpen = true)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_LEARNING_RATE, names = "--lr", description = "Peak learning rate, > 0 (default: ${DEFAULT-VALUE}).")
    float lr;

    @Range(min = 0)
    @Option(names = "--warmup", description = "Warmup steps, >= 0, at most --steps (default: " + (int) (TrainConfig.DEFAULT_WARMUP_FRACTION * 100) + "%% of --steps).")
    Integer warmup;

    @Range(min = 0)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_WEIGHT_DECAY, names = "--weight-decay", description = "Decoupled weight decay, >= 0 (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Range(min = 0, minOpen = true)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_CLIP_NORM, names = "--clip", description = "Global gradient-norm clip, > 0 (default: ${DEFAULT-VALUE}).")
    float clip;

    @Range(min = 0)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_RTD_WEIGHT, names = "--rtd-weight", description = "Lambda, weight of the RTD loss, >= 0 (default: ${DEFAULT-VALUE}).")
    float rtdWeight;

    @Range(min = 0, max = 1, minOpen = true, maxOpen = true)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_MASK_PROBABILITY, names = "--mask-prob", description = "Share of tokens masked, in (0, 1) (default: ${DEFAULT-VALUE}).")
    float maskProb;

    @Range
    @Option(defaultValue = "" + TrainConfig.DEFAULT_SEED, names = "--seed", description = "Seed of everything (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/<config>-<objective>-<time>).")
    Path out;

    @Option(names = "--resume", description = {"Continue the run in --out from its last complete checkpoint.",
        "With --steps N above the steps done: extend it to N (learning rate re-planned to reach 0 at N, no second warmup)."})
    boolean resume;

    @Option(names = "--overwrite", description = {"Start afresh in --out, replacing the earlier run there (never a folder",
        "of another kind); without it an existing run is refused (continue it with --resume)."})
    boolean overwrite;

    @Option(names = "--init-from", paramLabel = "DIR", description = {"Start from an 'amos import' output, a run folder or its",
        "discriminator/: model config, tokenizer and discriminator weights from DIR."})
    Path initFrom;

    @Range(min = 1)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_CHECKPOINT_EVERY, names = "--checkpoint-every", description = "Steps between checkpoints, >= 1 (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Range(min = 1)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_KEEP_CHECKPOINTS, names = "--keep-checkpoints", description = "Checkpoints kept, >= 1 (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Range(min = 1)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_LOG_EVERY, names = "--log-every", description = "Steps between metrics lines, >= 1 (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Range(min = 1)
    @Option(defaultValue = "" + TrainConfig.DEFAULT_MAX_SKIPPED_STEPS, names = "--max-skipped", description = "Consecutive NaN/Inf steps before stopping, >= 1 (default: ${DEFAULT-VALUE}).")
    int maxSkipped;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a model config key, e.g. --set dropout=0.")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--cache", paramLabel = "DIR", description = "Token-shard cache (default: ~/.cache/amos).")
    Path cache;

    @Spec
    CommandSpec commandSpec;

    /** Whether {@code option} was on the command line (not just its default). */
    private boolean given(String option) {
        return commandSpec != null && commandSpec.commandLine().getParseResult().hasMatchedOption(option);
    }

    @Override
    public Integer call() throws Exception {
        if (resume && out != null) {
            AmosFolder.require(out, "--resume", "a pretraining run (amos train --out)", FolderKind.RUN);
        }
        if (initFrom != null && !resume) {
            AmosFolder.require(initFrom, "--init-from", "a pretraining run, its discriminator/ or an amos import folder",
                    FolderKind.RUN, FolderKind.ENCODER, FolderKind.IMPORT);
        }
        InitSource init = initFrom == null || resume ? null : InitSource.open(initFrom);
        ModelConfig model = init == null ? ModelConfig.load(config, Paths.models()).with(set) : initModel(init);
        Objective obj = Objective.parse(objective, ablation);
        int seq = seqLen != null ? seqLen : model.seqLen();
        validate(model, obj, seq);
        if (init == null) {
            model = withTokenizerVocabulary(model);
        }
        TrainConfig training = TrainConfig.builder().optSteps(steps).optBatchSize(batchSize).optAccumulate(accumulate)
                .optSeqLen(seq).optLearningRate(lr).optWarmupSteps(warmup).optWeightDecay(weightDecay).optClipNorm(clip)
                .optRtdWeight(rtdWeight).optMaskProbability(maskProb).optSeed(seed).optLogEvery(logEvery)
                .optCheckpointEvery(checkpointEvery).optKeepCheckpoints(keepCheckpoints).optMaxSkippedSteps(maxSkipped)
                .build();
        if (resume) {
            ResumeOptions.check(out, this::given, training, obj, new ResumeOptions.Inputs(model, corpus, tokenizer, initFrom),
                    System.err);
        }
        if (init != null && given("--tokenizer")) {
            throw new BadInputException("--tokenizer contradicts --init-from " + initFrom + ": the run tokenizes with "
                    + init.tokenizer() + " (the encoder's own)");
        }
        List<Path> corpusPaths = corpus != null ? corpus : List.of(Paths.home().resolve("data/wiki-sample.txt.gz"));
        Path tok = init != null ? init.tokenizer() : tokenizer != null ? tokenizer : Paths.models().resolve("tokenizer.json");
        Path dir = out != null ? out : Path.of("runs", model.name() + "-" + obj.label().replace('/', '-') + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (!resume) {
            List<Path> inputs = new ArrayList<>(corpusPaths);
            inputs.addAll(validCorpus);
            inputs.add(tok);
            inputs.add(initFrom);
            OutputFolder.check(dir, FolderKind.RUN, overwrite, "--out", inputs.toArray(Path[]::new));
            OptionChecks.outputFolder(dir, "--out");
        }
        Pretrainer.Result r = Pretrainer.run(PretrainOptions.builder().setModel(model, obj).setCorpus(corpusPaths)
                .setTokenizer(tok).setOutDir(dir).setCacheDir(cache != null ? cache : Paths.cache().resolve("shards"))
                .optTraining(training).optResume(resume).optOverwrite(overwrite).optInitFrom(init)
                .optExtendTo(resume && given("--steps") ? steps : null).optDevice(device(device)).optLog(System.err)
                .optValidation(validCorpus, validEvery, validBatches).build());
        System.out.println(r.stoppedEarly() ? "stopped at step " + r.step() + ": " + r.runDir()
                : "finished " + r.step() + " steps: " + r.runDir());
        return 0;
    }

    /**
     * The checks of {@code amos train} before any work: every
     * option's {@link Range}, then the relations between options and with the model config.
     */
    private void validate(ModelConfig model, Objective obj, int seq) {
        OptionChecks.ranges(this);
        if (resume && out == null) {
            throw new BadInputException("--resume needs --out DIR (the run to continue)");
        }
        if (!resume && warmup != null && warmup > steps) {
            throw new BadInputException("--warmup " + warmup + " exceeds --steps " + steps + ": expected --warmup in [0, "
                    + steps + "]");
        }
        if (seq > model.maxPositions()) {
            throw new BadInputException("--seq-len " + seq + " exceeds max_positions " + model.maxPositions() + " of "
                    + config + ": expected --seq-len in [3, " + model.maxPositions() + "]");
        }
        OptionChecks.ablationFits(obj, model, config);
        if (!resume && validCorpus.isEmpty() && validEvery > 0) { // a resumed run may validate on its own corpus
            throw new BadInputException("--valid-every needs --valid-corpus (the held-out text to validate on)");
        }
        if (!resume && validEvery > steps) {
            throw new BadInputException("--valid-every " + validEvery + " exceeds --steps " + steps
                    + ": no validation would run; expected --valid-every in [0, " + steps + "] (0 = every checkpoint)");
        }
        if (cache != null) {
            OutputFolder.requireOutsideAmosFolders(cache, "--cache");
            OptionChecks.outputFolder(cache, "--cache");
        }
    }

    /**
     * A model sized to {@code --tokenizer}: its vocab_size becomes the tokenizer's (ids 0 to size - 1)
     * unless {@code --set vocab_size} says otherwise (then the run checks that it covers the
     * tokenizer). Without {@code --tokenizer} the preset's vocab_size stays (it is BERT's).
     */
    private ModelConfig withTokenizerVocabulary(ModelConfig model) {
        if (tokenizer == null || set.containsKey("vocab_size") || initFrom != null) {
            return model;
        }
        try (CorpusTokenizer loaded = CorpusTokenizer.load(tokenizer)) {
            int size = loaded.specialTokens().vocabSize();
            return size == model.vocabSize() ? model : model.with(Map.of("vocab_size", Integer.toString(size)));
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
