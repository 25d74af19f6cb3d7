package dev.amos.cli;

import dev.amos.importer.ReleasedModelImporter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amos import}: Microsoft's released AMOS / COCO-LM encoder (the files of the Hugging Face
 * repos microsoft/amos, microsoft/cocolm-base, microsoft/cocolm-large) as an amos model folder that
 * finetune, glue, eval, embed, export and info take unchanged. See docs/import.md.
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Import a released AMOS / COCO-LM encoder (pytorch_model.bin or model.safetensors, config.json,",
            "sp.model, dict.txt) as an amos model folder. No Python, no network; nothing is left behind on failure."})
final class ImportCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Folder with the released files.")
    Path from;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New model folder (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() throws Exception {
        OptionChecks.ranges(this);
        OptionChecks.outputFolder(out, "--out");
        ReleasedModelImporter.run(from, out, System.out::println);
        return 0;
    }
}
