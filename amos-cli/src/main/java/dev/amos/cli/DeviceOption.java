package dev.amos.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.amos.model.BadInputException;

/**
 * {@code --device auto|cpu|gpu}, one rule for every command that runs a model ({@code train},
 * {@code bench}, {@code finetune}, {@code glue}, {@code eval}, {@code embed}): {@code auto} (the
 * default) is the first GPU when PyTorch sees one (the cu118 flavor on a GPU host) and the CPU
 * otherwise; {@code gpu} fails with exit code 2 when there is none. {@code export} writes its
 * TorchScript archive from the weights on the CPU and has no such option.
 */
final class DeviceOption {

    static final String DEFAULT = "auto";
    static final String DESCRIPTION =
            "auto (a GPU when PyTorch sees one, else the CPU), cpu or gpu (default: ${DEFAULT-VALUE}).";

    private DeviceOption() {}

    static Device resolve(String name) {
        return switch (name) {
            case "cpu" -> Device.cpu();
            case "gpu" -> {
                if (Engine.getInstance().getGpuCount() == 0) {
                    throw new BadInputException(
                            "--device gpu: no GPU visible to PyTorch (flavor cpu?); see ./amos info");
                }
                yield Device.gpu();
            }
            case "auto" -> Engine.getInstance().defaultDevice();
            default ->
                    throw new BadInputException(
                            "--device: expected auto, cpu or gpu, got \"" + name + "\"");
        };
    }
}
