package dev.aviary.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory and the machine's load, as the benchmark reports them. */
final class ProcessFigures {

    private ProcessFigures() {}

    /** Heap in use after an explicit full collection (two, so what the first freed for finalisation is gone too), MB. */
    static double heapAfterGcMb() {
        var memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed() / 1048576.0;
    }

    /** A field of /proc/self/status in MB (VmRSS: resident now, VmHWM: its peak); -1 where there is no /proc. */
    static double statusMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: reported as unknown
        }
        return -1;
    }

    /** The 1-minute load average; -1 where there is none. */
    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
