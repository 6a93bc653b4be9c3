/**
 * Storage on any Hadoop file system (local, {@code hdfs://}, {@code s3a://}): the one Hadoop configuration
 * a job's settings make, the S3A committer an object-store output gets, the checks a job's URIs pass
 * before Spark starts, the cleanup of a killed run's uncommitted files, model directories copied from a
 * remote URI into a local cache keyed by their sha256, and the redaction of secrets in printed settings.
 * Nothing here imports Spark.
 */
package org.ddimspark.storage;
