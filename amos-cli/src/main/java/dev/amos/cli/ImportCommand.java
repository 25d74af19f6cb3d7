package dev.amos.cli;

import dev.amos.importer.ReleasedModelImporter;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amos import}: Microsoft's released AMOS / COCO-LM encoder (the files of the Hugging Face
 * repos microsoft/amos, microsoft/cocolm-base, microsoft/cocolm-large) as an amos model folder that
 * finetune, glue, eval, embed, export and info take unchanged. See docs/import.md.
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Import a released AMOS / COCO-LM encoder (pytorch_model.bin or model.safetensors, config.json,",
            "sp.model, dict.txt) as an amos model folder. No Python, no network; nothing is left behind on failure.",
            "Also reads 'amos export --format hf' folders (of a WordPiece run: tokenizer.json and vocab.txt instead of sp.model, dict.txt)."
        })
final class ImportCommand implements Callable<Integer> {

    @Option(
            names = "--from",
            required = true,
            paramLabel = "DIR",
            description = "Folder with the released files.")
    Path from;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = {
                "Model folder: new or empty (built beside it and",
                "renamed into place), or an earlier import with --overwrite."
            })
    Path out;

    @Option(
            names = "--overwrite",
            description = "Replace the import already at --out (never a folder of another kind).")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        OptionChecks.ranges(this);
        OutputFolder.check(out, FolderKind.IMPORT, overwrite, "--out", from);
        OptionChecks.outputFolder(out, "--out");
        ReleasedModelImporter.run(from, out, overwrite, System.out::println);
        return 0;
    }
}
