package org.ddimspark.storage;

import java.io.IOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.fs.s3a.commit.impl.CommitOperations;

/**
 * What a run that was killed before its job commit leaves in its output, which a later commit must not
 * take in: the staging folder of Hadoop's classic committers ({@code _temporary}), and on S3A the magic
 * committer's {@code __magic*} folders and the multipart uploads its tasks began but nobody completed
 * (invisible, but billed until aborted).
 */
public final class UncommittedFiles {

    /** Where Hadoop's classic committers stage the files of a run that has not committed. */
    public static final String STAGING = "_temporary";
    /** The prefix of the S3A magic committer's folders. */
    public static final String MAGIC = "__magic";

    private UncommittedFiles() {}

    /**
     * What a cleanup removed.
     *
     * @param folders the staging folders deleted
     * @param uploads the pending multipart uploads aborted
     */
    public record Removed(int folders, int uploads) {}

    /**
     * Deletes the uncommitted files of an output folder. Never call it while another job writes there.
     *
     * @param fs the output's file system
     * @param dir the output folder, which exists
     * @return what was removed
     * @throws IOException when the file system fails
     */
    public static Removed remove(FileSystem fs, Path dir) throws IOException {
        int folders = 0;
        for (FileStatus child : fs.listStatus(dir)) {
            String name = child.getPath().getName();
            if (child.isDirectory() && (name.equals(STAGING) || name.startsWith(MAGIC))) {
                fs.delete(child.getPath(), true);
                folders++;
            }
        }
        int uploads = 0;
        if (fs instanceof S3AFileSystem s3a) {
            uploads = new CommitOperations(s3a).abortPendingUploadsUnderPath(dir);
        }
        return new Removed(folders, uploads);
    }
}
