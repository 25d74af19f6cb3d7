package dev.amos.eval.serve;

import dev.amos.model.BadInputException;
import dev.amos.model.EncoderFolder;
import dev.amos.model.Pooling;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A serving folder written by {@link ModelExporter} (DJL's model-folder convention): {@code
 * <name>.pt}, {@code serving.properties}, {@code tokenizer.json}, {@code config.json}.
 *
 * @param dir the folder
 * @param modelName the TorchScript file name without {@code .pt}
 * @param pooling the pooling baked into the second output and named in serving.properties
 * @param normalize whether that output is L2-normalised
 * @param maxLength tokens kept per text
 */
public record ExportedFolder(
        Path dir, String modelName, Pooling pooling, boolean normalize, int maxLength) {

    public static final String SERVING_PROPERTIES = "serving.properties";

    /** The TorchScript file. */
    public Path modelFile() {
        return dir.resolve(modelName + ".pt");
    }

    /** Whether {@code dir} holds a serving.properties (an exported folder). */
    public static boolean isExported(Path dir) {
        return Files.isRegularFile(dir.resolve(SERVING_PROPERTIES));
    }

    /** Reads the folder's serving.properties and checks the model and tokenizer files exist. */
    public static ExportedFolder open(Path dir) {
        Path file = dir.resolve(SERVING_PROPERTIES);
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException e) {
            throw BadInputException.of(file, "cannot read: " + e.getMessage());
        }
        String factory = props.getProperty("translatorFactory", ModelExporter.TRANSLATOR_FACTORY);
        if (!ModelExporter.TRANSLATOR_FACTORY.equals(factory)) {
            throw BadInputException.of(
                    dir,
                    "a classifier export (translatorFactory "
                            + factory
                            + "), not an encoder export: embed a pretraining run or an encoder export from 'amos export'");
        }
        String name = props.getProperty("option.modelName", ModelExporter.MODEL_NAME);
        ExportedFolder folder;
        try {
            folder =
                    new ExportedFolder(
                            dir,
                            name,
                            Pooling.fromName(props.getProperty("pooling", "mean")),
                            Boolean.parseBoolean(props.getProperty("normalize", "false")),
                            Integer.parseInt(
                                    props.getProperty(
                                            "maxLength",
                                            String.valueOf(EncoderFolder.MAX_LENGTH_CAP))));
        } catch (IllegalArgumentException e) {
            throw BadInputException.of(
                    file, "expected pooling=cls|mean and an integer maxLength: " + e.getMessage());
        }
        if (!Files.isRegularFile(folder.modelFile())) {
            throw BadInputException.of(
                    dir, "exported folder without its model file " + name + ".pt");
        }
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw BadInputException.of(dir, "exported folder without tokenizer.json");
        }
        return folder;
    }
}
