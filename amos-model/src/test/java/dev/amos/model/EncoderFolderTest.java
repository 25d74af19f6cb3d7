package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EncoderFolder}: what it writes it reads back, a run stands for its discriminator/, a
 * swapped tokenizer is refused.
 */
class EncoderFolderTest {

    @TempDir Path tmp;

    @Test
    void writesReadsAndRefusesATokenizerItWasNotTrainedWith() throws IOException {
        Path repo =
                Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
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
        String tokenizer = Files.readString(repo.resolve("models/tokenizer.json"));
        Path dir = tmp.resolve("run").resolve(EncoderFolder.IN_RUN);
        try (NDManager manager = NDManager.newBaseManager()) {
            Encoder encoder = Encoder.owning(model.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            JsonObject extra = new JsonObject();
            extra.addProperty("note", "kept");
            EncoderFolder.write(dir, encoder, model, "electra", extra, tokenizer);
        }
        EncoderFolder read = EncoderFolder.open(tmp.resolve("run"));
        assertEquals(dir, read.dir());
        assertEquals(model.toJson(), read.model().toJson());
        assertEquals("electra", read.objective());
        assertEquals(64, read.maxLength());
        assertEquals(
                "kept", EncoderFolder.readJsonObject(read.configFile()).get("note").getAsString());

        Files.writeString(read.tokenizer(), tokenizer.replace("\"[MASK]\"", "\"[MASQ]\""));
        BadInputException e = assertThrows(BadInputException.class, () -> EncoderFolder.open(dir));
        assertTrue(e.getMessage().startsWith(read.tokenizer() + ": sha256 "), e.getMessage());
        assertTrue(
                e.getMessage().contains("not the tokenizer this encoder was trained with"),
                e.getMessage());

        JsonObject config = EncoderFolder.readJsonObject(read.configFile());
        config.remove(
                EncoderFolder.TOKENIZER_SHA256); // a folder written before the hash was recorded
        Files.writeString(read.configFile(), config.toString());
        assertEquals(dir, EncoderFolder.open(dir).dir());
    }
}
