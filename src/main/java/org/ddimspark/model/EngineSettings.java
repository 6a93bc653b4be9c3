package org.ddimspark.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * The DJL settings every JVM of a job needs, applied before the PyTorch engine starts unless the user set
 * them: offline (never download libtorch: the native jar on the class path is used) and one inter-op
 * thread. The intra-op threads default to one per task: Spark runs one task per core, and more threads
 * per task only fight over the same cores. TorchScript's graph optimizer stays on, as in PyTorch: models
 * traced elsewhere rely on it (a float64 constant that a traced timestep embedding holds runs only with
 * it), and its first, profiling forwards compute the same bits as the optimized ones (tested); they are
 * slower, which {@code bench} measures apart. {@code -Dai.djl.pytorch.graph_optimizer=false} turns it off.
 *
 * <p>One setting cannot be made from inside the JVM: on CPUs with AVX-512 (seen on AMD EPYC), the oneDNN
 * kernels of libtorch 2.7.1 returned NaN for a convolutional UNet in some runs and not others, while
 * every run with {@code ONEDNN_MAX_CPU_ISA=AVX2} was exact. It is an environment variable read when
 * libtorch loads: {@code jobs/ddim}, the tests and {@code spark.executorEnv} (see the command line) set it;
 * {@link #oneDnnLimited()} tells whether this JVM has it.
 */
public final class EngineSettings {

    private EngineSettings() {}

    /** Sets the defaults as system properties where none is set yet. */
    public static synchronized void applyDefaults() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        setIfAbsent("ai.djl.pytorch.num_threads", "1");
    }

    /** The environment variable that keeps oneDNN off its AVX-512 kernels, and its value. */
    public static final String ONEDNN_ISA = "ONEDNN_MAX_CPU_ISA";
    /** The value of {@link #ONEDNN_ISA} this project runs with. */
    public static final String ONEDNN_ISA_VALUE = "AVX2";

    /** Returns whether this JVM runs with {@code ONEDNN_MAX_CPU_ISA} set (to any value the user chose). */
    public static boolean oneDnnLimited() {
        return System.getenv(ONEDNN_ISA) != null;
    }

    /** Returns the intra-op threads of the loaded PyTorch engine. */
    public static int intraOpThreads() {
        return JniUtils.getNumThreads();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
