package dev.amos.eval.finetune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.PretrainOptions;
import dev.amos.train.Pretrainer;
import dev.amos.train.TrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny model pretrained by the real trainer, fine-tuned briefly on a sample of real SST-2, beats
 * the majority class.
 */
class Sst2ShortRunTest {

    private static final Path ROOT =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    @Test
    void shortSst2FineTuneBeatsTheMajorityClassOnDev(@TempDir Path tmp) throws IOException {
        Path glue = ROOT.resolve("testdata/glue");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        ModelConfig tiny = ModelConfig.load("amos-tiny", ROOT.resolve("models"));
        TrainConfig tc =
                TrainConfig.builder()
                        .optSteps(20)
                        .optBatchSize(8)
                        .optSeqLen(32)
                        .optLearningRate(1e-3f)
                        .optWarmupSteps(2)
                        .optSeed(1)
                        .optCheckpointEvery(20)
                        .optKeepCheckpoints(1)
                        .optMaxSkippedSteps(3)
                        .build();
        Path run =
                Pretrainer.run(
                                PretrainOptions.builder()
                                        .setModel(tiny, Objective.AMOS)
                                        .optTraining(tc)
                                        .setCorpus(List.of(ROOT.resolve("data/wiki-sample.txt.gz")))
                                        .setTokenizer(ROOT.resolve("models/tokenizer.json"))
                                        .setOutDir(tmp.resolve("pretrain"))
                                        .setCacheDir(tmp.resolve("cache"))
                                        .optLog(quiet)
                                        .build())
                        .runDir();

        GlueFinetuner.Result r =
                GlueFinetuner.run(
                        FinetuneConfig.builder()
                                .setPretrained(run)
                                .setTask(GlueTask.SST_2)
                                .setGlueDir(glue)
                                .setOutDir(tmp.resolve("sst2"))
                                .optLog(quiet)
                                .optEpochs(2)
                                .optLearningRate(1e-3f)
                                .optBatchSize(32)
                                .optMaxLength(48)
                                .optTrainLimit(4000)
                                .build());
        List<GlueExample> dev = GlueReader.read(glue, GlueTask.SST_2, GlueSplit.DEV);
        long positive = dev.stream().filter(e -> e.label() == 1).count();
        double majority = Math.max(positive, dev.size() - positive) / (double) dev.size();
        double accuracy = r.seeds().get(0).mainScore();
        System.out.println(
                "SST-2 short run: dev accuracy " + accuracy + ", majority class " + majority);
        assertTrue(
                accuracy > majority + 0.05,
                "dev accuracy " + accuracy + " vs majority class " + majority);
    }
}
