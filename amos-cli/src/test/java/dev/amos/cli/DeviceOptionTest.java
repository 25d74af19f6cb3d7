package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.amos.model.BadInputException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** One device rule for every command. */
class DeviceOptionTest {

    @Test
    void everyCommandThatRunsAModelTakesDeviceWithTheSameDefaultAndHelp() {
        CommandLine amos = AmosCommand.commandLine();
        List<String> withDevice = new ArrayList<>();
        for (var entry : amos.getSubcommands().entrySet()) {
            OptionSpec device = entry.getValue().getCommandSpec().findOption("--device");
            if (device != null) {
                withDevice.add(entry.getKey());
                assertEquals("auto", String.valueOf(device.initialValue()), entry.getKey());
                assertEquals(
                        DeviceOption.DESCRIPTION.replace("${DEFAULT-VALUE}", "auto"),
                        String.join(" ", device.description()),
                        entry.getKey());
            }
        }
        for (String c : new String[] {"train", "bench", "finetune", "glue", "eval", "embed"}) {
            assertTrue(withDevice.contains(c), c + " lacks --device: " + withDevice);
        }
        assertTrue(
                amos.getSubcommands().get("export").getCommandSpec().findOption("--device") == null,
                "export writes from host memory and has no --device");
    }

    @Test
    void autoIsTheEnginesDefaultDeviceAndCpuIsAlwaysTheCpu() {
        assertEquals(Engine.getInstance().defaultDevice(), DeviceOption.resolve("auto"));
        assertEquals(Device.cpu(), DeviceOption.resolve("cpu"));
        BadInputException bad =
                assertThrows(BadInputException.class, () -> DeviceOption.resolve("tpu"));
        assertEquals("--device: expected auto, cpu or gpu, got \"tpu\"", bad.getMessage());
        if (Engine.getInstance().getGpuCount() == 0) {
            BadInputException noGpu =
                    assertThrows(BadInputException.class, () -> DeviceOption.resolve("gpu"));
            assertTrue(
                    noGpu.getMessage().startsWith("--device gpu: no GPU visible to PyTorch"),
                    noGpu.getMessage());
        } else {
            assertEquals(Device.gpu(), DeviceOption.resolve("gpu"));
        }
    }
}
