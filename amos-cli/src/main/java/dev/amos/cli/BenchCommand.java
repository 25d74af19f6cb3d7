package dev.amos.cli;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonObject;
import dev.amos.io.OutputFile;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.Bench;
import dev.amos.train.GemmPeak;
import dev.amos.train.TrainKey;
import dev.amos.train.data.CorpusTokenizer;
import dev.amos.train.data.ExamplePacker;
import dev.amos.train.data.PackedExamples;
import dev.amos.train.data.ShardCache;
import dev.amos.train.data.TokenShards;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amos bench}: training-step throughput and MFU, one JSON line per measurement. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Training-step throughput and MFU, one JSON line per measurement.",
            "On a CPU, MFU is against the FLOP/s of a 2048^3 float32 GEMM measured in the same process:",
            "the median of the best 3 of 8 timed runs after 2 warm-up, with the range of the timed runs."
        })
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--config", description = "Preset or JSON file (default: ${DEFAULT-VALUE}).")
    String config = "amos-mini";

    @Option(
            names = "--objective",
            split = ",",
            description = "Objectives, comma-separated (default: amos,electra,mlm).")
    List<String> objectives = List.of("amos", "electra", "mlm");

    @Option(names = "--ablation", description = "AMOS ablation for the amos objective.")
    String ablation;

    @Range(min = 1)
    @Option(
            names = "--batch-size",
            description = "Sequences per step, >= 1 (default: ${DEFAULT-VALUE}).")
    int batchSize = TrainKey.BATCH_SIZE.defaultValue().intValue();

    @Range(min = 3)
    @Option(
            names = "--seq-len",
            description =
                    "Tokens per sequence, >= 3, at most the model's max_positions (default: the preset's).")
    Integer seqLen;

    @Range(min = 1)
    @Option(names = "--steps", description = "Measured steps, >= 1 (default: ${DEFAULT-VALUE}).")
    int steps = 10;

    @Range(min = 0)
    @Option(
            names = "--warmup",
            description = "Unmeasured warm-up steps, >= 0 (default: ${DEFAULT-VALUE}).")
    int warmup = 3;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Option(
            names = "--corpus",
            arity = "1..*",
            paramLabel = "PATH",
            description =
                    "Also time steps fed by the real data pipeline from this corpus, alternating with the in-memory batch.")
    List<java.nio.file.Path> corpus;

    @Range(min = 0, minOpen = true)
    @Option(
            names = "--peak-tflops",
            description =
                    "Device peak TFLOP/s for MFU on a GPU (e.g. 989 for H100/H200 bf16 dense, 67 fp32), > 0.")
    Double peakTflops;

    @Option(
            names = "--profile",
            paramLabel = "DIR",
            description =
                    "Write libtorch's op-by-op profile of the measured steps to DIR/<objective>.json (a Chrome trace; scripts/measure/profile-top.py ranks its ops).")
    java.nio.file.Path profile;

    @Option(names = "--profile-shapes", description = ProfileShapes.DESCRIPTION)
    boolean profileShapes;

    @Option(
            names = "--overwrite",
            description = "Replace the profile files already in --profile DIR.")
    boolean overwrite;

    @Option(
            names = "--other-gemm-path",
            description = {
                "Also measure the GEMM peak of this CPU's other MKL path (AMOS_MKL_FAST flipped) in a child ./amos and say which is faster.",
                "The path is fixed per process (the launcher's LD_PRELOAD), hence the child: a few seconds more."
            })
    boolean otherGemmPath;

    @Override
    public Integer call() throws java.io.IOException {
        ModelConfig model = ModelConfig.load(config, Paths.models());
        int seq = seqLen != null ? seqLen : model.seqLen();
        validate(model, seq);
        PackedExamples data =
                corpus == null
                        ? null
                        : examples(seq); // before any measurement: a bad corpus fails first
        if (profile != null) {
            java.nio.file.Files.createDirectories(profile);
        }
        Device d = TrainCommand.device(device);
        if (d.isGpu() && peakTflops == null) {
            throw new BadInputException(
                    "--peak-tflops is needed for MFU on a GPU (the device's datasheet FLOP/s)");
        }
        JsonObject gemm = new JsonObject();
        gemm.addProperty("measurement", "peak");
        gemm.addProperty("device", d.toString());
        GemmPeak measured = null;
        double peak;
        if (peakTflops != null) {
            peak = peakTflops * 1e12;
            gemm.addProperty("peak_flops", Math.round(peak));
            gemm.addProperty("source", d.isGpu() ? "datasheet" : "given");
        } else {
            measured = GemmPeak.measure(d);
            peak = measured.flops();
            measured.addTo(gemm);
            gemm.addProperty("source", "measured " + measured.describe());
        }
        gemm.addProperty("threads", JniUtils.getNumThreads());
        GemmPath path = GemmPath.current();
        gemm.addProperty("gemm_path", path.name());
        gemm.addProperty("mkl_fast_path", path.fast());
        gemm.addProperty("gemm_path_detail", path.detail());
        if (!d.isGpu() && path.otherName().isPresent()) {
            if (otherGemmPath) {
                double here = measured != null ? measured.flops() : GemmPeak.measure(d).flops();
                OtherGemmPath other = OtherGemmPath.measure(path);
                other.addTo(gemm, here, path);
                System.err.println("amos: " + other.compare(path, here));
            } else {
                gemm.addProperty("other_gemm_path", path.otherName().get());
                gemm.addProperty("other_gemm_path_setting", path.otherPathSwitch());
                gemm.addProperty(
                        "other_gemm_path_note",
                        "fixed per process (the launcher's LD_PRELOAD): --other-gemm-path"
                                + " or '"
                                + path.otherPathSwitch()
                                + " ./amos info --gemm-peak' measures it in another process");
            }
        }
        gemm.addProperty("malloc", InfoCommand.mallocSettings(System.getenv()));
        System.out.println(gemm);
        for (String o : objectives) {
            Objective objective = Objective.parse(o, o.equals("amos") ? ablation : null);
            System.out.println(
                    Bench.trainingSteps(
                            model,
                            objective,
                            batchSize,
                            seq,
                            steps,
                            warmup,
                            d,
                            peak,
                            data,
                            profile == null
                                    ? null
                                    : torchProfiler(
                                            profile.resolve(objective.label() + ".json"),
                                            d.isGpu(),
                                            profileShapes)));
        }
        return 0;
    }

    /**
     * libtorch's (legacy) profiler, writing a Chrome trace to {@code trace} when stopped; it never
     * records memory, and records each op's input shapes only with {@code recordShapes}: every
     * record it keeps on the heap until stopped splits the heap memory the step's tensors free,
     * which the next step then cannot reuse (docs/performance.md, "Where the time goes").
     */
    static Bench.Profiler torchProfiler(
            java.nio.file.Path trace, boolean cuda, boolean recordShapes) {
        return new Bench.Profiler() {
            @Override
            public void start() {
                JniUtils.startProfile(cuda, recordShapes, false);
            }

            @Override
            public void stop() {
                JniUtils.stopProfile(trace.toString());
            }
        };
    }

    /** Checks the options before any work: ranges, then --seq-len against the model. */
    private void validate(ModelConfig model, int seq) {
        OptionChecks.ranges(this);
        if (profile != null) {
            OutputFolder.requireOutsideAmosFolders(profile, "--profile");
            OptionChecks.outputFolder(profile, "--profile");
            for (String o : objectives) {
                OutputFile.check(
                        profile.resolve(
                                Objective.parse(o, o.equals("amos") ? ablation : null).label()
                                        + ".json"),
                        overwrite,
                        "--profile");
            }
        } else if (profileShapes) {
            throw new BadInputException(
                    "--profile-shapes records shapes in a profile: expected --profile DIR with it");
        }
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
        for (String o : objectives) {
            OptionChecks.ablationFits(
                    Objective.parse(o, o.equals("amos") ? ablation : null), model, config);
        }
    }

    private PackedExamples examples(int seq) throws java.io.IOException {
        java.nio.file.Path tok = Paths.models().resolve("tokenizer.json");
        CorpusTokenizer tokenizer = CorpusTokenizer.load(tok);
        TokenShards shards =
                new ShardCache(
                                Paths.cache()
                                        .resolve("shards")
                                        .resolve(ShardCache.cacheKey(corpus, tok)))
                        .progress(System.err)
                        .prepare(corpus, tokenizer)
                        .shards();
        PackedExamples packed = new ExamplePacker(seq, tokenizer.specialTokens()).pack(shards, 1);
        if (packed.size() < batchSize) {
            throw new BadInputException(
                    "--corpus gives "
                            + packed.size()
                            + " sequence(s) of "
                            + seq
                            + " tokens, fewer than one batch (--batch-size "
                            + batchSize
                            + "): expected --batch-size in [1, "
                            + packed.size()
                            + "], or a shorter --seq-len, or more text");
        }
        return packed;
    }
}
