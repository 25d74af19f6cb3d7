package dev.amos.eval.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import dev.amos.eval.finetune.ClassifierConfig;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.finetune.SequenceClassifier;
import dev.amos.eval.glue.GlueTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fine-tune's {@code best/} is replaced whole or not at all (no half-written best/). */
class FineTunedSaveTest {

    @TempDir Path tmp;

    @Test
    void aFailedSaveLeavesThePreviousBestWholeAndNoStagingFolder() throws IOException {
        Path best = TinyClassifier.create(tmp.resolve("best"), GlueTask.RTE, 1);
        byte[] params = Files.readAllBytes(best.resolve(FineTunedModel.PARAMS));
        try (NDManager manager = NDManager.newBaseManager()) {
            SequenceClassifier other =
                    new SequenceClassifier(ClassifierConfig.of(TinyRun.config(), GlueTask.RTE, 48))
                            .initialize(manager);
            assertThrows(
                    IOException.class,
                    () -> FineTunedModel.save(other, tmp.resolve("no-such-tokenizer.json"), best));
        }
        assertArrayEquals(params, Files.readAllBytes(best.resolve(FineTunedModel.PARAMS)));
        try (FineTunedModel model = FineTunedModel.load(best)) {
            assertEquals(GlueTask.RTE, model.config().task());
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(best), left.toList(), "only best/ is left");
        }
    }
}
