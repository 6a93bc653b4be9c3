package org.ddimspark.model;

/**
 * The DJL settings every JVM of a job needs, applied before the PyTorch engine starts unless the user set
 * them: offline (never download libtorch: the native jar on the class path is used) and one inter-op
 * thread. The intra-op threads default to one per task: Spark runs one task per core, and more threads
 * per task only fight over the same cores.
 */
public final class EngineSettings {

    private EngineSettings() {}

    /** Sets the defaults as system properties where none is set yet. */
    public static synchronized void applyDefaults() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        setIfAbsent("ai.djl.pytorch.num_threads", "1");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
