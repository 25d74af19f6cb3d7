package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights whose shapes differ from the block's config are refused by name, before anyone uses them.
 */
class BlockFilesTest {

    @Test
    void aParameterOfAnotherShapeIsNamedWithBothShapes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("encoder.params");
        Path config = dir.resolve("config.json");
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder saved = Encoder.owning(TinyBatch.config().discriminator());
            saved.initialize(m, DataType.FLOAT32, new Shape(1, 12));
            BlockFiles.save(saved, file);

            // only the feed-forward width differs: the first mismatch is deep inside layer 0
            Encoder wider =
                    Encoder.owning(
                            TinyBatch.config().with(Map.of("ffn_size", "48")).discriminator());
            BadInputException e =
                    assertThrows(
                            BadInputException.class, () -> BlockFiles.load(wider, m, file, config));
            assertEquals(
                    file
                            + ": parameter layer0.ffn.in.weight has shape (32, 16), the model config ("
                            + config
                            + ") expects (48, 16)",
                    e.getMessage());

            Encoder narrower =
                    Encoder.owning(
                            TinyBatch.config().with(Map.of("hidden_size", "8")).discriminator());
            narrower.initialize(
                    m, DataType.FLOAT32, new Shape(1, 12)); // initialized first, as diagnose does
            BadInputException h =
                    assertThrows(BadInputException.class, () -> BlockFiles.load(narrower, m, file));
            assertEquals(
                    file
                            + ": parameter token_embedding has shape (200, 16), the model config expects (200, 8)",
                    h.getMessage());
        }
    }
}
