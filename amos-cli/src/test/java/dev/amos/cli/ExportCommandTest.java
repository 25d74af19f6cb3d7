package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.amos.eval.finetune.ClassifierConfig;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.finetune.SequenceClassifier;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.ModelConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code amos export} of an {@code amos finetune} output (its best/ found by itself). */
class ExportCommandTest {

    @TempDir Path tmp;

    @Test
    void exportsAFineTunedOutputAndRejectsEncoderOptions() throws Exception {
        Path repo = Path.of(System.getProperty("amos.repo.root", ".."));
        ModelConfig model =
                ModelConfig.load(repo.resolve("models/amos-tiny.json"))
                        .with(
                                Map.of(
                                        "hidden_size",
                                        "32",
                                        "num_layers",
                                        "1",
                                        "num_heads",
                                        "2",
                                        "ffn_size",
                                        "64",
                                        "max_positions",
                                        "64"));
        Path finetuneOut = tmp.resolve("rte");
        try (NDManager manager = NDManager.newBaseManager()) {
            SequenceClassifier classifier =
                    new SequenceClassifier(ClassifierConfig.of(model, GlueTask.RTE, 64))
                            .initialize(manager);
            FineTunedModel.save(
                    classifier, repo.resolve("models/tokenizer.json"), finetuneOut.resolve("best"));
        }
        StringWriter err = new StringWriter();
        CommandLine cli = AmosCommand.commandLine();
        cli.setErr(new PrintWriter(err, true));
        Path out = tmp.resolve("serving");
        assertEquals(
                0,
                cli.execute("export", "--model", finetuneOut.toString(), "--out", out.toString()),
                err.toString());
        for (String file :
                List.of(
                        "amos-classifier.pt",
                        "serving.properties",
                        "synset.txt",
                        "tokenizer.json",
                        "config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        assertEquals(
                List.of("entailment", "not_entailment"),
                Files.readAllLines(out.resolve("synset.txt")));
        assertTrue(
                Files.readString(out.resolve("serving.properties"))
                        .contains("CrossEncoderTranslatorFactory"));

        StringWriter err2 = new StringWriter();
        CommandLine cli2 = AmosCommand.commandLine();
        cli2.setErr(new PrintWriter(err2, true));
        Path other = tmp.resolve("other");
        assertEquals(
                2,
                cli2.execute(
                        "export",
                        "--model",
                        finetuneOut.toString(),
                        "--out",
                        other.toString(),
                        "--pooling",
                        "cls"));
        assertEquals(1, err2.toString().strip().lines().count(), err2.toString());
        assertTrue(err2.toString().contains("only for pretraining runs"), err2.toString());
        assertFalse(Files.exists(other));
    }
}
