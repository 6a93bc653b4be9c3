package org.ddimspark.spark;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Progress lines on the driver while a job runs: rows done of the total, ok and error, rows per second and
 * the time left, counted from the tasks' {@link RowProgress} accumulators. A finished task counts with its
 * final values; a running one with the values its executor last reported in a heartbeat
 * ({@code spark.executor.heartbeatInterval}, 10 s by default), so a long task shows its batches as they
 * finish; a failed attempt's rows are dropped, as its retry makes them again.
 */
public final class ProgressReporter extends SparkListener implements AutoCloseable {

    /**
     * What the job has made so far.
     *
     * @param ok the ok rows
     * @param error the error rows
     * @param total the rows the job will make, or -1 when unknown
     * @param seconds the time since the job's rows began
     */
    public record Snapshot(long ok, long error, long total, double seconds) {

        /** Returns the rows made. */
        public long done() {
            return ok + error;
        }

        /** Returns the line to print, prefixed with the command's name. */
        public String line(String command) {
            StringBuilder line = new StringBuilder(command).append(": ").append(done());
            if (total >= 0) {
                line.append('/').append(total);
            }
            line.append(" rows (").append(ok).append(" ok, ").append(error).append(" error)");
            double rate = seconds > 0 ? done() / seconds : 0;
            line.append(String.format(Locale.ROOT, ", %.1f rows/s", rate));
            if (total >= 0 && rate > 0) {
                line.append(", ETA ").append(duration(Math.max(0, total - done()) / rate));
            }
            return line.toString();
        }

        private static String duration(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                    : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
        }
    }

    private final SparkSession session;
    private final Map<Long, long[]> running = new HashMap<>();
    private final Set<Long> ended = new HashSet<>();
    private final ScheduledExecutorService printer;
    private long finishedOk;
    private long finishedError;
    private volatile long total = -1;
    private volatile long started;

    private ProgressReporter(SparkSession session, ScheduledExecutorService printer) {
        this.session = session;
        this.printer = printer;
    }

    /**
     * Starts reporting on a session.
     *
     * @param session the session
     * @param command the command, which starts each line
     * @param intervalSeconds the time between lines
     * @param out where the lines go
     * @return the reporter; close it when the job ends
     */
    public static ProgressReporter start(SparkSession session, String command, double intervalSeconds, PrintStream out) {
        ScheduledExecutorService printer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ddim-progress");
            t.setDaemon(true);
            return t;
        });
        ProgressReporter reporter = new ProgressReporter(session, printer);
        session.sparkContext().addSparkListener(reporter);
        long period = Math.max(1, Math.round(intervalSeconds * 1000));
        printer.scheduleAtFixedRate(() -> {
            Snapshot now = reporter.snapshot();
            if (now.total() >= 0 || now.done() > 0) {
                out.println(now.line(command));
            }
        }, period, period, TimeUnit.MILLISECONDS);
        return reporter;
    }

    /** Returns what the job has made so far. */
    public synchronized Snapshot snapshot() {
        long ok = finishedOk;
        long error = finishedError;
        for (long[] values : running.values()) {
            ok += values[0];
            error += values[1];
        }
        double seconds = started == 0 ? 0 : (System.nanoTime() - started) / 1e9;
        return new Snapshot(ok, error, total, seconds);
    }

    @Override
    public void onJobStart(SparkListenerJobStart start) {
        String value = start.properties() == null ? null : start.properties().getProperty(RowProgress.TOTAL);
        if (value != null && total < 0) {
            total = Long.parseLong(value);
            started = System.nanoTime();
        }
    }

    @Override
    public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task
                : CollectionConverters.asJava(update.accumUpdates())) {
            long[] values = values(task._4());
            // a heartbeat sent just before a task ended can arrive after its end
            if (values != null && !ended.contains((Long) task._1())) {
                running.put((Long) task._1(), values);
            }
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());
        ended.add(end.taskInfo().taskId());
        if (end.reason() == Success$.MODULE$) {
            long[] values = values(end.taskInfo().accumulables());
            if (values != null) {
                finishedOk += values[0];
                finishedError += values[1];
            }
        }
    }

    /** The ok and error counts among a task's accumulator updates, or null when it has none. */
    private static long[] values(scala.collection.Seq<AccumulableInfo> accumulables) {
        long[] values = null;
        for (AccumulableInfo info : CollectionConverters.asJava(accumulables)) {
            String name = info.name().isDefined() ? info.name().get() : null;
            int i = RowProgress.OK.equals(name) ? 0 : RowProgress.ERROR.equals(name) ? 1 : -1;
            if (i >= 0 && info.update().isDefined()) {
                values = values == null ? new long[2] : values;
                values[i] = ((Number) info.update().get()).longValue();
            }
        }
        return values;
    }

    @Override
    public void close() {
        printer.shutdownNow();
        session.sparkContext().removeSparkListener(this);
    }
}
