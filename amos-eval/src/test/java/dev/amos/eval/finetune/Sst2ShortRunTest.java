package dev.amos.eval.finetune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.Pretrainer;
import dev.amos.train.TrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny model pretrained by the real trainer, fine-tuned briefly on real SST-2, beats the majority class. */
class Sst2ShortRunTest {

    private static final Path ROOT = Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    @Test
    void shortSst2FineTuneBeatsTheMajorityClassOnDev(@TempDir Path tmp) throws IOException {
        Path glue = ROOT.resolve("../shared/data/glue").normalize();
        Assumptions.assumeTrue(Files.isRegularFile(glue.resolve("SST-2/dev.tsv")), "shared GLUE data absent");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        ModelConfig tiny = ModelConfig.load("amos-tiny", ROOT.resolve("models"));
        TrainConfig tc = new TrainConfig(20, 8, 1, 32, 1e-3f, 2, 0.01f, 0.9f, 0.98f, 1e-6f, 2f, 50f, 0.15f, 1, 10, 20, 1, 3);
        Path run = Pretrainer.run(new Pretrainer.Options(tiny, Objective.AMOS, tc, List.of(ROOT.resolve("data/wiki-sample.txt.gz")),
                ROOT.resolve("models/tokenizer.json"), tmp.resolve("pretrain"), false, Device.cpu(), tmp.resolve("cache"), quiet)).runDir();

        GlueFinetuner.Result r = GlueFinetuner.run(GlueFinetuner.Options.defaults(run, GlueTask.SST_2, glue, tmp.resolve("sst2"), quiet)
                .withEpochs(2, 1e-3f, 32).withMaxLength(48).withTrainLimit(4000));
        List<GlueExample> dev = GlueReader.read(glue, GlueTask.SST_2, GlueSplit.DEV);
        long positive = dev.stream().filter(e -> e.label() == 1).count();
        double majority = Math.max(positive, dev.size() - positive) / (double) dev.size();
        double accuracy = r.seeds().get(0).mainScore();
        System.out.println("SST-2 short run: dev accuracy " + accuracy + ", majority class " + majority);
        assertTrue(accuracy > majority + 0.05, "dev accuracy " + accuracy + " vs majority class " + majority);
    }
}
