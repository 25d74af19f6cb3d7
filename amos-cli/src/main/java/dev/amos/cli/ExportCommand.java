package dev.amos.cli;

import dev.amos.eval.serve.ExportedFolder;
import dev.amos.eval.serve.ModelExporter;
import dev.amos.model.BadInputException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amos export}: a serving-ready DJL model folder ({@code amos-encoder.pt}, {@code
 * serving.properties}, {@code tokenizer.json}, {@code config.json}) from a pretraining run.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a serving-ready model folder (TorchScript).",
            "Loads with no amos code in DJL Criteria, DJL Serving, torch.jit.load and TorchServe; see docs/serving.md."})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Pretraining run folder (or its discriminator/).")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created; exported files replaced).")
    Path out;

    @Option(names = "--format", description = "Only torchscript (default: ${DEFAULT-VALUE}).")
    String format = "torchscript";

    @Option(names = "--pooling", description = "Pooled output and serving translator: cls or mean (default: ${DEFAULT-VALUE}).")
    String pooling = "mean";

    @Option(names = "--normalize", description = "L2-normalise the pooled output.")
    boolean normalize;

    @Override
    public Integer call() throws Exception {
        if (!"torchscript".equalsIgnoreCase(format)) {
            throw new BadInputException("--format: expected torchscript, got \"" + format + "\"");
        }
        ExportedFolder folder = ModelExporter.exportTorchScript(model, out, EmbedCommand.parsePooling(pooling), normalize);
        System.out.println("exported " + folder.modelFile() + " (pooling " + folder.pooling().externalName()
                + (folder.normalize() ? ", normalized" : "") + ", max length " + folder.maxLength() + ") + serving.properties, "
                + "tokenizer.json, config.json in " + folder.dir());
        return 0;
    }
}
