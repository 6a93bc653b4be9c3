package org.ddimspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {

    @Test
    void autoTakesTheTasksGpuWhenTheEngineHasGpusAndTheCpuOtherwise() {
        assertEquals(Device.gpu(1), DeviceChoice.AUTO.choose(List.of("1"), 2));
        assertEquals(Device.gpu(0), DeviceChoice.AUTO.choose(List.of(" 0 "), 8));
        assertEquals(Device.cpu(), DeviceChoice.AUTO.choose(List.of(), 2), "no GPU resource: the CPU");
        assertEquals(Device.cpu(), DeviceChoice.AUTO.choose(List.of("1"), 0), "a CPU-only engine: the CPU");
    }

    @Test
    void cpuNeverTakesAGpu() {
        assertEquals(Device.cpu(), DeviceChoice.CPU.choose(List.of("1"), 2));
    }

    @Test
    void gpuInsistsAndSaysWhyInOneLine() {
        assertEquals(Device.gpu(3), DeviceChoice.GPU.choose(List.of("3"), 4));
        assertEquals(Device.gpu(0), DeviceChoice.GPU.choose(List.of(), 1), "no resource scheduling: the first GPU");
        String none = assertThrows(IllegalStateException.class, () -> DeviceChoice.GPU.choose(List.of("0"), 0)).getMessage();
        assertTrue(none.startsWith("--device gpu: the PyTorch engine sees no GPU") && !none.contains("\n"), none);
        String outside = assertThrows(IllegalStateException.class, () -> DeviceChoice.GPU.choose(List.of("2"), 2))
                .getMessage();
        assertTrue(outside.contains("GPU address '2'") && outside.contains("0..1"), outside);
        assertThrows(IllegalStateException.class, () -> DeviceChoice.AUTO.choose(List.of("GPU-5a3c"), 2));
    }

    @Test
    void parsesTheOption() {
        assertEquals(DeviceChoice.GPU, DeviceChoice.fromId("GPU"));
        assertEquals("auto", DeviceChoice.AUTO.id());
        assertThrows(IllegalArgumentException.class, () -> DeviceChoice.fromId("cuda"));
    }
}
